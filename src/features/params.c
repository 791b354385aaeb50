/* params.c — feature parameters: defaults, validation and a stable description.
 *
 * Defaults follow the original platform (DESIGN.md §4): 22050 Hz, n_fft 2048, hop 512,
 * 128 Slaney mel bands with Slaney norm, f_min 0, f_max sr/2, top_db 80, 13 MFCCs, delta
 * window 9, 128x128 images. feat_params_check names the first bad field; every transform
 * relies on it having passed. f_max 0 resolves to floor(sr/2) as torchaudio's MelSpectrogram
 * does (float(sample_rate // 2)).
 */
#include "features/features.h"

#include <math.h>
#include <stdio.h>

#define FEAT_MIN_RATE 1000
#define FEAT_MAX_RATE 768000
#define FEAT_MAX_NFFT 65536
#define FEAT_MAX_DELTA_WIN 99

void feat_params_default(feat_params *p)
{
    p->sample_rate = 22050;
    p->n_fft = 2048;
    p->hop = 512;
    p->n_mels = 128;
    p->mel_scale = MEL_SLANEY;
    p->mel_norm = 1;
    p->f_min = 0.0f;
    p->f_max = 0.0f;
    p->top_db = 80.0f;
    p->n_mfcc = 13;
    p->delta_win = 9;
    p->image_size = 128;
}

float feat_params_f_max(const feat_params *p)
{
    return p->f_max > 0.0f ? p->f_max : (float)(p->sample_rate / 2);
}

static int is_pow2(int v)
{
    return v > 0 && (v & (v - 1)) == 0;
}

int feat_params_check(const feat_params *p, mlac_err *err)
{
    if (!p)
        return mlac_errf(err, MLAC_EINVAL, "feature parameters are missing");
    if (p->sample_rate < FEAT_MIN_RATE || p->sample_rate > FEAT_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL, "sample_rate must be between %d and %d Hz, got %d",
                         FEAT_MIN_RATE, FEAT_MAX_RATE, p->sample_rate);
    if (!is_pow2(p->n_fft) || p->n_fft < 16 || p->n_fft > FEAT_MAX_NFFT)
        return mlac_errf(err, MLAC_EINVAL,
                         "n_fft must be a power of two between 16 and %d, got %d", FEAT_MAX_NFFT,
                         p->n_fft);
    if (p->hop < 1 || p->hop > p->n_fft)
        return mlac_errf(err, MLAC_EINVAL, "hop must be between 1 and n_fft (%d), got %d",
                         p->n_fft, p->hop);
    int n_freqs = p->n_fft / 2 + 1;
    if (p->n_mels < 1 || p->n_mels > n_freqs)
        return mlac_errf(err, MLAC_EINVAL,
                         "n_mels must be between 1 and n_fft/2 + 1 (%d), got %d", n_freqs,
                         p->n_mels);
    if (p->mel_scale != MEL_SLANEY && p->mel_scale != MEL_HTK)
        return mlac_errf(err, MLAC_EINVAL, "mel_scale must be %d (slaney) or %d (htk), got %d",
                         MEL_SLANEY, MEL_HTK, p->mel_scale);
    if (p->mel_norm != 0 && p->mel_norm != 1)
        return mlac_errf(err, MLAC_EINVAL, "mel_norm must be 0 (none) or 1 (slaney), got %d",
                         p->mel_norm);
    double nyquist = p->sample_rate / 2.0;
    if (!isfinite(p->f_max) || p->f_max < 0.0f || p->f_max > nyquist)
        return mlac_errf(err, MLAC_EINVAL,
                         "f_max must be between 0 (meaning sample_rate/2) and sample_rate/2 "
                         "(%g Hz), got %g", nyquist, (double)p->f_max);
    if (!isfinite(p->f_min) || p->f_min < 0.0f || p->f_min >= feat_params_f_max(p))
        return mlac_errf(err, MLAC_EINVAL, "f_min must be >= 0 and below f_max (%g Hz), got %g",
                         (double)feat_params_f_max(p), (double)p->f_min);
    if (!isfinite(p->top_db))
        return mlac_errf(err, MLAC_EINVAL, "top_db must be a finite number (<= 0 disables it)");
    if (p->n_mfcc < 1 || p->n_mfcc > p->n_mels)
        return mlac_errf(err, MLAC_EINVAL, "n_mfcc must be between 1 and n_mels (%d), got %d",
                         p->n_mels, p->n_mfcc);
    if (p->delta_win < 3 || p->delta_win > FEAT_MAX_DELTA_WIN || p->delta_win % 2 == 0)
        return mlac_errf(err, MLAC_EINVAL, "delta_win must be odd, between 3 and %d, got %d",
                         FEAT_MAX_DELTA_WIN, p->delta_win);
    if (p->image_size < 8 || p->image_size > 1024)
        return mlac_errf(err, MLAC_EINVAL, "image_size must be between 8 and 1024, got %d",
                         p->image_size);
    return MLAC_OK;
}

void feat_params_describe(const feat_params *p, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    snprintf(out, n,
             "sample_rate=%d n_fft=%d hop=%d n_mels=%d mel_scale=%s mel_norm=%s f_min=%.9g "
             "f_max=%.9g top_db=%.9g n_mfcc=%d delta_win=%d image_size=%d window=hann "
             "center=reflect power=2 dct=2-ortho",
             p->sample_rate, p->n_fft, p->hop, p->n_mels, p->mel_scale == MEL_HTK ? "htk" : "slaney",
             p->mel_norm ? "slaney" : "none", (double)p->f_min, (double)feat_params_f_max(p),
             p->top_db > 0.0f ? (double)p->top_db : 0.0, p->n_mfcc, p->delta_win, p->image_size);
}
