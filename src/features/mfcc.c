/* mfcc.c — MFCCs from the dB mel spectrogram, and the per-clip summary statistics.
 *
 * The DCT is torchaudio.functional.create_dct(n_mfcc, n_mels, 'ortho'), shape (n_mels, n_mfcc):
 * dct[m][k] = cos(pi / n_mels * (m + 0.5) * k) * sqrt(2 / n_mels), with column k = 0 further
 * scaled by 1/sqrt(2). mfcc[t][k] = sum_m db[t][m] * dct[m][k], accumulated in double
 * (c0 of a quiet clip is about -1100, where float sums would lose 1e-4). The plan's matrix has
 * its columns padded with zeros to a multiple of 8, so each block of 8 outputs is one vector.
 */
#include "features/feat_internal.h"

#include <math.h>
#include <stdlib.h>

#define MFCC_BLOCK 8 /* outputs accumulated together: one vector of doubles */

static size_t mfcc_dct_cols(size_t n_mfcc)
{
    return (n_mfcc + MFCC_BLOCK - 1) / MFCC_BLOCK * MFCC_BLOCK;
}

int mfcc_dct_build(feat_plan *plan, mlac_err *err)
{
    size_t n_mels = (size_t)plan->p.n_mels, n_mfcc = (size_t)plan->p.n_mfcc;
    size_t cols = mfcc_dct_cols(n_mfcc);
    plan->dct = calloc(n_mels * cols, sizeof *plan->dct);
    if (!plan->dct)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a dct of %zu x %zu", n_mels, n_mfcc);
    double scale = sqrt(2.0 / (double)n_mels);
    for (size_t m = 0; m < n_mels; m++)
        for (size_t k = 0; k < n_mfcc; k++) {
            double v = cos(M_PI / (double)n_mels * ((double)m + 0.5) * (double)k) * scale;
            plan->dct[m * cols + k] = k == 0 ? v / sqrt(2.0) : v;
        }
    return MLAC_OK;
}

void mfcc_apply(const feat_plan *plan, const float *db, size_t n_frames, float *out, size_t ld)
{
    size_t n_mels = (size_t)plan->p.n_mels, n_mfcc = (size_t)plan->p.n_mfcc;
    size_t cols = mfcc_dct_cols(n_mfcc);
    for (size_t t = 0; t < n_frames; t++) {
        const float *row = db + t * n_mels; /* (n_mels,) */
        for (size_t k0 = 0; k0 < n_mfcc; k0 += MFCC_BLOCK) {
            double acc[MFCC_BLOCK] = {0};
            for (size_t m = 0; m < n_mels; m++) {
                const double *d = plan->dct + m * cols + k0; /* (MFCC_BLOCK,) zero-padded */
                double v = row[m];
                for (size_t j = 0; j < MFCC_BLOCK; j++)
                    acc[j] += d[j] * v;
            }
            size_t kn = n_mfcc - k0 < MFCC_BLOCK ? n_mfcc - k0 : MFCC_BLOCK;
            for (size_t j = 0; j < kn; j++)
                out[t * ld + k0 + j] = (float)acc[j];
        }
    }
}

void mfcc_summary_stats(const float *x, size_t n_frames, size_t n_coef, float *out)
{
    for (size_t c = 0; c < n_coef; c++) {
        double sum = 0.0;
        for (size_t t = 0; t < n_frames; t++)
            sum += x[t * n_coef + c];
        double mean = sum / (double)n_frames, ss = 0.0;
        for (size_t t = 0; t < n_frames; t++) {
            double d = x[t * n_coef + c] - mean;
            ss += d * d;
        }
        out[c] = (float)mean;
        out[n_coef + c] = (float)sqrt(ss / (double)n_frames);
    }
}
