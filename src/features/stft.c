/* stft.c — short-time Fourier transform power, exactly torch.stft(center=True,
 * pad_mode='reflect', window=hann_window(n_fft), onesided) followed by |X|^2.
 *
 * The clip is reflect-padded by n_fft/2 on both sides (x[1..pad] mirrored, the edge sample not
 * repeated), so frame t covers padded[t*hop, t*hop + n_fft) and n_frames = 1 + n / hop.
 * Invariant: stft_frame_power only runs after stft_pad on a clip of >= n_fft/2 + 1 samples
 * (feat_plan_reserve guarantees both the length and the scratch size).
 */
#include "features/feat_internal.h"

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

void stft_frame_power(feat_plan *plan, size_t t, float *power)
{
    size_t n_fft = (size_t)plan->p.n_fft;
    const float *seg = plan->padded + t * (size_t)plan->p.hop; /* (n_fft,) */
    const float *w = plan->window;
    float *f = plan->frame;
    for (size_t i = 0; i < n_fft; i++)
        f[i] = seg[i] * w[i];
    fftwf_execute(plan->fft);
    const float *s = (const float *)plan->spec; /* (n_freqs, 2) re, im */
    for (size_t k = 0; k < plan->n_freqs; k++)
        power[k] = s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
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
