/* resample.c — change a mono clip's sample rate with libsoxr (very high quality, linear phase).
 *
 * Owns audio_resample and audio_resample_into (the same soxr call into the caller's buffer, for
 * audio_load_reuse). Invariant: the output has exactly ceil(n * rate / clip->rate) frames,
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

size_t audio_resampled_len(size_t n, int from, int to)
{
    uint64_t m = resampled_len(n, from, to);
    return m ? (size_t)m : 1;
}

/* The checks of audio_resample; *n_out gets the output length. */
static int check_resample(const float *x, size_t n, int from, int to, const char *name, uint64_t *n_out,
                          mlac_err *err)
{
    if (to < 1 || to > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL,
                         "cannot resample '%s': target rate %d Hz (supported: 1 to %d)", name, to,
                         AUDIO_MAX_RATE);
    if (from < 1 || from > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': clip rate %d Hz is invalid", name,
                         from);
    if (from == to)
        return MLAC_OK;
    if (n == 0 || !x)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': empty clip", name);
    if (n > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM,
                         "cannot resample '%s': longer than the limit of %zu frames", name,
                         (size_t)AUDIO_MAX_FRAMES);
    *n_out = resampled_len(n, from, to);
    if (*n_out > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM,
                         "cannot resample '%s': %llu frames at %d Hz exceed the limit of %zu", name,
                         (unsigned long long)*n_out, to, (size_t)AUDIO_MAX_FRAMES);
    if (*n_out == 0)
        *n_out = 1;
    return MLAC_OK;
}

/* soxr into out (n_out,); the frames soxr leaves unwritten at the end are zeroed. */
static int run_soxr(const float *x, size_t n, int from, int to, float *out, size_t n_out, const char *name,
                    mlac_err *err)
{
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    size_t idone = 0, odone = 0;
    soxr_error_t e = soxr_oneshot(from, to, 1, x, n, &idone, out, n_out, &odone, &io, &q, &rt);
    if (e)
        return mlac_errf(err, MLAC_EINTERNAL, "cannot resample '%s' from %d to %d Hz: soxr: %s", name, from, to, e);
    if (odone < n_out)
        memset(out + odone, 0, (n_out - odone) * sizeof *out);
    return MLAC_OK;
}

int audio_resample_into(const float *x, size_t n, int from, int to, float *out, const char *name, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    uint64_t n_out = 0;
    int rc = check_resample(x, n, from, to, name, &n_out, err);
    if (rc)
        return rc;
    if (from == to)
        return mlac_errf(err, MLAC_EINVAL, "cannot resample '%s': the clip is already at %d Hz", name, to);
    return run_soxr(x, n, from, to, out, (size_t)n_out, name, err);
}

int audio_resample(audio_clip *clip, int rate, const char *name, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    uint64_t n_out = 0;
    int rc = check_resample(clip->samples, clip->n, clip->rate, rate, name, &n_out, err);
    if (rc || clip->rate == rate)
        return rc;
    float *out = malloc((size_t)n_out * sizeof *out); /* (n_out,) */
    if (!out)
        return mlac_errf(err, MLAC_ENOMEM, "cannot resample '%s': out of memory for %llu frames",
                         name, (unsigned long long)n_out);
    if ((rc = run_soxr(clip->samples, clip->n, clip->rate, rate, out, (size_t)n_out, name, err))) {
        free(out);
        return rc;
    }
    free(clip->samples);
    clip->samples = out;
    clip->n = (size_t)n_out;
    clip->rate = rate;
    return MLAC_OK;
}
