/* calls.c — the three species' calls (DESIGN.md §7).
 *
 *   coyote       howls: harmonic tones whose fundamental glides within 300-1500 Hz (rise,
 *                sustain with drift, fall) with 4-8 Hz vibrato, sometimes two voices; and yip
 *                bursts: 3-10 short bent harmonic notes
 *   bullfrog     "jug-o-rum": 2-6 low notes, fundamental 95-140 Hz, harmonics shaped by two
 *                resonances within 170-420 Hz, amplitude-pulsed at 8-22 Hz
 *   human_vocal  one or two phrases of 3-8 syllables: a band-limited sawtooth glottal source at
 *                90-250 Hz with declination and accents, tilted, through three formant band-passes
 *                that glide between vowel targets; some syllables open with a fricative
 *
 * Every parameter is drawn per call so no two calls are alike; the ranges are the knobs that
 * tests/fixtures/gen/synth_calibrate.py was used to tune.
 */
#include "synth/calls.h"
#include "synth/dsp.h"
#include "synth/synth.h"

#include <math.h>
#include <string.h>

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* One howling voice into out[0..n); returns its length. f0, tmp: scratch of max_n. */
static size_t howl_voice(float *out, size_t max_n, float *f0, float *tmp, int rate, rng *r)
{
    size_t n = synth_samples(synth_unif(r, 0.8, 2.6), rate);
    if (n > max_n)
        n = max_n;
    double d = (double)n / rate;
    double fs = synth_unif(r, 300, 560), fp = synth_unif(r, fs + 120, 1350);
    double fe = synth_unif(r, 300, 0.85 * fp);
    double rise = synth_unif(r, 0.1, 0.35) * d, fall = synth_unif(r, 0.12, 0.35) * d;
    double vib_rate = synth_unif(r, 4, 8), vib_depth = synth_unif(r, 0.004, 0.03);
    double vib_ph = synth_unif(r, 0, 2 * SYNTH_PI);
    double drift_rate = synth_unif(r, 0.2, 1.0), drift = synth_unif(r, 0, 0.06);
    double drift_ph = synth_unif(r, 0, 2 * SYNTH_PI);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate, f = fp;
        if (t < rise)
            f = fs + (fp - fs) * smooth01(t / rise);
        else if (t > d - fall)
            f = fp + (fe - fp) * smooth01((t - (d - fall)) / fall);
        f *= 1.0 + drift * sin(2 * SYNTH_PI * drift_rate * t + drift_ph);
        f *= 1.0 + vib_depth * smooth01(t / 0.3) * sin(2 * SYNTH_PI * vib_rate * t + vib_ph);
        f0[i] = (float)clampd(f, 300, 1500);
    }
    float amps[8];
    double rolloff = synth_unif(r, 0.7, 2.0);
    for (int k = 0; k < 8; k++)
        amps[k] = (float)(pow(k + 1, -rolloff) * synth_unif(r, 0.4, 1.0));
    amps[0] = 1.0f;
    memset(tmp, 0, n * sizeof *tmp);
    double ph = synth_unif(r, 0, 2 * SYNTH_PI);
    osc_harmonics(tmp, f0, n, amps, 8, rate, &ph);
    /* breath: a little band-passed noise riding on the tone */
    synth_noise g;
    noise_seed(&g, r);
    biquad bp = {0};
    biquad_set(&bp, BQ_BANDPASS, synth_unif(r, 800, 2500), 1.0, rate);
    float breath = (float)synth_unif(r, 0.0, 0.25);
    for (size_t i = 0; i < n; i++)
        tmp[i] += breath * biquad_step(&bp, noise_white(&g));
    env_apply(tmp, n, synth_unif(r, 0.04, 0.25), synth_unif(r, 0.1, 0.45), rate);
    synth_add(out, tmp, n, 1.0f);
    return n;
}

