/* test_decode.c — audio_decode / audio_probe: round trips through every format mlac reads,
 * channel mixdown, and bad input.
 *
 * Round trips: a known signal is encoded by libsndfile (the writer, independent of mlac's
 * reader) in each format/subtype and decoded by audio_decode. Lossless subtypes must match the
 * float input within their quantisation: 1.5 LSB (0.5 for rounding, up to 1 for libsndfile
 * scaling by 2^(b-1)-1 on write and 2^(b-1) on read) plus float32 rounding; float/double
 * exactly. Lossy codecs (Vorbis, Opus, MP3, companders, ADPCM) must keep the length and reach
 * a minimum SNR against the input, which also proves they are time-aligned; ADPCM may pad
 * its last block.
 * Bad input: each case must fail with its status and a message naming the file.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "test.h"

#define RT_SECONDS 0.25

/* libsndfile 1.2.0 leaks libvorbis's header state (~11 KB) when it fails to open a malformed
 * Ogg Vorbis file (bad_cut.ogg, cut.ogg); the leak is inside libsndfile, not mlac, so
 * LeakSanitizer ignores allocations made by libvorbis. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libvorbis.so\n";
}

typedef struct rt_case {
    int format;          /* libsndfile major | subtype */
    const char *major;   /* expected audio_info.format */
    const char *subtype; /* expected audio_info.subtype */
    int rate;
    int bits;       /* lossless integer PCM: bits per sample; 0 float/lossy */
    double min_snr; /* lossy: required SNR in dB; 0 = lossless */
    size_t max_pad; /* block codecs pad the last block with up to this many frames */
} rt_case;

static const rt_case rt_cases[] = {
    {SF_FORMAT_WAV | SF_FORMAT_PCM_U8, "WAV", "PCM_U8", 44100, 8, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_16, "WAV", "PCM_16", 44100, 16, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_24, "WAV", "PCM_24", 44100, 24, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_32, "WAV", "PCM_32", 44100, 32, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_FLOAT, "WAV", "FLOAT", 44100, 0, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_DOUBLE, "WAV", "DOUBLE", 22050, 0, 0, 0},
    {SF_FORMAT_WAV | SF_FORMAT_ULAW, "WAV", "ULAW", 8000, 0, 30, 0},
    {SF_FORMAT_WAV | SF_FORMAT_ALAW, "WAV", "ALAW", 8000, 0, 30, 0},
    {SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, "WAV", "IMA_ADPCM", 16000, 0, 20, 1017},
    {SF_FORMAT_WAV | SF_FORMAT_MS_ADPCM, "WAV", "MS_ADPCM", 16000, 0, 20, 1017},
    {SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, "WAVEX", "PCM_16", 48000, 16, 0, 0},
    {SF_FORMAT_W64 | SF_FORMAT_PCM_24, "W64", "PCM_24", 96000, 24, 0, 0},
    {SF_FORMAT_RF64 | SF_FORMAT_FLOAT, "RF64", "FLOAT", 32000, 0, 0, 0},
    {SF_FORMAT_AIFF | SF_FORMAT_PCM_S8, "AIFF", "PCM_S8", 11025, 8, 0, 0},
    {SF_FORMAT_AIFF | SF_FORMAT_PCM_16, "AIFF", "PCM_16", 44100, 16, 0, 0},
    {SF_FORMAT_AU | SF_FORMAT_PCM_16, "AU", "PCM_16", 16000, 16, 0, 0},
    {SF_FORMAT_CAF | SF_FORMAT_ALAC_16, "CAF", "ALAC_16", 44100, 16, 0, 0},
    {SF_FORMAT_FLAC | SF_FORMAT_PCM_S8, "FLAC", "PCM_S8", 8000, 8, 0, 0},
    {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "FLAC", "PCM_16", 44100, 16, 0, 0},
    {SF_FORMAT_FLAC | SF_FORMAT_PCM_24, "FLAC", "PCM_24", 96000, 24, 0, 0},
    {SF_FORMAT_OGG | SF_FORMAT_VORBIS, "OGG", "VORBIS", 44100, 0, 25, 0},
    {SF_FORMAT_OGG | SF_FORMAT_OPUS, "OGG", "OPUS", 48000, 0, 25, 0},
    {SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "MP3", "MPEG_LAYER_III", 44100, 0, 25, 0},
    {SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "MP3", "MPEG_LAYER_III", 22050, 0, 25, 0},
};

