/* feat_internal.h — the plan's layout and the kernels the features module shares internally.
 *
 * Not part of the public API (features.h is). A plan owns every buffer the transforms touch:
 * the FFTW plan with its aligned frame/spectrum buffers, the window, the mel filterbank in
 * band form, the DCT matrix, and scratch grown to the largest clip seen. So a transform call
 * allocates nothing unless a longer clip than any before arrives.
 */
#ifndef MLAC_FEATURES_FEAT_INTERNAL_H
#define MLAC_FEATURES_FEAT_INTERNAL_H

#include <fftw3.h>
#include <stddef.h>

#include "features/features.h"

/* Longest clip accepted: 2^31 samples (27 hours at 22050 Hz), as audio.h allows. */
#define FEAT_MAX_SAMPLES ((size_t)1 << 31)

/* One triangular filter: its nonzero bins [lo, lo + len) with weights at band_w[off ..]. */
typedef struct mel_band {
    size_t lo;  /* first frequency bin with a nonzero weight */
    size_t len; /* number of bins */
    size_t off; /* index of its first weight in plan->band_w */
} mel_band;

struct feat_plan {
    feat_params p;        /* resolved copy: f_max is never 0 here */
    size_t n_freqs;       /* n_fft / 2 + 1 */
    float *window;        /* (2, n_fft/2) periodic Hann, deinterleaved: even-index samples,
                             then odd-index samples */
    float *frame;         /* (2, n_fft/2) fftw-aligned windowed frame, deinterleaved the same
                             way: the real and imaginary parts of the half-size complex input */
    float *spec;          /* (2, n_fft/2) fftw-aligned FFT output: real parts, imaginary parts */
    fftwf_plan fft;       /* split-array complex FFT of size n_fft/2, frame -> spec,
                             FFTW_ESTIMATE (the same algorithm, so the same bits, every run) */
    float *tw_re, *tw_im; /* (n_fft/2,) cos and -sin of 2 pi k / n_fft: the real-FFT split */
    float *power;         /* (n_freqs,) power of the current frame */
    mel_band *bands;      /* (n_mels,) */
    double *band_w;       /* (sum of band lengths,) filter weights, band by band */
    double *dct;          /* (n_mels, mfcc_dct_cols(n_mfcc)) DCT-II orthonormal as create_dct
                             returns it, columns zero-padded to a multiple of 8 */
    /* scratch, grown (never shrunk) to the largest clip seen */
    size_t cap_samples;   /* capacity of padded */
    size_t cap_frames;    /* frame capacity of mel and work */
    float *padded;        /* (n + n_fft,) reflect-padded clip */
    float *mel;           /* (n_frames, n_mels) mel power, turned into dB in place */
    float *work;          /* (n_frames, 3 * n_mfcc) per-frame coefficients */
    size_t analysed;      /* frames of the clip whose dB mel feat_analyse left in mel; 0 when
                             mel holds anything else (mel_run clears it) */
};

/* plan.c: validates the clip (length, finite samples) and grows the scratch for it. */
int feat_plan_reserve(feat_plan *plan, const float *x, size_t n, mlac_err *err);

/* stft.c: reflect-pads x into plan->padded; then frame t's power into power (n_freqs,). */
void stft_pad(feat_plan *plan, const float *x, size_t n);
void stft_frame_power(feat_plan *plan, size_t t, float *power);

/* mel.c: band form of the filterbank; projection of one power frame onto the mel bands. */
int mel_bands_build(feat_plan *plan, mlac_err *err);
void mel_project(const feat_plan *plan, const float *power, float *mel_row);
/* Runs STFT + mel for the clip into plan->mel (n_frames, n_mels); returns n_frames via out. */
int mel_run(feat_plan *plan, const float *x, size_t n, size_t *n_frames, mlac_err *err);

/* db.c: power -> dB in place (amin 1e-10, ref 1); floor at max - top_db when top_db > 0. */
void db_from_power(float *x, size_t count, float top_db);

int mfcc_dct_build(feat_plan *plan, mlac_err *err);
void mfcc_apply(const feat_plan *plan, const float *db, size_t n_frames, float *out, size_t ld);
/* Mean then population std over time of x (n_frames, n_coef): out (2 * n_coef,). */
void mfcc_summary_stats(const float *x, size_t n_frames, size_t n_coef, float *out);

/* deltas.c: feat_deltas on strided rows: x row t at x + t * ldx, out row t at out + t * ldo. */
void deltas_strided(const float *x, size_t ldx, size_t n_frames, size_t n_coef, int win, float *out,
                    size_t ldo);

/* image.c: bilinear resize reading in element (y, x) at in[y * sy + x * sx], out (oh, ow). */
void resize_bilinear_strided(const float *in, size_t h, size_t w, size_t sy, size_t sx, float *out,
                             size_t oh, size_t ow);
/* Transpose a (rows, cols) matrix into out (cols, rows). */
void feat_transpose(const float *in, size_t rows, size_t cols, float *out);

#endif