/* 3-10 yips into out; returns the span. */
static size_t yip_burst(float *out, size_t max_n, float *f0, float *tmp, int rate, rng *r)
{
    int n_yips = synth_int(r, 3, 10);
    double base = synth_unif(r, 650, 1300), rolloff = synth_unif(r, 1.0, 2.2);
    float amps[6];
    for (int k = 0; k < 6; k++)
        amps[k] = (float)pow(k + 1, -rolloff);
    size_t pos = 0, end = 0;
    for (int y = 0; y < n_yips; y++) {
        size_t n = synth_samples(synth_unif(r, 0.04, 0.13), rate);
        if (pos + n > max_n)
            break;
        double fa = base * synth_unif(r, 0.85, 1.15), bend = synth_unif(r, -0.35, 0.35);
        for (size_t i = 0; i < n; i++) {
            double u = (double)i / n;
            f0[i] = (float)clampd(fa * (1.0 + bend * sin(SYNTH_PI * u)) * (1.0 - 0.2 * u), 300, 1500);
        }
        memset(tmp, 0, n * sizeof *tmp);
        double ph = 0.0;
        osc_harmonics(tmp, f0, n, amps, 6, rate, &ph);
        env_apply(tmp, n, synth_unif(r, 0.005, 0.015), synth_unif(r, 0.02, 0.06), rate);
        synth_add(out + pos, tmp, n, (float)synth_unif(r, 0.5, 1.0));
        end = pos + n;
        pos = end + synth_samples(synth_unif(r, 0.05, 0.18), rate);
    }
    if (end == 0) { /* no room for even one full yip: one truncated */
        size_t n = max_n;
        for (size_t i = 0; i < n; i++)
            f0[i] = (float)base;
        memset(tmp, 0, n * sizeof *tmp);
        double ph = 0.0;
        osc_harmonics(tmp, f0, n, amps, 6, rate, &ph);
        env_apply(tmp, n, 0.005, 0.02, rate);
        synth_add(out, tmp, n, 1.0f);
        end = n;
    }
    return end;
}

static size_t coyote_call(float *out, float *work, size_t max_n, int rate, rng *r)
{
    float *f0 = work, *tmp = work + max_n;
    double u = rng_uniform(r);
    size_t end = 0;
    if (u < 0.5) { /* howl, sometimes a second voice joins */
        end = howl_voice(out, max_n, f0, tmp, rate, r);
        if (synth_chance(r, 0.35)) {
            size_t off = synth_samples(synth_unif(r, 0.1, 0.7), rate);
            if (off + rate / 4 < max_n) {
                size_t n2 = howl_voice(out + off, max_n - off, f0, tmp, rate, r);
                if (off + n2 > end)
                    end = off + n2;
            }
        }
    } else if (u < 0.75) {
        end = yip_burst(out, max_n, f0, tmp, rate, r);
    } else { /* howl then yips */
        end = howl_voice(out, max_n, f0, tmp, rate, r);
        size_t off = end + synth_samples(synth_unif(r, 0.05, 0.3), rate);
        if (off + rate / 5 < max_n)
            end = off + yip_burst(out + off, max_n - off, f0, tmp, rate, r);
    }
    return end;
}

static size_t bullfrog_call(float *out, float *work, size_t max_n, int rate, rng *r)
{
    float *f0 = work, *tmp = work + max_n;
    int n_notes = synth_int(r, 2, 6);
    double base = synth_unif(r, 95, 140), r1 = synth_unif(r, 170, 300), r2 = synth_unif(r, 320, 420);
    double g2 = synth_unif(r, 0.2, 0.8), bw = synth_unif(r, 50, 120);
    double am_rate = synth_unif(r, 8, 22), am_depth = synth_unif(r, 0.4, 0.95);
    size_t pos = 0, end = 0;
    for (int k = 0; k < n_notes && pos < max_n; k++) {
        double d = (k == 0 && synth_chance(r, 0.5)) ? synth_unif(r, 0.15, 0.35) : synth_unif(r, 0.3, 0.8);
        size_t n = synth_samples(d, rate);
        if (pos + n > max_n) {
            if (k > 0)
                break;
            n = max_n - pos; /* the first note always sounds, cut if need be */
        }
        double fnote = base * synth_unif(r, 0.95, 1.06), bend = synth_unif(r, -0.08, 0.08);
        for (size_t i = 0; i < n; i++)
            f0[i] = (float)(fnote * (1.0 + bend * (double)i / n));
        float amps[12];
        for (int h = 0; h < 12; h++) {
            double f = (h + 1) * fnote, a = (f - r1) / bw, b = (f - r2) / bw;
            amps[h] = (float)(1.0 / (1.0 + a * a) + g2 / (1.0 + b * b) + 0.03 / (h + 1));
        }
        memset(tmp, 0, n * sizeof *tmp);
        double ph = 0.0, am_ph = synth_unif(r, 0, 2 * SYNTH_PI);
        osc_harmonics(tmp, f0, n, amps, 12, rate, &ph);
        for (size_t i = 0; i < n; i++) {
            double c = 0.5 - 0.5 * cos(2 * SYNTH_PI * am_rate * i / rate + am_ph);
            tmp[i] *= (float)(1.0 - am_depth + am_depth * c);
        }
        env_apply(tmp, n, synth_unif(r, 0.02, 0.06), synth_unif(r, 0.08, 0.2), rate);
        synth_add(out + pos, tmp, n, (float)synth_unif(r, 0.6, 1.0));
        end = pos + n;
        pos = end + synth_samples(synth_unif(r, 0.18, 0.55), rate);
    }
    return end;
}