static void test_round_trip(const rt_case *c)
{
    size_t n = (size_t)(RT_SECONDS * c->rate);
    float *x = malloc(n * sizeof *x); /* (n,) */
    double *ref = malloc(n * sizeof *ref);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)test_signal((double)i / c->rate);
        ref[i] = x[i];
    }
    sndmem m;
    int wrc = sndmem_encode(&m, c->format, 1, c->rate, x, n);
    CHECK_MSG(wrc == 0, "libsndfile could not write %s/%s", c->major, c->subtype);
    if (wrc == 0) {
        audio_clip clip;
        audio_info info;
        mlac_err err = {0};
        char name[64];
        snprintf(name, sizeof name, "rt-%s-%s-%d.bin", c->major, c->subtype, c->rate);
        CHECK_OK(audio_decode(m.d, (size_t)m.n, name, &clip, &info, &err), &err);
        CHECK_MSG(clip.n >= n && clip.n <= n + c->max_pad, "%s: %zu frames, wrote %zu", name,
                  clip.n, n);
        CHECK(clip.rate == c->rate && info.rate == c->rate && info.channels == 1);
        CHECK(info.frames == clip.n);
        CHECK_MSG(strcmp(info.format, c->major) == 0 && strcmp(info.subtype, c->subtype) == 0,
                  "%s: info says %s/%s", name, info.format, info.subtype);
        size_t k = clip.n < n ? clip.n : n;
        if (c->min_snr > 0) {
            double snr = snr_db(clip.samples, ref, 0, k);
            printf("  %-28s %7zu bytes  SNR %6.1f dB (need >= %.0f)\n", name, (size_t)m.n, snr,
                   c->min_snr);
            CHECK_MSG(snr >= c->min_snr, "%s: SNR %.1f dB", name, snr);
        } else {
            double tol = c->bits ? 1.5 * ldexp(1.0, 1 - c->bits) + 1e-7 : 0.0;
            double worst = 0;
            for (size_t i = 0; i < k; i++)
                worst = fmax(worst, fabs((double)clip.samples[i] - ref[i]));
            printf("  %-28s %7zu bytes  max error %.3g (tol %.3g)\n", name, (size_t)m.n, worst,
                   tol);
            CHECK_MSG(worst <= tol, "%s: max error %g > %g", name, worst, tol);
        }
        audio_clip_release(&clip);

        /* probe reads the same header without decoding */
        CHECK_OK(audio_probe(m.d, (size_t)m.n, name, &info, &err), &err);
        CHECK(info.rate == c->rate && info.channels == 1 && strcmp(info.format, c->major) == 0);
    }
    free(m.d);
    free(x);
    free(ref);
}

/* ch channels at rate, channel c = test_signal shifted and scaled; decoded must be their mean. */
static void test_mixdown(int format, int ch, int rate, double tol)
{
    size_t n = (size_t)rate / 10;
    float *x = malloc(n * (size_t)ch * sizeof *x); /* (n, ch) */
    double *mean = calloc(n, sizeof *mean);        /* (n,) */
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < ch; c++) {
            double v =
                (0.9 - 0.1 * c) * test_signal((double)i / rate + 0.01 * c) * (c % 2 ? -1 : 1);
            x[i * (size_t)ch + (size_t)c] = (float)v;
            mean[i] += (double)x[i * (size_t)ch + (size_t)c] / ch;
        }
    }
    sndmem m;
    CHECK(sndmem_encode(&m, format, ch, rate, x, n) == 0);
    audio_clip clip;
    audio_info info;
    mlac_err err = {0};
    CHECK_OK(audio_decode(m.d, (size_t)m.n, "multi.wav", &clip, &info, &err), &err);
    CHECK(clip.n == n && clip.rate == rate && info.channels == ch && info.rate == rate);
    double worst = 0;
    for (size_t i = 0; i < clip.n && i < n; i++)
        worst = fmax(worst, fabs(clip.samples[i] - mean[i]));
    printf("  mixdown %d ch at %d Hz: max error vs mean %.3g (tol %.3g)\n", ch, rate, worst, tol);
    CHECK_MSG(worst <= tol, "mixdown %d ch: max error %g", ch, worst);
    audio_clip_release(&clip);
    free(m.d);
    free(x);
    free(mean);
}

