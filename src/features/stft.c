/* stft.c — short-time Fourier transform power, exactly torch.stft(center=True,
 * pad_mode='reflect', window=hann_window(n_fft), onesided) followed by |X|^2.
 *
 * The clip is reflect-padded by n_fft/2 on both sides (x[1..pad] mirrored, the edge sample not
 * repeated), so frame t covers padded[t*hop, t*hop + n_fft) and n_frames = 1 + n / hop.
 * The real FFT is a complex FFT of half the size (even samples as real parts, odd samples as
 * imaginary parts, kept in split arrays), then the usual split step to the n_fft/2 + 1 bins.
 * Invariant: stft_frame_power only runs after stft_pad on a clip of >= n_fft/2 + 1 samples
 * (feat_plan_reserve guarantees both the length and the scratch size).
 */
#include "features/feat_internal.h"
#include "core/simd.h"

#include <string.h>

void stft_pad(feat_plan *plan, const float *x, size_t n)
{
    size_t pad = (size_t)plan->p.n_fft / 2;
    float *y = plan->padded; /* (n + 2 pad,) */
    for (size_t i = 0; i < pad; i++)
        y[i] = x[pad - i];
    memcpy(y + pad, x, n * sizeof(float));
    for (size_t j = 0; j < pad; j++)
        y[pad + n + j] = x[n - 2 - j];
}

MLAC_HOT_CLONES void stft_frame_power(feat_plan *plan, size_t t, float *power)
{
    size_t m = (size_t)plan->p.n_fft / 2;
    const float *restrict seg = plan->padded + t * (size_t)plan->p.hop; /* (n_fft,) */
    const float *restrict we = plan->window, *restrict wo = plan->window + m; /* (m,) each */
    float *restrict fr = plan->frame, *restrict fi = plan->frame + m;        /* (m,) each */
#pragma omp simd
    for (size_t j = 0; j < m; j++) {
        fr[j] = seg[2 * j] * we[j];
        fi[j] = seg[2 * j + 1] * wo[j];
    }
    fftwf_execute(plan->fft);
    /* Split: Z = FFT_m(f[2j] + i f[2j+1]); E = (Z[k] + conj Z[m-k]) / 2,
     * O = (Z[k] - conj Z[m-k]) / 2i, X[k] = E + W^k O with W = exp(-2 pi i / n_fft),
     * X[0] = Re Z[0] + Im Z[0], X[m] = Re Z[0] - Im Z[0]. */
    const float *restrict zr = plan->spec, *restrict zi = plan->spec + m; /* (m,) each */
    const float *restrict cr = plan->tw_re, *restrict ci = plan->tw_im;   /* (m,) each */
    float *restrict pw = power;                                           /* (m + 1,) */
    pw[0] = (zr[0] + zi[0]) * (zr[0] + zi[0]);
    pw[m] = (zr[0] - zi[0]) * (zr[0] - zi[0]);
#pragma omp simd
    for (size_t k = 1; k < m; k++) {
        float ar = zr[k], ai = zi[k], br = zr[m - k], bi = -zi[m - k];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        float or_ = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
        float xr = er + cr[k] * or_ - ci[k] * oi, xi = ei + cr[k] * oi + ci[k] * or_;
        pw[k] = xr * xr + xi * xi;
    }
}

int feat_stft_power(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    int rc = feat_plan_reserve(plan, x, n, err);
    if (rc)
        return rc;
    stft_pad(plan, x, n);
    size_t n_frames = feat_n_frames(plan, n);
    for (size_t t = 0; t < n_frames; t++)
        stft_frame_power(plan, t, out + t * plan->n_freqs);
    return MLAC_OK;
}