/* Vowel formant targets F1, F2, F3 (Hz), adult male (Peterson & Barney 1952). */
static const float vowels[][3] = {
    {270, 2290, 3010}, {390, 1990, 2550}, {530, 1840, 2480}, {660, 1720, 2410},
    {730, 1090, 2440}, {570, 840, 2410},  {300, 870, 2240},  {490, 1350, 1690},
};
#define N_VOWELS (sizeof vowels / sizeof vowels[0])

struct syllable {
    size_t start, n;   /* samples within the phrase */
    double accent;     /* relative pitch rise at the syllable's centre */
    int vowel;
    int fricative;     /* opens with a fricative noise */
};

/* Lays out up to 8 syllables within max_n; returns how many fit (>= 1). */
static int phrase_layout(struct syllable *s, size_t max_n, int rate, rng *r)
{
    int want = synth_int(r, 3, 8), got = 0;
    size_t pos = synth_samples(synth_unif(r, 0.0, 0.05), rate);
    for (int k = 0; k < want; k++) {
        size_t n = synth_samples(synth_unif(r, 0.12, 0.38), rate);
        if (pos + n > max_n)
            break;
        s[got++] = (struct syllable){pos, n, synth_unif(r, -0.05, 0.25), synth_int(r, 0, N_VOWELS - 1),
                                     synth_chance(r, 0.45)};
        pos += n + synth_samples(synth_chance(r, 0.15) ? synth_unif(r, 0.2, 0.45) : synth_unif(r, 0.02, 0.15),
                                 rate);
    }
    if (got == 0)
        s[got++] = (struct syllable){0, max_n, 0.1, synth_int(r, 0, N_VOWELS - 1), 0};
    return got;
}

