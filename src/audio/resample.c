/* resample.c — change a mono clip's sample rate with libsoxr (very high quality, linear phase).
 *
 * Owns audio_resample. Invariant: the output has exactly ceil(n * rate / clip->rate) frames,
 * the length librosa.resample(..., fix=True) gives, so clips line up with the Python platform;
 * soxr's output is time-aligned (its filter delay is removed), and any frame soxr leaves
 * unwritten at the end is zero. On failure the clip is unchanged.
 * Reference: libsoxr 0.1.3 soxr_oneshot with soxr_quality_spec(SOXR_VHQ, 0): 28-bit precision,
 * passband to 0.913 of the lower Nyquist; single-threaded so the caller's thread budget holds.
 */
#include "audio/audio.h"

#include <soxr.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ceil(n * to / from) without overflow for n <= AUDIO_MAX_FRAMES, rates <= AUDIO_MAX_RATE. */
static uint64_t resampled_len(size_t n, int from, int to)
{
    return ((uint64_t)n * (uint64_t)to + (uint64_t)from - 1) / (uint64_t)from;
}

int audio_resample(audio_clip *clip, int rate, const char *name, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    if (rate < 1 || rate > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL,
                         "cannot resample '%s': target rate %d Hz (supported: 1 to %d)", name, rate,
                         AUDIO_MAX_RATE);
    if (clip->rate < 1 || clip->rate > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': clip rate %d Hz is invalid", name,
                         clip->rate);
    if (clip->rate == rate)
        return MLAC_OK;
    if (clip->n == 0 || !clip->samples)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': empty clip", name);
    if (clip->n > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM,
                         "cannot resample '%s': longer than the limit of %zu frames", name,
                         (size_t)AUDIO_MAX_FRAMES);
    uint64_t n_out = resampled_len(clip->n, clip->rate, rate);
    if (n_out > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM,
                         "cannot resample '%s': %llu frames at %d Hz exceed the limit of %zu", name,
                         (unsigned long long)n_out, rate, (size_t)AUDIO_MAX_FRAMES);
    if (n_out == 0)
        n_out = 1;
    float *out = calloc((size_t)n_out, sizeof *out); /* (n_out,) */
    if (!out)
        return mlac_errf(err, MLAC_ENOMEM, "cannot resample '%s': out of memory for %llu frames",
                         name, (unsigned long long)n_out);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    size_t idone = 0, odone = 0;
    soxr_error_t e = soxr_oneshot(clip->rate, rate, 1, clip->samples, clip->n, &idone, out,
                                  (size_t)n_out, &odone, &io, &q, &rt);
    if (e) {
        free(out);
        return mlac_errf(err, MLAC_EINTERNAL, "cannot resample '%s' from %d to %d Hz: soxr: %s",
                         name, clip->rate, rate, e);
    }
    free(clip->samples);
    clip->samples = out;
    clip->n = (size_t)n_out;
    clip->rate = rate;
    return MLAC_OK;
}
