/* clip.c — fixing a clip's length, the decode→resample→fix pipeline, and releasing clips.
 *
 * Owns audio_fix_length, audio_load and audio_clip_release. Placement is exact and documented:
 * with d = |n - n_out|, CENTRE crops from / pads before index floor(d / 2), START at 0, RANDOM
 * at rng_below(r, d + 1) (uniform over every possible placement). A clip already n_out long is
 * untouched and draws nothing from r. On failure the clip is unchanged.
 */
#include "audio/audio.h"

#include <math.h>
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
    int rc = audio_decode(bytes, n, name, out, info, err);
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
        double frames = round(seconds * (double)rate);
        if (!(frames >= 1 && frames <= (double)AUDIO_MAX_FRAMES)) {
            rc = mlac_errf(err, MLAC_EINVAL,
                           "cannot load '%s': clip length %g s at %d Hz is out of range", name,
                           seconds, rate);
            goto out;
        }
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
