/* clip.c — fixing a clip's length, the decode→resample→fix pipeline, and releasing clips.
 *
 * Owns audio_fix_length, audio_load, audio_load_reuse (the same load into per-thread buffers) and
 * audio_clip_release. Placement is exact and documented:
 * with d = |n - n_out|, CENTRE crops from / pads before index floor(d / 2), START at 0, RANDOM
 * at rng_below(r, d + 1) (uniform over every possible placement). A clip already n_out long is
 * untouched and draws nothing from r. On failure the clip is unchanged.
 * audio_load reads a long clip's window alone (load_window): a 2-hour recording used for 5 s is
 * not decoded in full.
 */
#include "audio/audio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t placement(size_t d, enum audio_offset where, rng *r)
{
    switch (where) {
    case AUDIO_OFFSET_START:
        return 0;
    case AUDIO_OFFSET_RANDOM:
        return (size_t)rng_below(r, (uint64_t)d + 1);
    case AUDIO_OFFSET_CENTRE:
    default:
        return d / 2;
    }
}

int audio_fix_length(audio_clip *clip, size_t n_out, enum audio_offset where, rng *r, mlac_err *err)
{
    if (n_out < 1 || n_out > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_EINVAL, "clip length %zu frames is out of range (1 to %zu)",
                         n_out, (size_t)AUDIO_MAX_FRAMES);
    if (where != AUDIO_OFFSET_CENTRE && where != AUDIO_OFFSET_START && where != AUDIO_OFFSET_RANDOM)
        return mlac_errf(err, MLAC_EINVAL, "unknown clip offset mode %d", (int)where);
    if (where == AUDIO_OFFSET_RANDOM && !r)
        return mlac_errf(err, MLAC_EINVAL, "a random clip offset needs a random generator");
    if (clip->n == n_out)
        return MLAC_OK;
    if (clip->n > 0 && !clip->samples)
        return mlac_errf(err, MLAC_EINVAL, "clip of %zu frames has no samples", clip->n);
    float *out = calloc(n_out, sizeof *out); /* (n_out,) zero-padded */
    if (!out)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a clip of %zu frames", n_out);
    if (clip->n > n_out) {
        size_t at = placement(clip->n - n_out, where, r);
        memcpy(out, clip->samples + at, n_out * sizeof *out);
    } else if (clip->n > 0) {
        size_t at = placement(n_out - clip->n, where, r);
        memcpy(out + at, clip->samples, clip->n * sizeof *out);
    }
    free(clip->samples);
    clip->samples = out;
    clip->n = n_out;
    return MLAC_OK;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The window of a long clip read alone (see audio.h): *used is 0 when the clip does not qualify
 * (MP3, Ogg, no frame count, shorter than LOAD_WINDOW_MIN_S or 4 windows) and the caller
 * decodes it whole. The placement is drawn exactly as audio_fix_length would on the whole
 * resampled clip, whose length is known from the header. */
static int load_window(const void *bytes, size_t n, const char *name, int rate, size_t n_out,
                       enum audio_offset where, rng *r, audio_clip *out, int *used, mlac_err *err)
{
    *used = 0;
    audio_info info;
    mlac_err probe_err = {0};
    /* MP3 counts may be estimates and Ogg (Vorbis, Opus) seeking is not tested sample-exact: both
     * keep the whole-clip path */
    if (audio_probe(bytes, n, name, &info, &probe_err) || !strcmp(info.format, "MP3") ||
        !strcmp(info.format, "OGG") || info.frames == 0 ||
        info.rate < 1 || rate < 1 || (double)info.frames < LOAD_WINDOW_MIN_S * info.rate)
        return MLAC_OK;
    uint64_t fin = info.frames, rin = (uint64_t)info.rate, rout = (uint64_t)rate;
    uint64_t total = rin == rout ? fin : (fin * rout + rin - 1) / rin; /* the whole clip resampled */
    if (total <= 4 * (uint64_t)n_out || total > AUDIO_MAX_FRAMES)
        return MLAC_OK;
    if (where == AUDIO_OFFSET_RANDOM && !r)
        return mlac_errf(err, MLAC_EINVAL, "cannot load '%s': a random clip offset needs a random generator",
                         name);
    size_t at = placement((size_t)(total - n_out), where, r);
    *used = 1;
    if (rin == rout) /* no resampling: the window's frames, exactly as a crop of the whole */
        return audio_decode_range(bytes, n, name, at, n_out, out, err);
    /* an input range with 1 s of context each side, starting on a frame that maps to a whole
     * output frame, so the resampled range lines up with the whole clip's resampling */
    uint64_t step_in = rin / gcd_u64(rin, rout), step_out = rout / gcd_u64(rin, rout);
    uint64_t a = (uint64_t)at * rin / rout;
    a = a > rin ? a - rin : 0;
    a -= a % step_in;
    uint64_t b = ((uint64_t)(at + n_out) * rin + rout - 1) / rout + rin;
    if (b > fin)
        b = fin;
    audio_clip seg;
    int rc = audio_decode_range(bytes, n, name, (size_t)a, (size_t)(b - a), &seg, err);
    if (rc)
        return rc;
    if ((rc = audio_resample(&seg, rate, name, err))) {
        audio_clip_release(&seg);
        return rc;
    }
    size_t off = at - (size_t)(a / step_in * step_out);
    float *win = calloc(n_out, sizeof *win); /* (n_out,) zero where the range ends early */
    if (!win) {
        audio_clip_release(&seg);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a clip of %zu frames", n_out);
    }
    if (off < seg.n)
        memcpy(win, seg.samples + off, (seg.n - off < n_out ? seg.n - off : n_out) * sizeof *win);
    audio_clip_release(&seg);
    *out = (audio_clip){win, n_out, rate};
    return MLAC_OK;
}

int audio_load(const void *bytes, size_t n, const char *name, int rate, double seconds,
               enum audio_offset where, rng *r, audio_clip *out, mlac_err *err)
{
    return audio_load_meta(bytes, n, name, rate, seconds, where, r, out, NULL, NULL, err);
}

static double rms_of(const float *x, size_t n)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    return sqrt(ss / (double)(n ? n : 1));
}

