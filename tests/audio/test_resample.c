/* test_resample.c — audio_resample against the analytic signal at the new rate.
 *
 * A sum of 5 sines, all below 0.45 of the lower Nyquist, is sampled at the input rate,
 * resampled, and compared with the same sum evaluated at the output rate. Edge transients (the
 * signal starts and stops abruptly) are skipped: 0.1 s at each end. Required SNR: 90 dB.
 * Why 0.45: soxr VHQ's passband rolls off by design (SOXR_ROLLOFF_SMALL, <= 0.01 dB up to 0.913
 * of Nyquist); at 0.8 of Nyquist a 44.1->16 kHz tone loses 0.0025 dB, i.e. ~71 dB SNR. That
 * roll-off is checked separately against its documented bound, and so is alias rejection of a
 * tone above the new Nyquist (>= 100 dB). Also: output length ceil(n * out / in) as librosa
 * gives, no-op at equal rates, a 1-sample clip, and argument errors.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "test.h"

#define N_TONES 5
static const double tone_frac[N_TONES] = {0.013, 0.091, 0.2, 0.33, 0.45}; /* of the lower Nyquist */
static const double tone_amp[N_TONES] = {0.3, 0.2, 0.15, 0.15, 0.1};
static const double tone_phase[N_TONES] = {0.0, 1.1, 2.3, 0.7, 4.0};

static double multitone(double t, double nyq)
{
    double v = 0;
    for (int k = 0; k < N_TONES; k++)
        v += tone_amp[k] * sin(2 * M_PI * tone_frac[k] * nyq * t + tone_phase[k]);
    return v;
}

static void test_snr(int from, int to, double seconds)
{
    double nyq = 0.5 * (from < to ? from : to);
    size_t n = (size_t)(seconds * from);
    audio_clip clip = {malloc(n * sizeof(float)), n, from};
    for (size_t i = 0; i < n; i++)
        clip.samples[i] = (float)multitone((double)i / from, nyq);
    mlac_err err = {0};
    CHECK_OK(audio_resample(&clip, to, "tones.wav", &err), &err);
    size_t want_n =
        (size_t)(((unsigned long long)n * (unsigned long long)to + (unsigned long long)from - 1) /
                 (unsigned long long)from);
    CHECK_MSG(clip.n == want_n, "%d->%d: %zu frames, want %zu", from, to, clip.n, want_n);
    CHECK(clip.rate == to);
    double *ref = malloc(clip.n * sizeof *ref); /* (clip.n,) analytic signal at the new rate */
    for (size_t j = 0; j < clip.n; j++)
        ref[j] = multitone((double)j / to, nyq);
    size_t edge = (size_t)(0.1 * to);
    double snr = snr_db(clip.samples, ref, edge, clip.n - edge);
    printf("  %6d -> %6d Hz: SNR %.1f dB on [%zu, %zu) of %zu frames (need >= 90)\n", from, to, snr,
           edge, clip.n - edge, clip.n);
    CHECK_MSG(snr >= 90.0, "%d->%d: SNR %.1f dB", from, to, snr);
    free(ref);
    audio_clip_release(&clip);
}

/* One tone at freq Hz through from->to; returns the output's gain (projection on the analytic
 * tone) or, for a tone above the new Nyquist, the output RMS relative to the input RMS. */
static double tone_gain(int from, int to, double freq, int aliased)
{
    size_t n = (size_t)from;
    audio_clip clip = {malloc(n * sizeof(float)), n, from};
    for (size_t i = 0; i < n; i++)
        clip.samples[i] = (float)(0.5 * sin(2 * M_PI * freq * i / from));
    mlac_err err = {0};
    CHECK_OK(audio_resample(&clip, to, "tone.wav", &err), &err);
    double num = 0, den = 0, ss = 0;
    size_t edge = (size_t)(0.1 * to);
    for (size_t j = edge; j < clip.n - edge; j++) {
        double r = 0.5 * sin(2 * M_PI * freq * j / to);
        num += clip.samples[j] * r;
        den += r * r;
        ss += (double)clip.samples[j] * clip.samples[j];
    }
    audio_clip_release(&clip);
    return aliased ? sqrt(ss / den) : num / den;
}

static void test_band_edges(void)
{
    /* passband: within soxr's 0.01 dB roll-off at 0.85 of the lower Nyquist */
    double g = tone_gain(44100, 16000, 0.85 * 8000, 0);
    printf("  44100 -> 16000 Hz: gain at 0.85 Nyquist %.6f dB (bound -0.01 dB)\n", 20 * log10(g));
    CHECK(20 * log10(g) >= -0.01 && 20 * log10(g) <= 0.001);
    /* stopband: a 13.23 kHz tone cannot alias into a 22.05 kHz output */
    int froms[2] = {44100, 48000};
    for (int k = 0; k < 2; k++) {
        double a = tone_gain(froms[k], 22050, 13230, 1);
        printf("  %d -> 22050 Hz: 13230 Hz tone leaks at %.1f dB (need <= -100)\n", froms[k],
               20 * log10(a));
        CHECK(20 * log10(a) <= -100);
    }
}

static void test_edges(void)
{
    mlac_err err = {0};
    float *x = malloc(4 * sizeof *x);
    x[0] = 0.5f, x[1] = -0.25f, x[2] = 0.125f, x[3] = 0;
    audio_clip clip = {x, 4, 16000};

    /* no-op: same buffer, same values */
    CHECK_OK(audio_resample(&clip, 16000, "same.wav", &err), &err);
    CHECK(clip.samples == x && clip.n == 4 && clip.samples[1] == -0.25f);

    /* invalid target rates: clip unchanged, message names the clip */
    CHECK(audio_resample(&clip, 0, "bad-rate.wav", &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "bad-rate.wav") != NULL);
    CHECK(audio_resample(&clip, AUDIO_MAX_RATE + 1, "bad-rate.wav", &err) == MLAC_EINVAL);
    CHECK(clip.samples == x && clip.rate == 16000);

    /* 4 frames 16 kHz -> 44.1 kHz: ceil(4 * 44100 / 16000) = 12 */
    CHECK_OK(audio_resample(&clip, 44100, "short.wav", &err), &err);
    CHECK(clip.n == 12 && clip.rate == 44100);
    for (size_t i = 0; i < clip.n; i++)
        CHECK(isfinite(clip.samples[i]));
    audio_clip_release(&clip);

    /* one sample down by 2: ceil(1 / 2) = 1 frame */
    float *one = malloc(sizeof *one);
    one[0] = 1.0f;
    audio_clip c1 = {one, 1, 44100};
    CHECK_OK(audio_resample(&c1, 22050, "one.wav", &err), &err);
    CHECK(c1.n == 1 && c1.rate == 22050 && isfinite(c1.samples[0]));
    audio_clip_release(&c1);

    audio_clip empty = {NULL, 0, 44100};
    CHECK(audio_resample(&empty, 22050, "empty.wav", &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "empty.wav") != NULL);
}

int main(void)
{
    printf("resampling SNR against the analytic multi-tone:\n");
    test_snr(44100, 22050, 1.0);
    test_snr(48000, 22050, 1.0);
    test_snr(22050, 48000, 1.0);
    test_snr(96000, 22050, 1.0);
    test_snr(44100, 16000, 1.0);
    test_snr(8000, 22050, 1.0);
    test_snr(22050, 32000, 1.0);
    test_band_edges();
    test_edges();
    TEST_MAIN_END();
}
