/* embed_testutil.h — helpers for the embedding tests: temporary folders, synthetic WAV clips,
 * and the stand-in embedder run as this very test binary ("<self> stand-in ..."), so the
 * tests speak the real command protocol without depending on a separately built program.
 * A test that includes this must start main() with EMBED_TEST_DISPATCH(argc, argv).
 */
#ifndef MLAC_TEST_EMBED_TESTUTIL_H
#define MLAC_TEST_EMBED_TESTUTIL_H

#define STAND_IN_NO_MAIN
#include "../tools/stand_in_embedder.c"

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "core/fsutil.h"
#include "core/rng.h"

#define EMBED_TEST_DISPATCH(argc, argv)                                 \
    do {                                                                \
        if ((argc) > 1 && !strcmp((argv)[1], "stand-in"))               \
            return stand_in_main((argc) - 1, (argv) + 1);               \
    } while (0)

/* A fresh folder under $TMPDIR (or /tmp); the caller frees the string. */
static inline char *tu_tmpdir(const char *tag)
{
    const char *t = getenv("TMPDIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/mlac-%s-XXXXXX", t && *t ? t : "/tmp", tag);
    return mkdtemp(path) ? strdup(path) : NULL;
}

static inline int tu_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static inline void tu_rm_rf(const char *dir)
{
    if (dir)
        nftw(dir, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes a 16-bit WAV of a tone (freq Hz, with a harmonic) plus seeded noise; 0 on success. */
static inline int tu_write_tone(const char *path, int rate, double seconds, double freq, double noise,
                                unsigned long long seed)
{
    size_t n = (size_t)(seconds * rate);
    audio_clip c = {malloc(n * sizeof(float)), n, rate};
    if (!c.samples)
        return -1;
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        c.samples[i] = (float)(0.3 * sin(2 * M_PI * freq * t) + 0.1 * sin(2 * M_PI * 2.7 * freq * t) +
                               noise * rng_normal(&r));
    }
    void *wav = NULL;
    size_t len = 0;
    mlac_err err = {0};
    int rc = audio_encode_wav(&c, 1, &wav, &len, &err);
    if (!rc)
        rc = fs_write_atomic(path, wav, len, &err);
    if (rc)
        fprintf(stderr, "tu_write_tone: %s\n", err.msg);
    free(wav);
    free(c.samples);
    return rc;
}

/* "<this test binary> stand-in <args>" into out. */
static inline void tu_stand_in(char *out, size_t n, const char *args)
{
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    self[k > 0 ? k : 0] = '\0';
    snprintf(out, n, "'%s' stand-in %s", self, args);
}

/* Lines of a counter file that start with "embed ". */
static inline int tu_embed_calls(const char *counter)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err;
    int n = 0;
    if (!fs_read_file(counter, &b, 0, &err))
        for (const char *p = b.data; p && (p = strstr(p, "embed ")); p++)
            n++;
    buf_release(&b);
    return n;
}

#endif
