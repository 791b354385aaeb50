/* dsp.c — filters, envelopes and oscillators of the synthesiser (see dsp.h).
 *
 * Coefficients are computed in double and run in float. osc_harmonics evaluates sin(k*phase)
 * by the Chebyshev recurrence sin(k x) = 2 cos(x) sin((k-1) x) - sin((k-2) x), so a stack of
 * partials costs one sin/cos pair per sample.
 */
#include "synth/dsp.h"

#include <math.h>

void noise_seed(synth_noise *g, rng *r)
{
    g->s = rng_u64(r) | 1u; /* xorshift state must be non-zero */
}

void biquad_set(biquad *f, enum biquad_kind kind, double fc, double q, int rate)
{
    double hi = SYNTH_NYQ_FRAC * rate;
    if (fc > hi)
        fc = hi;
    if (fc < 10.0)
        fc = 10.0;
    if (q < 0.1)
        q = 0.1;
    double w = 2.0 * SYNTH_PI * fc / rate, cw = cos(w), alpha = sin(w) / (2.0 * q);
    double b0, b1, b2, a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
    switch (kind) {
    case BQ_LOWPASS:
        b0 = b2 = (1.0 - cw) / 2.0;
        b1 = 1.0 - cw;
        break;
    case BQ_HIGHPASS:
        b0 = b2 = (1.0 + cw) / 2.0;
        b1 = -(1.0 + cw);
        break;
    default: /* BQ_BANDPASS, 0 dB peak */
        b0 = alpha;
        b1 = 0.0;
        b2 = -alpha;
        break;
    }
    f->b0 = (float)(b0 / a0);
    f->b1 = (float)(b1 / a0);
    f->b2 = (float)(b2 / a0);
    f->a1 = (float)(a1 / a0);
    f->a2 = (float)(a2 / a0);
}

void biquad_run(biquad *f, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = biquad_step(f, x[i]);
}

double smooth01(double t)
{
    if (t <= 0.0)
        return 0.0;
    if (t >= 1.0)
        return 1.0;
    return 0.5 - 0.5 * cos(SYNTH_PI * t);
}

float env_ar(size_t i, size_t n, size_t na, size_t nr)
{
    double g = 1.0;
    if (na && i < na)
        g = smooth01((double)i / (double)na);
    if (nr && i + nr >= n) {
        double t = (double)(n - i) / (double)nr;
        double gr = smooth01(t);
        if (gr < g)
            g = gr;
    }
    return (float)g;
}

void env_apply(float *x, size_t n, double attack_s, double release_s, int rate)
{
    size_t na = synth_samples(attack_s, rate), nr = synth_samples(release_s, rate);
    if (na > n / 2)
        na = n / 2;
    if (nr > n / 2)
        nr = n / 2;
    for (size_t i = 0; i < na; i++)
        x[i] *= env_ar(i, n, na, 0);
    for (size_t i = n - nr; i < n; i++)
        x[i] *= env_ar(i, n, 0, nr);
}

void synth_add(float *x, const float *y, size_t n, float g)
{
    for (size_t i = 0; i < n; i++)
        x[i] += g * y[i];
}

void osc_harmonics(float *out, const float *f0, size_t n, const float *amps, int n_harm, int rate,
                   double *phase)
{
    double ph = *phase, fmax = synth_fmax(rate), step = 2.0 * SYNTH_PI / rate;
    for (size_t i = 0; i < n; i++) {
        double f = f0[i];
        int k_max = f > 0.0 ? (int)(fmax / f) : 0;
        if (k_max > n_harm)
            k_max = n_harm;
        double s1 = sin(ph), c2 = 2.0 * cos(ph), prev = 0.0, cur = s1, acc = 0.0;
        for (int k = 0; k < k_max; k++) {
            acc += amps[k] * cur;
            double next = c2 * cur - prev;
            prev = cur;
            cur = next;
        }
        out[i] += (float)acc;
        ph += step * f;
        if (ph > 2.0 * SYNTH_PI)
            ph -= 2.0 * SYNTH_PI;
    }
    *phase = ph;
}

/* polyBLEP residual for a unit step at phase t (in cycles) with increment dt. */
static double poly_blep(double t, double dt)
{
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

void osc_saw(float *out, const float *f0, size_t n, float gain, int rate, double *phase)
{
    double t = *phase; /* in cycles, [0, 1) */
    for (size_t i = 0; i < n; i++) {
        double dt = f0[i] / rate;
        if (dt <= 0.0)
            continue;
        if (dt > 0.5)
            dt = 0.5;
        double v = 2.0 * t - 1.0 - poly_blep(t, dt);
        out[i] += gain * (float)v;
        t += dt;
        if (t >= 1.0)
            t -= 1.0;
    }
    *phase = t;
}

double synth_unif(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(r);
}

double synth_logunif(rng *r, double lo, double hi)
{
    return lo * exp(log(hi / lo) * rng_uniform(r));
}

int synth_int(rng *r, int lo, int hi)
{
    return lo + (int)rng_below(r, (uint64_t)(hi - lo + 1));
}

int synth_chance(rng *r, double p)
{
    return rng_uniform(r) < p;
}

size_t synth_samples(double seconds, int rate)
{
    double n = seconds * rate;
    return n <= 0.0 ? 0 : (size_t)llround(n);
}

double synth_fmax(int rate)
{
    return SYNTH_NYQ_FRAC * rate;
}

double synth_power(const float *x, size_t n)
{
    if (n == 0)
        return 0.0;
    double acc[4] = {0.0, 0.0, 0.0, 0.0}; /* four chains: the sum is not one long dependency */
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++)
            acc[k] += (double)x[i + k] * x[i + k];
    for (; i < n; i++)
        acc[0] += (double)x[i] * x[i];
    return (acc[0] + acc[1] + acc[2] + acc[3]) / (double)n;
}

void synth_normalise_rms(float *x, size_t n)
{
    double p = synth_power(x, n);
    if (p <= 1e-30)
        return;
    float g = (float)(1.0 / sqrt(p));
    for (size_t i = 0; i < n; i++)
        x[i] *= g;
}
