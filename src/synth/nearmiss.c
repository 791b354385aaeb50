/* nearmiss.c — sounds that resemble a species' call without being it, for the negatives.
 *
 *   coyote       siren (a nearly pure tone sweeping 450-1400 Hz), dog barks (harsh harmonic
 *                bursts with noise, 250-650 Hz), owl hoots (soft 350-600 Hz notes)
 *   bullfrog     engine hum (steady 35-90 Hz harmonic stack), green-frog plunks (short decaying
 *                180-400 Hz notes), knocks (low damped thuds)
 *   human_vocal  humming (voiced, no formant movement), whispering (formant syllables without
 *                voicing), reed tones (odd harmonics, 120-350 Hz)
 *
 * They share frequency range or rhythm with the real call, so a detector must learn its
 * finer structure. Levels are arbitrary: the mixer sets the SNR.
 */
#include "synth/calls.h"
#include "synth/dsp.h"
#include "synth/synth.h"

#include <math.h>
#include <string.h>

static size_t cap(double seconds, size_t max_n, int rate)
{
    size_t n = synth_samples(seconds, rate);
    return n > max_n ? max_n : n ? n : 1;
}

static size_t siren(float *out, float *f0, size_t max_n, int rate, rng *r)
{
    size_t n = cap(synth_unif(r, 1.2, 3.0), max_n, rate);
    double lo = synth_unif(r, 450, 700), hi = synth_unif(r, 900, 1400), period = synth_unif(r, 0.8, 2.5);
    double ph0 = synth_unif(r, 0, 2 * SYNTH_PI);
    for (size_t i = 0; i < n; i++) {
        double c = 0.5 - 0.5 * cos(2 * SYNTH_PI * i / (period * rate) + ph0);
        f0[i] = (float)(lo + (hi - lo) * c);
    }
    float amps[3] = {1.0f, (float)synth_unif(r, 0, 0.15), (float)synth_unif(r, 0, 0.05)};
    double ph = 0.0;
    osc_harmonics(out, f0, n, amps, 3, rate, &ph);
    env_apply(out, n, 0.2, 0.3, rate);
    return n;
}

static size_t barks(float *out, float *f0, float *tmp, size_t max_n, int rate, rng *r)
{
    int n_barks = synth_int(r, 1, 4);
    synth_noise g;
    noise_seed(&g, r);
    biquad bp = {0};
    float amps[10];
    for (int k = 0; k < 10; k++)
        amps[k] = (float)pow(k + 1, -0.8);
    size_t pos = 0, end = 0;
    for (int b = 0; b < n_barks; b++) {
        size_t n = synth_samples(synth_unif(r, 0.08, 0.2), rate);
        if (pos + n > max_n)
            n = b == 0 ? max_n : 0;
        if (!n)
            break;
        double fa = synth_unif(r, 250, 650);
        for (size_t i = 0; i < n; i++)
            f0[i] = (float)(fa * (1.0 - 0.3 * (double)i / n));
        memset(tmp, 0, n * sizeof *tmp);
        double ph = 0.0;
        osc_harmonics(tmp, f0, n, amps, 10, rate, &ph);
        biquad_set(&bp, BQ_BANDPASS, synth_unif(r, 900, 2200), 0.7, rate);
        float gn = (float)synth_unif(r, 0.3, 1.0);
        for (size_t i = 0; i < n; i++)
            tmp[i] += gn * biquad_step(&bp, noise_white(&g));
        env_apply(tmp, n, 0.008, 0.06, rate);
        synth_add(out + pos, tmp, n, 1.0f);
        end = pos + n;
        pos = end + synth_samples(synth_unif(r, 0.2, 0.6), rate);
    }
    return end;
}

/* Repeated tonal notes with an exponential or smooth envelope: hoots, plunks, reed tones. */
static size_t notes(float *out, float *f0, float *tmp, size_t max_n, int rate, rng *r, int n_notes,
                    double f_lo, double f_hi, double d_lo, double d_hi, double gap_lo, double gap_hi,
                    const float *amps, int n_harm, double decay_s)
{
    size_t pos = 0, end = 0;
    for (int k = 0; k < n_notes; k++) {
        size_t n = synth_samples(synth_unif(r, d_lo, d_hi), rate);
        if (pos + n > max_n)
            n = k == 0 ? max_n : 0;
        if (!n)
            break;
        double f = synth_unif(r, f_lo, f_hi), bend = synth_unif(r, -0.06, 0.02);
        for (size_t i = 0; i < n; i++)
            f0[i] = (float)(f * (1.0 + bend * (double)i / n));
        memset(tmp, 0, n * sizeof *tmp);
        double ph = 0.0;
        osc_harmonics(tmp, f0, n, amps, n_harm, rate, &ph);
        if (decay_s > 0)
            for (size_t i = 0; i < n; i++)
                tmp[i] *= (float)exp(-(double)i / (decay_s * rate));
        env_apply(tmp, n, decay_s > 0 ? 0.004 : 0.05, decay_s > 0 ? 0.01 : 0.08, rate);
        synth_add(out + pos, tmp, n, (float)synth_unif(r, 0.6, 1.0));
        end = pos + n;
        pos = end + synth_samples(synth_unif(r, gap_lo, gap_hi), rate);
    }
    return end;
}

