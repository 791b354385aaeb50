/* plan.c — feat_plan lifetime: the expensive precomputation done once, scratch grown on demand.
 *
 * FFTW's planner (plan creation and destruction) is not thread-safe, so every call into it goes
 * through one process-wide mutex; executing a plan is thread-safe. Plans use FFTW_ESTIMATE so
 * that the algorithm, and so every output bit, is the same on every run on a machine
 * (FFTW_MEASURE picks by timing). The window is torch.hann_window(n_fft, periodic=True),
 * computed in double. The real FFT of size n_fft runs as a split-array complex FFT of size
 * n_fft/2 plus a split step (see stft.c): for n_fft 2048 a whole frame (window, FFT, split,
 * power) then takes about 1.2 us, where FFTW's own r2c plan alone took 4 us under ESTIMATE.
 * Every scratch buffer lives here; transforms allocate only when a clip is longer than any
 * the plan has seen.
 */
#include "features/feat_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t feat_fftw_mutex = PTHREAD_MUTEX_INITIALIZER;

void feat_plan_free(feat_plan *plan)
{
    if (!plan)
        return;
    if (plan->fft) {
        pthread_mutex_lock(&feat_fftw_mutex);
        fftwf_destroy_plan(plan->fft);
        pthread_mutex_unlock(&feat_fftw_mutex);
    }
    fftwf_free(plan->frame);
    fftwf_free(plan->spec);
    free(plan->window);
    free(plan->power);
    free(plan->tw_re);
    free(plan->tw_im);
    free(plan->bands);
    free(plan->band_w);
    free(plan->dct);
    free(plan->padded);
    free(plan->mel);
    free(plan->work);
    free(plan);
}

static int plan_fft(feat_plan *plan, mlac_err *err)
{
    size_t n_fft = (size_t)plan->p.n_fft, half = n_fft / 2;
    plan->frame = fftwf_malloc(sizeof(float) * n_fft);
    plan->spec = fftwf_malloc(sizeof(float) * n_fft);
    plan->window = malloc(sizeof(float) * n_fft);
    plan->power = malloc(sizeof(float) * plan->n_freqs);
    plan->tw_re = malloc(sizeof(float) * half);
    plan->tw_im = malloc(sizeof(float) * half);
    if (!plan->frame || !plan->spec || !plan->window || !plan->power || !plan->tw_re ||
        !plan->tw_im)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for an fft plan of n_fft %zu", n_fft);
    for (size_t i = 0; i < n_fft; i++) /* even samples first, then odd ones */
        plan->window[(i % 2) * half + i / 2] =
            (float)(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)n_fft));
    for (size_t k = 0; k < half; k++) {
        plan->tw_re[k] = (float)cos(2.0 * M_PI * (double)k / (double)n_fft);
        plan->tw_im[k] = (float)-sin(2.0 * M_PI * (double)k / (double)n_fft);
    }
    fftwf_iodim dim = {.n = (int)half, .is = 1, .os = 1};
    pthread_mutex_lock(&feat_fftw_mutex);
    plan->fft = fftwf_plan_guru_split_dft(1, &dim, 0, NULL, plan->frame, plan->frame + half,
                                          plan->spec, plan->spec + half, FFTW_ESTIMATE);
    pthread_mutex_unlock(&feat_fftw_mutex);
    if (!plan->fft)
        return mlac_errf(err, MLAC_EINTERNAL, "fftw could not plan an fft of n_fft %zu", n_fft);
    return MLAC_OK;
}

int feat_plan_new(const feat_params *p, feat_plan **out, mlac_err *err)
{
    *out = NULL;
    int rc = feat_params_check(p, err);
    if (rc)
        return rc;
    feat_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a feature plan");
    plan->p = *p;
    plan->p.f_max = feat_params_f_max(p);
    plan->n_freqs = (size_t)p->n_fft / 2 + 1;
    if ((rc = plan_fft(plan, err)) || (rc = mel_bands_build(plan, err)) ||
        (rc = mfcc_dct_build(plan, err)))
        goto out;
    *out = plan;
    plan = NULL;
out:
    feat_plan_free(plan);
    return rc;
}

const feat_params *feat_plan_params(const feat_plan *plan)
{
    return &plan->p;
}

size_t feat_n_frames(const feat_plan *plan, size_t n_samples)
{
    return 1 + n_samples / (size_t)plan->p.hop;
}

size_t feat_n_freqs(const feat_plan *plan)
{
    return plan->n_freqs;
}

/* Grows *p to hold count floats (never shrinks); on failure *p is left as it was. */
static int grow(float **p, size_t count)
{
    float *q = realloc(*p, count * sizeof(float));
    if (!q)
        return -1;
    *p = q;
    return 0;
}

/* Scratch for a clip of n samples: capacities grow by at least half each time. */
static int reserve_scratch(feat_plan *plan, size_t n)
{
    size_t n_samples = n + (size_t)plan->p.n_fft, n_frames = feat_n_frames(plan, n);
    if (n_samples > plan->cap_samples) {
        size_t cap = plan->cap_samples + plan->cap_samples / 2;
        cap = cap > n_samples ? cap : n_samples;
        if (grow(&plan->padded, cap))
            return -1;
        plan->cap_samples = cap;
    }
    if (n_frames > plan->cap_frames) {
        size_t cap = plan->cap_frames + plan->cap_frames / 2;
        cap = cap > n_frames ? cap : n_frames;
        if (grow(&plan->mel, cap * (size_t)plan->p.n_mels) ||
            grow(&plan->work, cap * 3 * (size_t)plan->p.n_mfcc))
            return -1;
        plan->cap_frames = cap;
    }
    return 0;
}

int feat_plan_reserve(feat_plan *plan, const float *x, size_t n, mlac_err *err)
{
    size_t need = (size_t)plan->p.n_fft / 2 + 1;
    if (!x && n)
        return mlac_errf(err, MLAC_EINVAL, "clip samples are missing");
    if (n < need)
        return mlac_errf(err, MLAC_EINVAL,
                         "clip too short: %zu samples, need at least n_fft/2 + 1 = %zu "
                         "(reflect padding)", n, need);
    if (n > FEAT_MAX_SAMPLES)
        return mlac_errf(err, MLAC_EINVAL, "clip too long: %zu samples, the limit is %zu", n,
                         FEAT_MAX_SAMPLES);
    uint32_t bad = 0; /* any sample with an all-ones exponent: Inf or NaN */
#pragma omp simd reduction(| : bad)
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        bad |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    for (size_t i = 0; bad && i < n; i++)
        if (!isfinite(x[i]))
            return mlac_errf(err, MLAC_EINVAL, "clip sample %zu is not finite", i);
    if (reserve_scratch(plan, n))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the features of a %zu-sample clip", n);
    return MLAC_OK;
}
