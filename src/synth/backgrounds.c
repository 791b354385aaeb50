/* backgrounds.c — outdoor background scenes: noise beds and natural layers (see backgrounds.h).
 *
 *   pink / brown   the bed: Kellet-filtered or leaky-integrated white noise, random tilt
 *   wind           brown noise through a band-pass whose centre and level follow slow gusts
 *   rain           Poisson drops (decaying noise bursts) over high-passed hiss
 *   insects        cricket chirps (pulsed 3-7 kHz carrier) or a katydid buzz (AM band noise)
 *   birds          Poisson chirps: FM sweeps and trills at 1.5-7 kHz
 *   rumble         distant traffic: low-passed brown noise under 200 Hz
 *
 * Each layer is rendered to unit RMS and added at a random level relative to the bed; the sum
 * is scaled to unit RMS. Frequencies above SYNTH_NYQ_FRAC of the rate are folded down to it.
 */
#include "synth/backgrounds.h"
#include "synth/dsp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*layer_fn)(float *x, size_t n, int rate, rng *r);

static float uniform01(synth_noise *g)
{
    return noise_white(g) * (0.5f / 1.7320508f) + 0.5f;
}

static void bed_pink(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    synth_pink p = {0};
    for (size_t i = 0; i < n; i++)
        x[i] = pink_step(&p, noise_white(&g));
    if (synth_chance(r, 0.5)) {
        biquad lp = {0};
        biquad_set(&lp, BQ_LOWPASS, synth_logunif(r, 1500, 9000), 0.7, rate);
        biquad_run(&lp, x, n);
    }
}

static void brown_fill(float *x, size_t n, synth_noise *g, float leak)
{
    float y = 0.0f;
    for (size_t i = 0; i < n; i++) {
        y = leak * y + 0.05f * noise_white(g);
        x[i] = y;
    }
}

static void bed_brown(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    brown_fill(x, n, &g, 0.995f);
    biquad hp = {0};
    biquad_set(&hp, BQ_HIGHPASS, synth_unif(r, 20, 80), 0.7, rate);
    biquad_run(&hp, x, n);
}

/* Slow positive gust curve in about [0, 1]: a sum of three slow sines. */
static double gust(double t, const double *fr, const double *ph)
{
    double s = 0.0;
    for (int k = 0; k < 3; k++)
        s += sin(2 * SYNTH_PI * fr[k] * t + ph[k]);
    return 0.5 + s / 6.0;
}

static void wind(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    brown_fill(x, n, &g, 0.98f);
    double fr[3], ph[3];
    for (int k = 0; k < 3; k++) {
        fr[k] = synth_unif(r, 0.05, 0.5);
        ph[k] = synth_unif(r, 0, 2 * SYNTH_PI);
    }
    double fc = synth_logunif(r, 120, 700), q = synth_unif(r, 0.5, 2.0);
    biquad bp = {0};
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        double gu = gust((double)i0 / rate, fr, ph);
        biquad_set(&bp, BQ_BANDPASS, fc * (0.6 + gu), q, rate);
        float a = (float)((0.2 + gu) * (0.2 + gu));
        size_t i1 = i0 + 64 < n ? i0 + 64 : n;
        for (size_t i = i0; i < i1; i++)
            x[i] = a * biquad_step(&bp, x[i]);
    }
}

static void rain(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    float p_drop = (float)(synth_logunif(r, 20, 300) / rate), hiss = (float)synth_unif(r, 0.05, 0.3);
    double tau_lo = 0.001, tau_hi = 0.008;
    float env = 0.0f, decay = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (uniform01(&g) < p_drop) {
            float u = uniform01(&g);
            env += 0.05f + u * u;
            double tau = tau_lo + (tau_hi - tau_lo) * uniform01(&g);
            decay = (float)exp(-1.0 / (tau * rate));
        }
        x[i] = env * noise_white(&g) + hiss * noise_white(&g);
        env *= decay;
    }
    biquad hp = {0};
    biquad_set(&hp, BQ_HIGHPASS, synth_unif(r, 600, 2000), 0.7, rate);
    biquad_run(&hp, x, n);
}

