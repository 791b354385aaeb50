/* fuzz_decode.c — libFuzzer target for the audio parser: audio_probe, audio_decode (also under
 * an .mp3 name, which reaches the MPEG frame scanner) and, on success, the rest of audio_load
 * (resample, fix length) on whatever decoded.
 *
 * Not a CTest test (the name does not start with test_); its seed corpus is
 * tests/fixtures/audio/corpus/, which test_corpus.c replays on every test run. Findings are
 * added there as fuzz_<what>.<ext> so they are replayed forever after.
 * Invariant checked: no crash, no sanitizer report, no hang; a success is a sane clip, a
 * failure has a message.
 *
 * Build and run (clang 14 from Debian):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc tests/audio/fuzz_decode.c \
 *     src/audio/decode.c src/audio/resample.c src/audio/clip.c src/core/error.c \
 *     src/core/rng.c src/core/hash.c $(pkg-config --libs sndfile soxr openssl) -lm -o fuzz_decode
 *   mkdir -p /tmp/audio-fuzz && ./fuzz_decode -max_len=65536 -timeout=10 -max_total_time=600 \
 *     /tmp/audio-fuzz tests/fixtures/audio/corpus
 */
#include "audio/audio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libsndfile 1.2.0 leaks libvorbis's header state (~11 KB) when it fails to open a malformed
 * Ogg Vorbis file (bad_cut.ogg, cut.ogg); the leak is inside libsndfile, not mlac, so
 * LeakSanitizer ignores allocations made by libvorbis. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libvorbis.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlac_err err = {0};
    audio_info info;
    if (audio_probe(data, size, "fuzz.wav", &info, &err) != MLAC_OK && err.msg[0] == '\0')
        abort();

    audio_clip clip;
    /* named *.mp3, a refused input is retried from its first MPEG frame (mpeg_sync.c) */
    if (audio_decode(data, size, "fuzz.mp3", &clip, &info, &err) == MLAC_OK) {
        if (clip.n < 1 || clip.n > AUDIO_MAX_FRAMES || clip.rate < 1 || clip.rate > AUDIO_MAX_RATE)
            abort();
        audio_clip_release(&clip);
    } else if (err.msg[0] == '\0' || !strstr(err.msg, "fuzz.mp3") || clip.samples) {
        abort();
    }
    if (audio_decode(data, size, "fuzz.wav", &clip, &info, &err) != MLAC_OK) {
        if (err.msg[0] == '\0' || !strstr(err.msg, "fuzz.wav") || clip.samples)
            abort();
        return 0;
    }
    if (clip.n < 1 || clip.n > AUDIO_MAX_FRAMES || clip.rate < 1 || clip.rate > AUDIO_MAX_RATE)
        abort();
    for (size_t i = 0; i < clip.n; i++)
        if (!isfinite(clip.samples[i]))
            abort();
    /* keep each run short: resample only clips that stay small at 16 kHz */
    if ((double)clip.n * 16000.0 / clip.rate < 2e5) {
        if (audio_resample(&clip, 16000, "fuzz.wav", &err) != MLAC_OK)
            abort();
        rng r;
        rng_seed(&r, size);
        if (audio_fix_length(&clip, 1 + size % 4000, AUDIO_OFFSET_RANDOM, &r, &err) != MLAC_OK)
            abort();
    }
    audio_clip_release(&clip);
    return 0;
}