/* Expects failure with code and a message containing name (and want, if given). */
static void expect_fail(const void *bytes, size_t n, const char *name, int code, const char *want)
{
    audio_clip clip;
    mlac_err err = {0};
    int rc = audio_decode(bytes, n, name, &clip, NULL, &err);
    CHECK_MSG(rc == code, "%s: status %d (%s), want %d: %s", name, rc, mlac_status_name(rc), code,
              err.msg);
    CHECK_MSG(strstr(err.msg, name) != NULL, "%s: message does not name the file: %s", name,
              err.msg);
    if (want)
        CHECK_MSG(strstr(err.msg, want) != NULL, "%s: message lacks '%s': %s", name, want, err.msg);
    CHECK(clip.samples == NULL && clip.n == 0);
    printf("  %-22s -> %s\n", name, err.msg);
    /* probe must not crash either; for header-level faults it fails the same way */
    audio_info info;
    mlac_err perr = {0};
    (void)audio_probe(bytes, n, name, &info, &perr);
}

static unsigned char *float_wav(float v_at_3, size_t *n)
{
    float d[8] = {0.1f, -0.2f, 0.3f, 0, 0.5f, 0.25f, -0.5f, 0};
    d[3] = v_at_3;
    return wav_build(3, 1, 44100, 32, d, sizeof d, sizeof d, n);
}

static void test_bad_input(void)
{
    size_t n;
    unsigned char *b;
    int16_t pcm[100] = {0}; /* (100,) */
    for (int i = 0; i < 100; i++)
        pcm[i] = (int16_t)(i * 300 - 15000);

    expect_fail("", 0, "empty.wav", MLAC_EFORMAT, "empty");
    expect_fail(NULL, 0, "null.wav", MLAC_EFORMAT, "empty");

    b = wav_build(1, 1, 44100, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, 20, "truncated-header.wav", MLAC_EFORMAT, NULL);
    expect_fail(b, 44, "header-only.wav", MLAC_EFORMAT, "truncated");
    free(b);

    const char *text = "this is a text file with a .wav name\nline two\n";
    expect_fail(text, strlen(text), "notes.wav", MLAC_EFORMAT, "not a readable audio file");

    b = float_wav(NAN, &n);
    expect_fail(b, n, "nan.wav", MLAC_EFORMAT, "non-finite samples");
    free(b);
    b = float_wav(-INFINITY, &n);
    expect_fail(b, n, "inf.wav", MLAC_EFORMAT, "non-finite samples");
    free(b);

    b = wav_build(1, 0, 44100, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "zero-channels.wav", MLAC_EFORMAT, NULL);
    free(b);
    b = wav_build(1, 100, 44100, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "100-channels.wav", MLAC_EFORMAT, "100 channels");
    free(b);
    b = wav_build(1, 65535, 44100, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "65535-channels.wav", MLAC_EFORMAT, NULL);
    free(b);
    b = wav_build(1, 1, 0, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "rate-0.wav", MLAC_EFORMAT, NULL);
    free(b);
    b = wav_build(1, 1, 1000000, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "rate-1mhz.wav", MLAC_EFORMAT, "sample rate 1000000");
    free(b);
    b = wav_build(1, 1, 0xFFFFFFFFu, 16, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "rate-max.wav", MLAC_EFORMAT, NULL);
    free(b);
    b = wav_build(1, 1, 44100, 0, pcm, sizeof pcm, sizeof pcm, &n);
    expect_fail(b, n, "bits-0.wav", MLAC_EFORMAT, NULL);
    free(b);
    b = wav_build(1, 1, 44100, 16, pcm, sizeof pcm, 96000, &n);
    expect_fail(b, n, "overclaim.wav", MLAC_EFORMAT, "truncated");
    free(b);
    b = wav_build(1, 1, 44100, 16, NULL, 0, 0, &n);
    expect_fail(b, n, "no-frames.wav", MLAC_EFORMAT, "no audio frames");
    free(b);

    /* compressed formats cut short */
    size_t nf = 48000;
    float *x = malloc(nf * sizeof *x);
    for (size_t i = 0; i < nf; i++)
        x[i] = (float)test_signal((double)i / 48000);
    sndmem m;
    CHECK(sndmem_encode(&m, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1, 48000, x, nf) == 0);
    expect_fail(m.d, (size_t)m.n / 2, "cut.flac", MLAC_EFORMAT, NULL);
    expect_fail(m.d, 30, "cut-header.flac", MLAC_EFORMAT, NULL);
    free(m.d);
    CHECK(sndmem_encode(&m, SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1, 48000, x, nf) == 0);
    expect_fail(m.d, 2000, "cut.ogg", MLAC_EFORMAT, NULL);
    free(m.d);
    free(x);

    /* no name given: the message still says which clip */
    audio_clip clip;
    mlac_err err = {0};
    CHECK(audio_decode("", 0, NULL, &clip, NULL, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "(unnamed)") != NULL);
}