static void insects(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    double fmax = 0.95 * synth_fmax(rate);
    if (synth_chance(r, 0.6)) { /* cricket: pulses grouped in chirps */
        double fc = fmin(synth_unif(r, 3000, 7000), fmax), pulse = synth_unif(r, 20, 60);
        double chirp = synth_unif(r, 1, 4), duty = synth_unif(r, 0.3, 0.7);
        /* carrier by complex rotation (c, s), renormalised every block */
        double w = 2 * SYNTH_PI * fc / rate, cw = cos(w), sw = sin(w), c = 1.0, s = 0.0;
        double pu = 0.0, cu = 0.0, dpu = pulse / rate, dcu = chirp / rate;
        for (size_t i = 0; i < n; i++) {
            double a = (cu < duty && pu < 0.5) ? sin(SYNTH_PI * pu * 2.0) : 0.0;
            x[i] = (float)(a * s);
            double c2 = c * cw - s * sw;
            s = s * cw + c * sw;
            c = c2;
            if ((i & 1023) == 1023) {
                double m = 1.0 / sqrt(c * c + s * s);
                c *= m;
                s *= m;
            }
            pu += dpu;
            pu -= pu >= 1.0 ? 1.0 : 0.0;
            cu += dcu;
            cu -= cu >= 1.0 ? 1.0 : 0.0;
        }
    } else { /* katydid buzz: amplitude-modulated band noise */
        double fc = fmin(synth_unif(r, 4000, 8000), fmax), am = synth_unif(r, 80, 200);
        biquad bp = {0};
        biquad_set(&bp, BQ_BANDPASS, fc, synth_unif(r, 2, 6), rate);
        for (size_t i = 0; i < n; i++) {
            double c = 0.5 + 0.5 * sin(2 * SYNTH_PI * am * i / rate);
            x[i] = (float)c * biquad_step(&bp, noise_white(&g));
        }
    }
}

static void birds(float *x, size_t n, int rate, rng *r)
{
    double fmax = 0.95 * synth_fmax(rate), per_s = synth_unif(r, 0.5, 4.0);
    int n_chirps = 1 + (int)rng_below(r, (uint64_t)(2.0 * per_s * n / rate) + 1);
    for (int c = 0; c < n_chirps; c++) {
        int trill = synth_chance(r, 0.3), reps = trill ? synth_int(r, 3, 8) : 1;
        double f1 = fmin(synth_unif(r, 2000, 6000), fmax), f2 = fmin(synth_unif(r, 1500, 7000), fmax);
        double d = trill ? synth_unif(r, 0.02, 0.06) : synth_unif(r, 0.03, 0.25);
        double gap = synth_unif(r, 0.01, 0.05), a = synth_unif(r, 0.3, 1.0), h2 = synth_unif(r, 0, 0.3);
        size_t start = (size_t)rng_below(r, n), nd = synth_samples(d, rate);
        for (int k = 0; k < reps; k++) {
            double ph = 0.0;
            size_t s0 = start + (size_t)k * (nd + synth_samples(gap, rate));
            for (size_t i = 0; i < nd && s0 + i < n; i++) {
                double u = (double)i / nd, f = f1 + (f2 - f1) * u;
                x[s0 + i] += (float)(a * env_ar(i, nd, nd / 4, nd / 3) * (sin(ph) + h2 * sin(2 * ph)));
                ph += 2 * SYNTH_PI * f / rate;
            }
        }
    }
}

static void rumble(float *x, size_t n, int rate, rng *r)
{
    synth_noise g;
    noise_seed(&g, r);
    brown_fill(x, n, &g, 0.99f);
    double fc = synth_unif(r, 60, 200);
    biquad a = {0}, b = {0};
    biquad_set(&a, BQ_LOWPASS, fc, 0.7, rate);
    biquad_set(&b, BQ_LOWPASS, fc, 0.7, rate);
    biquad hp = {0};
    biquad_set(&hp, BQ_HIGHPASS, 25, 0.7, rate);
    double am = synth_unif(r, 0.05, 0.3);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.6 + 0.4 * sin(2 * SYNTH_PI * am * i / rate)) *
               biquad_step(&hp, biquad_step(&b, biquad_step(&a, x[i])));
}

static const struct layer {
    const char *name;
    layer_fn fn;
    double p;             /* chance the layer is present */
    double db_lo, db_hi;  /* level relative to the bed */
} layers[] = {
    {"wind", wind, 0.35, -12, 6},
    {"rain", rain, 0.3, -15, 3},
    {"insects", insects, 0.35, -18, 3},
    {"birds", birds, 0.4, -15, 3},
    {"rumble", rumble, 0.2, -12, 3},
};

void backgrounds_render(float *out, float *tmp, size_t n, int rate, rng *r, char *names, size_t names_size)
{
    int brown = synth_chance(r, 0.4);
    (brown ? bed_brown : bed_pink)(out, n, rate, r);
    synth_normalise_rms(out, n);
    snprintf(names, names_size, "%s", brown ? "brown" : "pink");
    for (size_t k = 0; k < sizeof layers / sizeof layers[0]; k++) {
        const struct layer *l = &layers[k];
        if (!synth_chance(r, l->p))
            continue;
        memset(tmp, 0, n * sizeof *tmp);
        l->fn(tmp, n, rate, r);
        synth_normalise_rms(tmp, n);
        synth_add(out, tmp, n, (float)pow(10.0, synth_unif(r, l->db_lo, l->db_hi) / 20.0));
        size_t len = strlen(names);
        snprintf(names + len, names_size - len, "+%s", l->name);
    }
    synth_normalise_rms(out, n);
}