/* Grows s->out to hold n floats (never shrinks). */
static int reserve_out(audio_scratch *s, size_t n, const char *name, mlac_err *err)
{
    if (n <= s->cap_out)
        return MLAC_OK;
    float *p = realloc(s->out, n * sizeof *p);
    if (!p)
        return mlac_errf(err, MLAC_ENOMEM, "cannot load '%s': out of memory for a clip of %zu frames", name, n);
    s->out = p;
    s->cap_out = n;
    return MLAC_OK;
}

/* The checks audio_fix_length makes, with the clip's name. */
static int check_fix(size_t n_out, enum audio_offset where, rng *r, const char *name, mlac_err *err)
{
    mlac_err e = {0};
    audio_clip none = {NULL, n_out, 0}; /* already n_out long: only the arguments are checked */
    if (audio_fix_length(&none, n_out, where, r, &e) == MLAC_OK)
        return MLAC_OK;
    if (err)
        *err = e;
    return mlac_err_prefix(err, "cannot load '%s': ", name);
}

/* The whole-clip path: decode into s->decoded, then resample (or copy) straight to the clip's
 * place: a crop resamples the whole clip into s->out and views the window, a pad writes the
 * resampled clip between zeros. Placement and draws are audio_fix_length's. */
static int load_whole(audio_scratch *s, const void *bytes, size_t n, const char *name, int rate, size_t n_out,
                      enum audio_offset where, rng *r, audio_clip *view, audio_info *info, double *rms, mlac_err *err)
{
    size_t frames;
    int from;
    int rc = audio_decode_reuse(bytes, n, name, s, &frames, &from, info, err);
    if (rc)
        return rc;
    if (rms) /* of the decoded mono signal, before resampling and padding */
        *rms = rms_of(s->decoded, frames);
    size_t total = from == rate ? frames : audio_resampled_len(frames, from, rate);
    if (from != rate && rate >= 1 && rate <= AUDIO_MAX_RATE && total > AUDIO_MAX_FRAMES)
        return audio_resample_into(s->decoded, frames, from, rate, NULL, name, err); /* its error */
    if (n_out == 0)
        n_out = total;
    else if ((rc = check_fix(n_out, where, r, name, err)))
        return rc;
    if (total >= n_out) { /* crop (or exact): view the window */
        size_t at = total == n_out ? 0 : placement(total - n_out, where, r);
        if (from == rate) {
            *view = (audio_clip){s->decoded + at, n_out, rate};
            return MLAC_OK;
        }
        if ((rc = reserve_out(s, total, name, err)) ||
            (rc = audio_resample_into(s->decoded, frames, from, rate, s->out, name, err)))
            return rc;
        *view = (audio_clip){s->out + at, n_out, rate};
        return MLAC_OK;
    }
    size_t at = placement(n_out - total, where, r); /* pad: the clip between zeros */
    if ((rc = reserve_out(s, n_out, name, err)))
        return rc;
    memset(s->out, 0, at * sizeof *s->out);
    memset(s->out + at + total, 0, (n_out - at - total) * sizeof *s->out);
    if (from == rate)
        memcpy(s->out + at, s->decoded, frames * sizeof *s->out);
    else if ((rc = audio_resample_into(s->decoded, frames, from, rate, s->out + at, name, err)))
        return rc;
    *view = (audio_clip){s->out, n_out, rate};
    return MLAC_OK;
}