static size_t engine(float *out, float *f0, size_t max_n, int rate, rng *r)
{
    size_t n = cap(synth_unif(r, 1.5, 4.0), max_n, rate);
    double f = synth_unif(r, 35, 90), wob = synth_unif(r, 0.3, 2.0), rolloff = synth_unif(r, 0.5, 1.2);
    for (size_t i = 0; i < n; i++)
        f0[i] = (float)(f * (1.0 + 0.01 * sin(2 * SYNTH_PI * wob * i / rate)));
    float amps[12];
    for (int k = 0; k < 12; k++)
        amps[k] = (float)(pow(k + 1, -rolloff) * synth_unif(r, 0.5, 1.0));
    double ph = 0.0;
    osc_harmonics(out, f0, n, amps, 12, rate, &ph);
    biquad lp = {0};
    biquad_set(&lp, BQ_LOWPASS, 500, 0.7, rate);
    biquad_run(&lp, out, n);
    env_apply(out, n, 0.3, 0.3, rate);
    return n;
}

static size_t knocks(float *out, size_t max_n, int rate, rng *r)
{
    int n_knocks = synth_int(r, 4, 15);
    double rate_hz = synth_unif(r, 2, 8), tau = synth_unif(r, 0.01, 0.03);
    double fr = synth_unif(r, 80, 250);
    synth_noise g;
    noise_seed(&g, r);
    biquad lp = {0};
    biquad_set(&lp, BQ_LOWPASS, synth_unif(r, 150, 400), 0.7, rate);
    size_t pos = 0, end = 0, n = synth_samples(6 * tau, rate);
    for (int k = 0; k < n_knocks; k++) {
        if (pos + n > max_n)
            break;
        float a = (float)synth_unif(r, 0.5, 1.0);
        for (size_t i = 0; i < n; i++) {
            double e = exp(-(double)i / (tau * rate));
            out[pos + i] += a * (float)(e * (0.6 * sin(2 * SYNTH_PI * fr * i / rate)) +
                                        e * biquad_step(&lp, noise_white(&g)));
        }
        end = pos + n;
        pos += synth_samples(synth_unif(r, 0.6, 1.4) / rate_hz, rate);
    }
    return end ? end : 1;
}

static size_t hum(float *out, float *f0, float *tmp, size_t max_n, int rate, rng *r)
{
    size_t n = cap(synth_unif(r, 0.8, 2.5), max_n, rate);
    double base = synth_unif(r, 90, 250);
    int steps = synth_int(r, 1, 4);
    double targets[5];
    for (int k = 0; k <= steps; k++)
        targets[k] = base * synth_unif(r, 0.85, 1.2);
    for (size_t i = 0; i < n; i++) {
        double u = (double)i / n * steps;
        int k = (int)u;
        if (k >= steps)
            k = steps - 1;
        f0[i] = (float)(targets[k] + (targets[k + 1] - targets[k]) * smooth01((u - k) * 3.0));
    }
    memset(tmp, 0, n * sizeof *tmp);
    double ph = 0.0;
    osc_saw(tmp, f0, n, 1.0f, rate, &ph);
    biquad lp = {0}, bp = {0};
    biquad_set(&lp, BQ_LOWPASS, synth_unif(r, 250, 450), 0.9, rate);
    biquad_set(&bp, BQ_BANDPASS, synth_unif(r, 230, 300), 3.0, rate);
    for (size_t i = 0; i < n; i++) {
        float x = tmp[i];
        out[i] += biquad_step(&lp, x) + 0.5f * biquad_step(&bp, x);
    }
    env_apply(out, n, 0.06, 0.12, rate);
    return n;
}

size_t calls_near_miss(int species, float *out, float *work, size_t max_n, int rate, rng *r,
                       const char **kind)
{
    float *f0 = work, *tmp = work + max_n;
    memset(out, 0, max_n * sizeof *out);
    int which = synth_int(r, 0, 2);
    size_t n;
    if (species == SYNTH_COYOTE) {
        static const float hoot[2] = {1.0f, 0.1f};
        static const char *names[3] = {"siren", "bark", "hoot"};
        *kind = names[which];
        n = which == 0   ? siren(out, f0, max_n, rate, r)
            : which == 1 ? barks(out, f0, tmp, max_n, rate, r)
                         : notes(out, f0, tmp, max_n, rate, r, synth_int(r, 2, 5), 350, 600, 0.25, 0.6, 0.2,
                                 0.5, hoot, 2, 0.0);
    } else if (species == SYNTH_BULLFROG) {
        static const float plunk[6] = {1.0f, 0.45f, 0.25f, 0.15f, 0.1f, 0.06f};
        static const char *names[3] = {"engine", "plunk", "knock"};
        *kind = names[which];
        n = which == 0   ? engine(out, f0, max_n, rate, r)
            : which == 1 ? notes(out, f0, tmp, max_n, rate, r, synth_int(r, 1, 4), 180, 400, 0.08, 0.2, 0.3,
                                 1.0, plunk, 6, synth_unif(r, 0.03, 0.06))
                         : knocks(out, max_n, rate, r);
    } else {
        static const float reed[9] = {1.0f, 0.05f, 0.33f, 0.04f, 0.2f, 0.03f, 0.14f, 0.02f, 0.11f};
        static const char *names[3] = {"hum", "whisper", "reed"};
        *kind = names[which];
        n = which == 0   ? hum(out, f0, tmp, max_n, rate, r)
            : which == 1 ? calls_phrase(out, work, max_n, rate, r, 0)
                         : notes(out, f0, tmp, max_n, rate, r, synth_int(r, 1, 3), 120, 350, 0.5, 2.0, 0.1,
                                 0.4, reed, 9, 0.0);
    }
    return n ? n : 1;
}
