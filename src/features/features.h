/* features.h — what the models see: STFT power, mel, dB, MFCC, deltas, summaries, images.
 *
 * Every transform matches torchaudio (checked against committed fixtures, see
 * tests/features/ and tests/fixtures/gen/features.py):
 *   STFT   torch.stft(center=True, pad_mode='reflect', window=hann_window(n_fft) periodic),
 *          power 2, shape (n_frames, n_freqs) with n_freqs = n_fft/2 + 1 and
 *          n_frames = 1 + n / hop.
 *   mel    torchaudio.functional.melscale_fbanks(mel_scale='slaney'|'htk', norm='slaney'|None),
 *          f_min 0, f_max sr/2.
 *   dB     AmplitudeToDB('power', top_db=80): 10*log10(max(x, 1e-10)), floored at max - top_db
 *          over the whole spectrogram.
 *   MFCC   torchaudio.transforms.MFCC: DCT-II orthonormal (create_dct(n_mfcc, n_mels, 'ortho'))
 *          of the dB mel spectrogram.
 *   deltas torchaudio.functional.compute_deltas(win_length=9, mode='replicate').
 *   image  log-mel (dB) resized with torch.nn.functional.interpolate(mode='bilinear',
 *          align_corners=False) to (S, S), rows = mel bands (low first), cols = time.
 * Matrices are row-major float. Time is the slow axis for per-frame features:
 * mfcc (n_frames, n_mfcc); the mel spectrogram is (n_mels, n_frames) as in torchaudio.
 */
#ifndef MLAC_FEATURES_FEATURES_H
#define MLAC_FEATURES_FEATURES_H

#include <stddef.h>
#include "core/error.h"

enum mel_scale { MEL_SLANEY = 0, MEL_HTK = 1 };

typedef struct feat_params {
    int sample_rate;   /* 22050 */
    int n_fft;         /* 2048 */
    int hop;           /* 512 */
    int n_mels;        /* 128 */
    int mel_scale;     /* MEL_SLANEY */
    int mel_norm;      /* 1 = Slaney area normalisation, 0 = none */
    float f_min;       /* 0 */
    float f_max;       /* 0 means sample_rate / 2 */
    float top_db;      /* 80; <= 0 disables the floor */
    int n_mfcc;        /* 13 */
    int delta_win;     /* 9 */
    int image_size;    /* 128 (S of the S x S log-mel image) */
} feat_params;

#define FEAT_SUMMARY_DIM(p) (2 * 3 * (p)->n_mfcc) /* 78 by default */

void feat_params_default(feat_params *p);
/* Names the first invalid field ("n_fft must be a power of two ..."). */
int feat_params_check(const feat_params *p, mlac_err *err);
/* A stable text of every parameter, for cache keys and spec.json. */
void feat_params_describe(const feat_params *p, char *out, size_t n);
/* The effective f_max: p->f_max, or floor(sample_rate / 2) when it is 0 (torchaudio's default). */
float feat_params_f_max(const feat_params *p);

/* A plan: FFTW plan, window, mel filterbank and DCT matrix made once and reused.
 * One plan is not thread-safe; make one per thread (creation is serialised internally). */
typedef struct feat_plan feat_plan;

int feat_plan_new(const feat_params *p, feat_plan **out, mlac_err *err);
void feat_plan_free(feat_plan *plan);
const feat_params *feat_plan_params(const feat_plan *plan);

size_t feat_n_frames(const feat_plan *plan, size_t n_samples);
size_t feat_n_freqs(const feat_plan *plan); /* n_fft / 2 + 1 */

/* Power spectrogram, out (n_frames, n_freqs). The clip must have >= n_fft/2 + 1 samples
 * (reflect padding needs it); shorter clips fail with MLAC_EINVAL. */
int feat_stft_power(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* Mel power spectrogram, out (n_mels, n_frames). */
int feat_mel_power(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* dB mel spectrogram (top_db floor applied), out (n_mels, n_frames). */
int feat_logmel(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* MFCC, out (n_frames, n_mfcc). */
int feat_mfcc(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* MFCC + delta + delta-delta, out (n_frames, 3 * n_mfcc): [c0..c12, d0..d12, dd0..dd12]. */
int feat_mfcc_deltas(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* The summary vector, out (6 * n_mfcc,): mean over time of the 39 per-frame values, then their
 * population standard deviation (ddof 0): [mean(39), std(39)]. */
int feat_summary(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* The log-mel image, out (S, S) with S = image_size. */
int feat_logmel_image(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err);
/* Both of the above from one STFT (what a model run needs per clip): summary (6 * n_mfcc,) and
 * image (S, S); either may be NULL. */
int feat_summary_image(feat_plan *plan, const float *x, size_t n, float *summary, float *image,
                       mlac_err *err);

/* One clip analysed once, several rows read from it (what a run's input kinds do, see
 * exp/input_kinds.h): feat_analyse runs STFT, mel and dB into the plan; each *_analysed call then
 * writes one row of that clip, bit-identical to feat_summary / feat_logmel_image. Any other call
 * on the plan ends the analysis (MLAC_EINTERNAL from a later *_analysed). */
int feat_analyse(feat_plan *plan, const float *x, size_t n, mlac_err *err);
int feat_summary_analysed(feat_plan *plan, float *out, mlac_err *err);  /* out (6 * n_mfcc,) */
int feat_image_analysed(feat_plan *plan, float *out, mlac_err *err);    /* out (S, S) */

/* Building blocks, exposed for tests and other modules. */
/* The mel filterbank of p, fb (n_mels, n_freqs): torchaudio's melscale_fbanks, transposed. */
int feat_melbank(const feat_params *p, float *fb, mlac_err *err);
/* deltas along time of x (n_frames, n_coef) into out (n_frames, n_coef), replicate padding.
 * win odd >= 3 (win < 3 gives zeros); out must not alias x. */
void feat_deltas(const float *x, size_t n_frames, size_t n_coef, int win, float *out);
/* Bilinear resize, align_corners=False: in (h, w) -> out (oh, ow). */
void feat_resize_bilinear(const float *in, size_t h, size_t w, float *out, size_t oh, size_t ow);

#endif
