/* dsp.h — the small signal-processing kit the synthesiser is built from (internal to src/synth).
 *
 * Fast white noise, RBJ biquads, raised-cosine envelopes, band-limited harmonic and sawtooth
 * oscillators driven by a per-sample frequency track. Every generator draws its randomness from
 * a caller-owned rng (or a synth_noise seeded from one), so a clip depends only on its seed.
 * Oscillators never place a partial above SYNTH_NYQ_FRAC of the rate, so any rate is safe.
 * Reference: R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients".
 */
#ifndef MLAC_SYNTH_DSP_H
#define MLAC_SYNTH_DSP_H

#include <stddef.h>
#include <stdint.h>
#include "core/rng.h"

#define SYNTH_PI 3.14159265358979323846
#define SYNTH_NYQ_FRAC 0.45 /* highest partial, as a fraction of the sample rate */

/* xorshift64* white noise, seeded from a clip's rng: cheap enough for every sample. */
typedef struct synth_noise {
    uint64_t s;
} synth_noise;

void noise_seed(synth_noise *g, rng *r);

/* Uniform white noise with unit variance (range +-sqrt(3)). */
static inline float noise_white(synth_noise *g)
{
    uint64_t x = g->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->s = x;
    int32_t u = (int32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
    return (float)u * (1.7320508f / 2147483648.0f);
}

/* Pink noise (Paul Kellet's economy filter), unit-ish variance. */
typedef struct synth_pink {
    float b0, b1, b2;
} synth_pink;

static inline float pink_step(synth_pink *p, float white)
{
    p->b0 = 0.99765f * p->b0 + white * 0.0990460f;
    p->b1 = 0.96300f * p->b1 + white * 0.2965164f;
    p->b2 = 0.57000f * p->b2 + white * 1.0526913f;
    return (p->b0 + p->b1 + p->b2 + white * 0.1848f) * 0.25f;
}

enum biquad_kind { BQ_LOWPASS, BQ_HIGHPASS, BQ_BANDPASS };

/* Transposed direct form II; coefficients can change between samples (state is kept). */
typedef struct biquad {
    float b0, b1, b2, a1, a2; /* normalised by a0 */
    float z1, z2;             /* state */
} biquad;

/* fc is clamped into (10 Hz, SYNTH_NYQ_FRAC * rate); the band-pass has 0 dB peak gain. */
void biquad_set(biquad *f, enum biquad_kind kind, double fc, double q, int rate);
void biquad_run(biquad *f, float *x, size_t n);

static inline float biquad_step(biquad *f, float x)
{
    float y = f->b0 * x + f->z1;
    f->z1 = f->b1 * x - f->a1 * y + f->z2;
    f->z2 = f->b2 * x - f->a2 * y;
    return y;
}

/* Raised-cosine attack over na samples and release over nr samples of an n-sample event. */
float env_ar(size_t i, size_t n, size_t na, size_t nr);
/* Multiplies x by env_ar over its n samples (attack and release given in seconds). */
void env_apply(float *x /* (n,) */, size_t n, double attack_s, double release_s, int rate);
/* x[i] += g * y[i] for i < n. */
void synth_add(float *x, const float *y, size_t n, float g);
/* 0..1 smooth step of t in [0, 1]. */
double smooth01(double t);

/* Adds sum_k amps[k] * sin(k * phase) for k = 1..n_harm to out, the phase advancing by f0[i];
 * partials above SYNTH_NYQ_FRAC * rate are dropped sample by sample. *phase carries over calls. */
void osc_harmonics(float *out /* (n,) */, const float *f0 /* (n,) Hz */, size_t n,
                   const float *amps /* (n_harm,) */, int n_harm, int rate, double *phase);
/* Adds gain * a band-limited (polyBLEP) sawtooth following f0 to out. */
void osc_saw(float *out /* (n,) */, const float *f0 /* (n,) Hz */, size_t n, float gain, int rate,
             double *phase);

/* Uniform draw in [lo, hi) and log-uniform draw in [lo, hi) (lo > 0). */
double synth_unif(rng *r, double lo, double hi);
double synth_logunif(rng *r, double lo, double hi);
/* Integer in [lo, hi]. */
int synth_int(rng *r, int lo, int hi);
/* 1 with probability p. */
int synth_chance(rng *r, double p);

/* Seconds to samples (rounded), and the highest usable frequency for a rate. */
size_t synth_samples(double seconds, int rate);
double synth_fmax(int rate);

/* Mean square of x; 0 for n == 0. */
double synth_power(const float *x, size_t n);
/* Scales x to unit RMS (no-op when silent). */
void synth_normalise_rms(float *x, size_t n);

#endif
