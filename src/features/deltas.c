/* deltas.c — time derivatives, torchaudio.functional.compute_deltas(win_length, 'replicate'):
 * d[t] = sum_{j=1..N} j * (x[t+j] - x[t-j]) / (N (N+1) (2N+1) / 3), N = (win - 1) / 2, with
 * x clamped to its first/last frame outside [0, n_frames). Works along time (the slow axis of
 * (n_frames, n_coef)), each coefficient independently, sums in double. An even win acts as
 * win - 1, as in torchaudio. out must not overlap x's columns being read.
 */
#include "features/feat_internal.h"

void deltas_strided(const float *x, size_t ldx, size_t n_frames, size_t n_coef, int win, float *out,
                    size_t ldo)
{
    long n = (win - 1) / 2, last = (long)n_frames - 1;
    if (n < 1) { /* win < 3: torchaudio refuses it; here it yields zeros, never a 0/0 */
        for (size_t t = 0; t < n_frames; t++)
            for (size_t c = 0; c < n_coef; c++)
                out[t * ldo + c] = 0.0f;
        return;
    }
    double denom = (double)(n * (n + 1) * (2 * n + 1)) / 3.0;
    for (long t = 0; t <= last; t++) {
        for (size_t c = 0; c < n_coef; c++) {
            double s = 0.0;
            for (long j = 1; j <= n; j++) {
                long a = t + j > last ? last : t + j, b = t - j < 0 ? 0 : t - j;
                s += (double)j * ((double)x[(size_t)a * ldx + c] - (double)x[(size_t)b * ldx + c]);
            }
            out[(size_t)t * ldo + c] = (float)(s / denom);
        }
    }
}

void feat_deltas(const float *x, size_t n_frames, size_t n_coef, int win, float *out)
{
    deltas_strided(x, n_coef, n_frames, n_coef, win, out, n_coef);
}