size_t calls_phrase(float *out, float *work, size_t max_n, int rate, rng *r, int voiced)
{
    float *f0 = work, *src = work + max_n;
    struct syllable syl[8];
    int n_syl = phrase_layout(syl, max_n, rate, r);
    size_t end = syl[n_syl - 1].start + syl[n_syl - 1].n;
    double base = synth_unif(r, 90, 250), decl = synth_unif(r, 0.05, 0.25);
    double fscale = (0.85 + 0.3 * (base - 90) / 160) * synth_unif(r, 0.93, 1.07);
    double bws[3] = {synth_unif(r, 60, 100), synth_unif(r, 80, 130), synth_unif(r, 110, 180)};
    const float gains[3] = {1.0f, (float)synth_unif(r, 0.4, 0.8), (float)synth_unif(r, 0.15, 0.45)};
    synth_noise g;
    noise_seed(&g, r);
    memset(src, 0, end * sizeof *src);
    memset(f0, 0, end * sizeof *f0);
    /* source: voiced sawtooth (or noise) gated per syllable */
    double ph = 0.0, asp = voiced ? synth_unif(r, 0.02, 0.1) : 1.0;
    for (int k = 0; k < n_syl; k++) {
        struct syllable *s = &syl[k];
        for (size_t i = 0; i < s->n; i++) {
            double u = (double)i / s->n, t = (double)(s->start + i) / end;
            double jitter = 1.0 + 0.01 * sin(2 * SYNTH_PI * 5.3 * (s->start + i) / rate + k);
            f0[s->start + i] =
                (float)(base * (1.0 - decl * t) * (1.0 + s->accent * sin(SYNTH_PI * u)) * jitter);
        }
        if (voiced)
            osc_saw(src + s->start, f0 + s->start, s->n, 1.0f, rate, &ph);
        for (size_t i = 0; i < s->n; i++)
            src[s->start + i] += (float)asp * noise_white(&g);
        env_apply(src + s->start, s->n, synth_unif(r, 0.015, 0.04), synth_unif(r, 0.03, 0.08), rate);
    }
    /* spectral tilt: one-pole low-pass (-6 dB/octave more), for breath noise too */
    double a = 1.0 - exp(-2 * SYNTH_PI * synth_unif(r, 400, 900) / rate);
    float y = 0.0f;
    for (size_t i = 0; i < end; i++) {
        y += (float)a * (src[i] - y);
        src[i] = y * (voiced ? 4.0f : 2.0f);
    }
    /* three formant band-passes gliding to each syllable's vowel over its first 30 % */
    biquad fb[3] = {{0}};
    float prev[3], cur[3];
    for (int j = 0; j < 3; j++)
        prev[j] = cur[j] = vowels[syl[0].vowel][j] * (float)fscale;
    int k = 0;
    for (size_t i0 = 0; i0 < end; i0 += 32) {
        while (k + 1 < n_syl && i0 >= syl[k + 1].start) {
            k++;
            memcpy(prev, cur, sizeof prev);
        }
        double u = i0 >= syl[k].start ? (double)(i0 - syl[k].start) / (0.3 * syl[k].n) : 0.0;
        double w = smooth01(u);
        for (int j = 0; j < 3; j++) {
            cur[j] = (float)(prev[j] + (vowels[syl[k].vowel][j] * fscale - prev[j]) * w);
            biquad_set(&fb[j], BQ_BANDPASS, cur[j], cur[j] / bws[j], rate);
        }
        size_t i1 = i0 + 32 < end ? i0 + 32 : end;
        for (size_t i = i0; i < i1; i++) {
            float x = src[i], acc = 0.0f;
            for (int j = 0; j < 3; j++)
                acc += gains[j] * biquad_step(&fb[j], x);
            out[i] += acc;
        }
        if (w >= 1.0)
            memcpy(prev, cur, sizeof prev);
    }
    /* fricative onsets: high-passed noise just before the vowel */
    biquad hp = {0};
    double rms = sqrt(synth_power(out, end)); /* fricatives sit 9-20 dB under the vowels */
    for (int j = 0; j < n_syl; j++) {
        if (!syl[j].fricative)
            continue;
        size_t nf = synth_samples(synth_unif(r, 0.04, 0.12), rate);
        size_t s0 = syl[j].start > nf / 2 ? syl[j].start - nf / 2 : 0;
        if (s0 + nf > end)
            nf = end - s0;
        biquad_set(&hp, BQ_HIGHPASS, synth_unif(r, 2500, 5000), 0.8, rate);
        float gf = (float)(rms * synth_unif(r, 0.1, 0.35));
        for (size_t i = 0; i < nf; i++)
            out[s0 + i] += gf * env_ar(i, nf, nf / 3, nf / 3) * biquad_step(&hp, noise_white(&g));
    }
    return end;
}

size_t calls_render(int species, float *out, float *work, size_t max_n, int rate, rng *r)
{
    memset(out, 0, max_n * sizeof *out);
    size_t n;
    switch (species) {
    case SYNTH_COYOTE:
        n = coyote_call(out, work, max_n, rate, r);
        break;
    case SYNTH_BULLFROG:
        n = bullfrog_call(out, work, max_n, rate, r);
        break;
    default: /* a phrase, sometimes answered by a second one */
        n = calls_phrase(out, work, max_n, rate, r, 1);
        if (synth_chance(r, 0.35)) {
            size_t off = n + synth_samples(synth_unif(r, 0.2, 0.6), rate);
            if (off + synth_samples(0.5, rate) < max_n)
                n = off + calls_phrase(out + off, work, max_n - off, rate, r, 1);
        }
        break;
    }
    return n ? n : 1;
}