/* One frame decodes to one sample; a tiny PCM WAV decodes to the exact integer / 32768. */
static void test_tiny(void)
{
    size_t n;
    int16_t one = 12345;
    unsigned char *b = wav_build(1, 1, 8000, 16, &one, 2, 2, &n);
    audio_clip clip;
    audio_info info;
    mlac_err err = {0};
    CHECK_OK(audio_decode(b, n, "one-sample.wav", &clip, &info, &err), &err);
    CHECK(clip.n == 1 && clip.rate == 8000 && info.frames == 1);
    if (clip.n == 1)
        CHECK_NEAR(clip.samples[0], 12345.0 / 32768.0, 1e-9);
    CHECK(strcmp(info.format, "WAV") == 0 && strcmp(info.subtype, "PCM_16") == 0);
    audio_clip_release(&clip);
    free(b);

    /* stereo 16-bit, two frames: (L, R) = (1000, -3000), (32767, -32768) */
    int16_t st[4] = {1000, -3000, 32767, -32768};
    b = wav_build(1, 2, 22050, 16, st, sizeof st, sizeof st, &n);
    CHECK_OK(audio_decode(b, n, "stereo.wav", &clip, &info, &err), &err);
    CHECK(clip.n == 2 && info.channels == 2);
    if (clip.n == 2) {
        CHECK_NEAR(clip.samples[0], (1000.0 - 3000.0) / 2 / 32768.0, 1e-9);
        CHECK_NEAR(clip.samples[1], (32767.0 - 32768.0) / 2 / 32768.0, 1e-9);
    }
    audio_clip_release(&clip);
    free(b);

    /* a streaming writer's "unknown size" placeholder (0xFFFFFFFF) reads to the end of file */
    b = wav_build(1, 2, 22050, 16, st, sizeof st, 0xFFFFFFFFu, &n);
    CHECK_OK(audio_decode(b, n, "streaming.wav", &clip, &info, &err), &err);
    CHECK(clip.n == 2);
    audio_clip_release(&clip);
    free(b);
}

int main(void)
{
    printf("round trips:\n");
    for (size_t i = 0; i < sizeof rt_cases / sizeof rt_cases[0]; i++)
        test_round_trip(&rt_cases[i]);
    printf("mixdown:\n");
    test_mixdown(SF_FORMAT_WAV | SF_FORMAT_FLOAT, 6, 96000, 1e-6);
    test_mixdown(SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 44100, 1.5 / 32768 + 1e-7);
    test_mixdown(SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 3, 48000, 1.5 / 8388608 + 1e-7);
    test_mixdown(SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 64, 8000, 1e-6);
    test_tiny();
    printf("bad input:\n");
    test_bad_input();
    TEST_MAIN_END();
}
