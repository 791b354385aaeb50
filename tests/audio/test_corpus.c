/* test_corpus.c — replays every file of tests/fixtures/audio/corpus/ through audio_decode and
 * audio_probe (STYLE.md habit 9: the fuzz target's corpus, kept and replayed).
 *
 * Every file must return cleanly: success with a sane clip, or an error whose message names
 * the file. ok_* files must decode; where tests/fixtures/audio/expect/<file>.npy exists (made
 * by numpy in tests/fixtures/gen/audio_corpus.py) the samples must match it within 1e-6, and
 * <file>.lossy.npy must match in length and within 20 dB SNR. bad_* files must fail.
 * fuzz_* files (fuzzer findings) may do either.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "core/fsutil.h"
#include "core/npy.h"
#include "test.h"

/* libsndfile 1.2.0 leaks libvorbis's header state (~11 KB) when it fails to open a malformed
 * Ogg Vorbis file (bad_cut.ogg, cut.ogg); the leak is inside libsndfile, not mlac, so
 * LeakSanitizer ignores allocations made by libvorbis. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libvorbis.so\n";
}

static void check_expect(const char *file, const audio_clip *c)
{
    char path[4096];
    npy_array a;
    mlac_err err = {0};
    int k = snprintf(path, sizeof path, "%s/%s.npy", test_fixture("audio/expect"), file);
    if (k > 0 && (size_t)k < sizeof path && fs_exists(path)) {
        CHECK_OK(npy_load(path, &a, &err), &err);
        CHECK_MSG(a.count == c->n, "%s: %zu frames, expected %zu", file, c->n, a.count);
        double worst = 0;
        for (size_t i = 0; i < a.count && i < c->n; i++)
            worst = fmax(worst, fabs((double)c->samples[i] - a.data[i]));
        CHECK_MSG(worst <= 1e-6, "%s: max error %g against numpy", file, worst);
        npy_release(&a);
        return;
    }
    k = snprintf(path, sizeof path, "%s/%s.lossy.npy", test_fixture("audio/expect"), file);
    if (k > 0 && (size_t)k < sizeof path && fs_exists(path)) {
        CHECK_OK(npy_load(path, &a, &err), &err);
        CHECK_MSG(a.count == c->n, "%s: %zu frames, expected %zu", file, c->n, a.count);
        double snr = snr_db(c->samples, a.data, 0, a.count < c->n ? a.count : c->n);
        CHECK_MSG(snr >= 20, "%s: SNR %.1f dB against the encoded signal", file, snr);
        npy_release(&a);
    }
}

static void replay(const char *dir, const char *file, int *n_ok, int *n_bad)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", dir, file);
    CHECK(k > 0 && (size_t)k < sizeof path);
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);

    audio_clip c;
    audio_info info;
    int rc = audio_decode(b.data, b.len, file, &c, &info, &err);
    if (rc == MLAC_OK) {
        (*n_ok)++;
        int finite = 1;
        for (size_t i = 0; i < c.n; i++)
            finite &= isfinite(c.samples[i]) != 0;
        CHECK_MSG(c.n >= 1 && c.n <= AUDIO_MAX_FRAMES && c.samples && finite, "%s: bad clip", file);
        CHECK(c.rate >= 1 && c.rate <= AUDIO_MAX_RATE && info.channels >= 1 &&
              info.channels <= AUDIO_MAX_CHANNELS && info.frames == c.n);
        printf("  %-26s ok    %s/%s %d ch %d Hz %zu frames\n", file, info.format, info.subtype,
               info.channels, info.rate, c.n);
    } else {
        (*n_bad)++;
        CHECK(c.samples == NULL && c.n == 0);
        CHECK_MSG(strstr(err.msg, file) != NULL, "%s: message does not name the file: %s", file,
                  err.msg);
        printf("  %-26s error %s\n", file, err.msg);
    }
    if (strncmp(file, "ok_", 3) == 0) {
        CHECK_MSG(rc == MLAC_OK, "%s should decode: %s", file, err.msg);
        if (rc == MLAC_OK)
            check_expect(file, &c);
    } else if (strncmp(file, "bad_", 4) == 0) {
        CHECK_MSG(rc != MLAC_OK, "%s should be rejected", file);
    }

    /* probe never crashes, and agrees with decode on readable files */
    audio_info pinfo;
    mlac_err perr = {0};
    int prc = audio_probe(b.data, b.len, file, &pinfo, &perr);
    if (prc != MLAC_OK)
        CHECK_MSG(strstr(perr.msg, file) != NULL, "%s: probe message: %s", file, perr.msg);
    if (rc == MLAC_OK)
        CHECK(prc == MLAC_OK && pinfo.rate == info.rate && pinfo.channels == info.channels &&
              strcmp(pinfo.format, info.format) == 0);
    audio_clip_release(&c);
    buf_release(&b);
}

int main(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_fixture("audio/corpus"));
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(dir, &files, &err), &err);
    int n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < files.n; i++)
        replay(dir, files.items[i], &n_ok, &n_bad);
    printf("corpus: %zu files, %d decoded, %d rejected\n", files.n, n_ok, n_bad);
    CHECK_MSG(files.n >= 25, "corpus %s has only %zu files", dir, files.n);
    strlist_release(&files);
    TEST_MAIN_END();
}
