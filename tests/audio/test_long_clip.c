/* test_long_clip.c — issue 14 item 13: a long recording used for a short window is not decoded in
 * full. A 64-second WAV (16 kHz, 44.1 kHz stereo; FLAC at 48 kHz) loaded for 5 s reads only the window (and
 * 1 s of context each side when resampling), counted by audio_frames_decoded(), not timed; the
 * samples equal the whole-clip path (decode, resample, crop): exactly without resampling, within
 * float rounding with it; centre, start and random placement (the random draw is the same).
 * Short clips and MP3 keep the whole-clip path.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The reference: a crop of the whole clip, decoded and resampled once (whole). */
static int whole_path(const audio_clip *whole, double seconds, enum audio_offset where, rng *r, audio_clip *out,
                      mlac_err *err)
{
    out->samples = malloc(whole->n * sizeof *out->samples);
    if (!out->samples)
        return MLAC_ENOMEM;
    memcpy(out->samples, whole->samples, whole->n * sizeof *out->samples);
    out->n = whole->n;
    out->rate = whole->rate;
    return audio_fix_length(out, (size_t)round(seconds * whole->rate), where, r, err);
}

static void check_long(int format, int file_rate, int rate, int channels, double tol)
{
    size_t frames = (size_t)file_rate * 64; /* just past LOAD_WINDOW_MIN_S (cheap under ASan) */
    float *x = malloc(frames * (size_t)channels * sizeof *x);
    CHECK(x != NULL);
    if (!x)
        return;
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            x[i * channels + c] = (float)(0.3 * sin(2 * M_PI * (220.0 + 50 * c) * (double)i / file_rate +
                                                    1e-5 * (double)i));
    sndmem m = {0};
    CHECK(sndmem_encode(&m, format, channels, file_rate, x, frames) == 0);
    free(x);
    audio_clip whole;
    mlac_err werr = {0};
    CHECK_OK(audio_decode(m.d, (size_t)m.n, "ref.wav", &whole, NULL, &werr), &werr);
    CHECK_OK(audio_resample(&whole, rate, "ref.wav", &werr), &werr);
    static const enum audio_offset places[] = {AUDIO_OFFSET_CENTRE, AUDIO_OFFSET_START, AUDIO_OFFSET_RANDOM};
    for (int p = 0; p < 3; p++) {
        rng r1, r2;
        rng_seed(&r1, 77);
        rng_seed(&r2, 77);
        audio_clip a, b;
        mlac_err err = {0};
        size_t before = audio_frames_decoded();
        CHECK_OK(audio_load(m.d, (size_t)m.n, "long.wav", rate, 5.0, places[p], &r1, &a, &err), &err);
        size_t read = audio_frames_decoded() - before;
        size_t bound = (size_t)(5.0 * file_rate) + (rate == file_rate ? 0 : 2 * (size_t)file_rate + 4096);
        CHECK_MSG(read <= bound, "%d Hz -> %d Hz, place %d: %zu frames read for a 5 s window (bound %zu)",
                  file_rate, rate, p, read, bound);
        CHECK_OK(whole_path(&whole, 5.0, places[p], &r2, &b, &err), &err);
        CHECK(a.n == b.n && a.rate == rate && a.n == (size_t)(5 * rate));
        double worst = 0;
        for (size_t i = 0; i < a.n && i < b.n; i++)
            worst = fmax(worst, fabs((double)a.samples[i] - b.samples[i]));
        CHECK_MSG(worst <= tol, "%d Hz -> %d Hz, place %d: max difference %g from the whole-clip path", file_rate,
                  rate, p, worst);
        CHECK_MSG(rng_u64(&r1) == rng_u64(&r2), "place %d: the window drew differently", p);
        printf("%d Hz -> %d Hz, %d ch, place %d: %zu of %zu frames read, max difference %.3g\n", file_rate, rate,
               channels, p, read, frames, worst);
        audio_clip_release(&a);
        audio_clip_release(&b);
    }
    audio_clip_release(&whole);
    free(m.d);
}

/* A 30 s clip keeps the whole-clip path: every frame is read and the result is unchanged. */
static void check_short(void)
{
    size_t frames = 16000 * 30;
    float *x = calloc(frames, sizeof *x);
    for (size_t i = 0; x && i < frames; i++)
        x[i] = (float)(0.2 * sin((double)i * 0.01));
    sndmem m = {0};
    CHECK(x && sndmem_encode(&m, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 16000, x, frames) == 0);
    free(x);
    audio_clip a;
    mlac_err err = {0};
    size_t before = audio_frames_decoded();
    CHECK_OK(audio_load(m.d, (size_t)m.n, "short.wav", 16000, 5.0, AUDIO_OFFSET_CENTRE, NULL, &a, &err), &err);
    CHECK(audio_frames_decoded() - before == frames);
    audio_clip_release(&a);
    free(m.d);
}

int main(void)
{
    check_long(SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 16000, 1, 0.0);
    check_long(SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 22050, 2, 1e-5);
    check_long(SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 22050, 1, 1e-5);
    check_short();
    TEST_MAIN_END();
}
