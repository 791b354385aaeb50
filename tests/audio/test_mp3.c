/* test_mp3.c — every MP3 of tests/fixtures/audio/mp3/ (made by tests/fixtures/gen/mp3_corpus.sh
 * with lame and sox) decodes from memory exactly as libsndfile decodes it from its path.
 *
 * Covers issue 14 item 12: CBR and VBR (Xing/LAME headers), mono and stereo, 44.1 and 48 kHz,
 * a 100 KB ID3v2 picture, and the layouts libsndfile recognises only by the .mp3 extension of a
 * path (an ID3v2 tag followed by zero bytes, zeros or junk before the first frame), which a
 * memory open used to refuse with "Format not recognised". The same bytes under a name without
 * the .mp3 extension are still refused, as libsndfile refuses them from such a path.
 */
#include "audio/audio.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "test.h"

#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

/* libsndfile's own decode of path, mixed to mono as audio_decode does; NULL if it cannot. */
static float *decode_path(const char *path, size_t *n, int *rate)
{
    SF_INFO si = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &si);
    if (!f)
        return NULL;
    size_t cap = 1 << 16, got = 0;
    float *mono = malloc(cap * sizeof *mono), *blk = malloc(4096 * (size_t)si.channels * sizeof *blk);
    sf_count_t k;
    while (mono && blk && (k = sf_readf_float(f, blk, 4096)) > 0) {
        if (got + (size_t)k > cap) {
            float *p = realloc(mono, (cap *= 2) * sizeof *mono);
            if (!p)
                break;
            mono = p;
        }
        for (sf_count_t i = 0; i < k; i++) {
            double s = 0;
            for (int c = 0; c < si.channels; c++)
                s += blk[i * si.channels + c];
            mono[got++] = (float)(s / si.channels);
        }
    }
    free(blk);
    sf_close(f);
    *n = got;
    *rate = si.samplerate;
    return mono;
}

static void check_file(const char *dir, const char *file, int *n_files)
{
    char path[8200];
    snprintf(path, sizeof path, "%.4000s/%.4000s", dir, file);
    buf b = {0};
    mlac_err err = {0};
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
    size_t n_ref = 0;
    int rate_ref = 0;
    float *ref = decode_path(path, &n_ref, &rate_ref);
    CHECK_MSG(ref && n_ref > 0, "%s: libsndfile cannot decode it from its path", file);
    audio_clip clip;
    audio_info info;
    int rc = audio_decode(b.data, b.len, file, &clip, &info, &err);
    CHECK_MSG(rc == MLAC_OK, "%s: from memory: %s", file, err.msg);
    if (rc == MLAC_OK && ref) {
        CHECK_MSG(clip.n == n_ref && clip.rate == rate_ref, "%s: %zu frames at %d Hz, path %zu at %d",
                  file, clip.n, clip.rate, n_ref, rate_ref);
        CHECK_MSG(strcmp(info.format, "MP3") == 0, "%s: format %s", file, info.format);
        size_t diff = 0;
        for (size_t i = 0; i < clip.n && i < n_ref; i++)
            diff += clip.samples[i] != ref[i];
        CHECK_MSG(diff == 0, "%s: %zu samples differ from the path decode", file, diff);
        audio_clip_release(&clip);
    }
    (*n_files)++;
    /* libsndfile recognises the junk-led layouts only by the extension: under another name the
     * memory decode refuses them as a path open does, naming the clip. */
    if (strstr(file, "_lead") || strstr(file, "_then_")) {
        char other[256];
        snprintf(other, sizeof other, "%.200s.bin", file);
        rc = audio_decode(b.data, b.len, other, &clip, &info, &err);
        CHECK_MSG(rc == MLAC_EFORMAT && strstr(err.msg, other), "%s: rc %d (%s)", other, rc, err.msg);
    }
    free(ref);
    buf_release(&b);
}

int main(void)
{
    const char *dir = test_fixture("audio/mp3");
    char d[4096];
    snprintf(d, sizeof d, "%s", dir);
    strlist files = {0};
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(d, &files, &err), &err);
    int n_files = 0;
    for (size_t i = 0; i < files.n; i++)
        if (strstr(files.items[i], ".mp3"))
            check_file(d, files.items[i], &n_files);
    CHECK_MSG(n_files >= 11, "only %d MP3 fixtures in %s", n_files, d);
    strlist_release(&files);
    TEST_MAIN_END();
}
