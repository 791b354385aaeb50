/* test_clip_length.c — the default clip length is the data's most common clip duration
 * (clip_length.h): WAV files of known lengths are written into a temporary data root, scanned,
 * and the chosen length and the pad/crop counts checked:
 *   all clips 3 s             -> 3 s, nothing padded or cropped (a fixed 5 s padded every clip);
 *   3 x 2 s and 5 x 3 s       -> 3 s (the mode), the three 2-s clips padded;
 *   4 x 2 s and 4 x 3 s (tie) -> 2 s, the shortest of the tied durations, stated in the note;
 *   given 5 s                 -> 5 s, "given", every clip padded;
 *   an unreadable file        -> counted, and the mode of the rest. */
#include "audio/audio.h"
#include "core/fsutil.h"
#include "dataset/dataset.h"
#include "exp/clip_length.h"
#include "test.h"

#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void write_wav(const char *root, const char *rel, double seconds, int rate)
{
    audio_clip c = {.n = (size_t)(seconds * rate + 0.5), .rate = rate};
    c.samples = calloc(c.n, sizeof *c.samples);
    for (size_t i = 0; i < c.n; i++)
        c.samples[i] = (float)(0.1 * ((i * 7919u) % 200) / 200.0);
    void *bytes = NULL;
    size_t n = 0;
    mlac_err err = {0};
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_OK(audio_encode_wav(&c, 1, &bytes, &n, &err), &err);
    CHECK_OK(fs_mkdir_parent(path, &err), &err);
    CHECK_OK(fs_write_atomic(path, bytes, n, &err), &err);
    free(bytes);
    free(c.samples);
}

/* A data root with one species "sp": positives of the given lengths, then negatives. */
static void make_root(char *root, size_t n, const double *pos, size_t np, const double *neg, size_t nn)
{
    snprintf(root, n, "%s/mlac-cliplen-XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(root) != NULL);
    char rel[256];
    for (size_t i = 0; i < np; i++) {
        snprintf(rel, sizeof rel, "sp/data/pos/p%02zu.wav", i);
        write_wav(root, rel, pos[i], i % 2 ? 16000 : 22050); /* rates differ: durations are in seconds */
    }
    for (size_t i = 0; i < nn; i++) {
        snprintf(rel, sizeof rel, "sp/data/neg/n%02zu.wav", i);
        write_wav(root, rel, neg[i], 22050);
    }
}

static clip_length_stats choose(const char *root, double given, char *note, size_t note_n)
{
    store *s = NULL;
    dataset d = {0};
    mlac_err err = {0};
    strlist species;
    strlist_init(&species);
    strlist_push(&species, "sp", NULL);
    clip_length_stats st = {0};
    CHECK_OK(store_open(root, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_AUTO, &d, &err), &err);
    CHECK_OK(clip_length_choose(s, &d, &species, given, &st, &err), &err);
    clip_length_describe(&st, note, note_n);
    dataset_release(&d);
    store_free(s);
    strlist_release(&species);
    return st;
}

static void check_case(const double *pos, size_t np, const double *neg, size_t nn, double given, double want,
                       size_t shorter, size_t longer, const char *in_note)
{
    char root[512], note[512];
    make_root(root, sizeof root, pos, np, neg, nn);
    clip_length_stats st = choose(root, given, note, sizeof note);
    CHECK_NEAR(st.seconds, want, 1e-9);
    CHECK_MSG(st.shorter == shorter && st.longer == longer, "shorter %zu longer %zu (want %zu %zu)", st.shorter,
              st.longer, shorter, longer);
    CHECK(st.clips == np + nn);
    CHECK(st.from_data == (given <= 0));
    CHECK_MSG(strstr(note, in_note) != NULL, "note '%s' lacks '%s'", note, in_note);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void check_unreadable(void)
{
    static const double pos[] = {3, 3, 2}, neg[] = {3, 2};
    char root[512], note[512], path[700];
    make_root(root, sizeof root, pos, 3, neg, 2);
    snprintf(path, sizeof path, "%s/sp/data/neg/broken.wav", root);
    mlac_err err = {0};
    CHECK_OK(fs_write_atomic(path, "RIFF", 4, &err), &err);
    clip_length_stats st = choose(root, 0, note, sizeof note);
    CHECK(st.unreadable == 1 && st.clips == 5);
    CHECK_NEAR(st.seconds, 3.0, 1e-9);
    CHECK(strstr(note, "1 clip header unreadable") != NULL);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    static const double three[] = {3, 3, 3, 3};
    check_case(three, 4, three, 4, 0, 3.0, 0, 0, "chosen from the data: the most common clip duration (8 of 8 clips)");
    static const double mixp[] = {2, 3, 3, 3}, mixn[] = {2, 2, 3, 3};
    check_case(mixp, 4, mixn, 4, 0, 3.0, 3, 0, "3 shorter clips zero-padded");
    static const double tiep[] = {2, 2, 3, 3}, tien[] = {3, 2, 3, 2};
    check_case(tiep, 4, tien, 4, 0, 2.0, 0, 4, "the shortest of the tied durations");
    check_case(three, 4, three, 4, 5.0, 5.0, 8, 0, "given (clip_seconds)");
    static const double odd[] = {2.5, 2.5, 2.5, 4.25}, oddn[] = {4.25, 4.25, 2.5, 1};
    check_case(odd, 4, oddn, 4, 0, 2.5, 1, 3, "clip length 2.500 s");
    check_unreadable();
    TEST_MAIN_END();
}
