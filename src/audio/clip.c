/* clip.c — fixing a clip's length, the decode→resample→fix pipeline, and releasing clips.
 *
 * Owns audio_fix_length, audio_load and audio_clip_release. Placement is exact and documented:
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

int audio_load_meta(const void *bytes, size_t n, const char *name, int rate, double seconds,
                    enum audio_offset where, rng *r, audio_clip *out, audio_info *info, double *rms, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    memset(out, 0, sizeof *out);
    double frames = seconds > 0 ? round(seconds * (double)rate) : 0;
    if (seconds > 0 && !(frames >= 1 && frames <= (double)AUDIO_MAX_FRAMES))
        return mlac_errf(err, MLAC_EINVAL, "cannot load '%s': clip length %g s at %d Hz is out of range", name,
                         seconds, rate);
    int rc, used = 0;
    if (seconds > 0) {
        rc = load_window(bytes, n, name, rate, (size_t)frames, where, r, out, &used, err);
        if (rc) { /* every error of the window path names the clip */
            audio_clip_release(out);
            return rc;
        }
        if (used) { /* a long clip's window alone: its header describes the clip, the level is the window's */
            mlac_err probe_err = {0};
            if (info && audio_probe(bytes, n, name, info, &probe_err))
                memset(info, 0, sizeof *info);
            if (rms) {
                double ss = 0;
                for (size_t i = 0; i < out->n; i++)
                    ss += (double)out->samples[i] * out->samples[i];
                *rms = sqrt(ss / (double)(out->n ? out->n : 1));
            }
            return MLAC_OK;
        }
    }
    rc = audio_decode(bytes, n, name, out, info, err);
    if (rc)
        return rc;
    if (rms) { /* of the decoded mono signal, before resampling and padding */
        double ss = 0;
        for (size_t i = 0; i < out->n; i++)
            ss += (double)out->samples[i] * out->samples[i];
        *rms = sqrt(ss / (double)(out->n ? out->n : 1));
    }
    if ((rc = audio_resample(out, rate, name, err)))
        goto out;
    if (seconds > 0) {
        if ((rc = audio_fix_length(out, (size_t)frames, where, r, err))) {
            mlac_err_prefix(err, "cannot load '%s': ", name);
            goto out;
        }
    }
out:
    if (rc)
        audio_clip_release(out);
    return rc;
}

void audio_clip_release(audio_clip *clip)
{
    if (!clip)
        return;
    free(clip->samples);
    memset(clip, 0, sizeof *clip);
}