int audio_load_reuse(audio_scratch *s, const void *bytes, size_t n, const char *name, int rate, double seconds,
                     enum audio_offset where, rng *r, audio_clip *view, audio_info *info, double *rms,
                     mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    memset(view, 0, sizeof *view);
    double frames = seconds > 0 ? round(seconds * (double)rate) : 0;
    if (seconds > 0 && !(frames >= 1 && frames <= (double)AUDIO_MAX_FRAMES))
        return mlac_errf(err, MLAC_EINVAL, "cannot load '%s': clip length %g s at %d Hz is out of range", name,
                         seconds, rate);
    if (rate < 1 || rate > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': target rate %d Hz (supported: 1 to %d)", name,
                         rate, AUDIO_MAX_RATE);
    int rc, used = 0;
    if (seconds > 0) {
        audio_clip win = {0};
        rc = load_window(bytes, n, name, rate, (size_t)frames, where, r, &win, &used, err);
        if (!rc && used) { /* a long clip's window alone: its header describes the clip, the level is the window's */
            rc = reserve_out(s, win.n, name, err);
            if (!rc) {
                memcpy(s->out, win.samples, win.n * sizeof *s->out);
                *view = (audio_clip){s->out, win.n, rate};
                mlac_err probe_err = {0};
                if (info && audio_probe(bytes, n, name, info, &probe_err))
                    memset(info, 0, sizeof *info);
                if (rms)
                    *rms = rms_of(s->out, win.n);
            }
        }
        audio_clip_release(&win);
        if (rc || used) { /* every error of the window path names the clip */
            if (rc)
                memset(view, 0, sizeof *view);
            return rc;
        }
    }
    rc = load_whole(s, bytes, n, name, rate, (size_t)frames, where, r, view, info, rms, err);
    if (rc)
        memset(view, 0, sizeof *view);
    return rc;
}

int audio_load_meta(const void *bytes, size_t n, const char *name, int rate, double seconds,
                    enum audio_offset where, rng *r, audio_clip *out, audio_info *info, double *rms, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    audio_scratch s = {0};
    audio_clip view;
    int rc = audio_load_reuse(&s, bytes, n, name, rate, seconds, where, r, &view, info, rms, err);
    if (rc == MLAC_OK) { /* the clip takes the buffer it lies at the start of, or a copy */
        float **whole = view.samples == s.out ? &s.out : view.samples == s.decoded ? &s.decoded : NULL;
        if (whole) {
            out->samples = *whole;
            *whole = NULL;
        } else if ((out->samples = malloc(view.n * sizeof *out->samples)))
            memcpy(out->samples, view.samples, view.n * sizeof *out->samples);
        else
            rc = mlac_errf(err, MLAC_ENOMEM, "cannot load '%s': out of memory for a clip of %zu frames",
                           name ? name : "(unnamed)", view.n);
        if (out->samples) {
            out->n = view.n;
            out->rate = view.rate;
        }
    }
    audio_scratch_release(&s);
    return rc;
}

void audio_scratch_release(audio_scratch *s)
{
    if (!s)
        return;
    free(s->decoded);
    free(s->block);
    free(s->out);
    memset(s, 0, sizeof *s);
}

void audio_clip_release(audio_clip *clip)
{
    if (!clip)
        return;
    free(clip->samples);
    memset(clip, 0, sizeof *clip);
}
