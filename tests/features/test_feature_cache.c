/* test_feature_cache.c — the on-disk feature cache: round trip, keys, corruption, concurrency.
 *
 * Checks: put/get returns the same floats; the key changes with the kind, any feature parameter
 * and the content hash; truncated, bit-flipped, foreign and wrong-size entries are misses and
 * the next put repairs them; a disabled cache drops everything; two forked processes filling the
 * same cache at once (same keys, opposite orders, reading while the other writes) leave only
 * complete, valid entries and no temp files.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "features/feature_cache.h"
#include "features/features.h"
#include "test.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void entry_path(const char *dir, const char *key, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%s.f32", dir, key, key);
}

static void fill(float *v, size_t count, unsigned seed)
{
    for (size_t i = 0; i < count; i++)
        v[i] = (float)(seed * 1000 + i) * 0.25f - 7.0f;
}

static void test_keys(void)
{
    feat_params p, q;
    char text[512], text2[512], k1[65], k2[65];
    feat_params_default(&p);
    feat_params_describe(&p, text, sizeof text);
    feature_cache_key("summary", text, "abc", k1);
    feature_cache_key("summary", text, "abc", k2);
    CHECK(strcmp(k1, k2) == 0 && strlen(k1) == 64);
    feature_cache_key("logmel", text, "abc", k2);
    CHECK(strcmp(k1, k2) != 0);
    feature_cache_key("summary", text, "abd", k2);
    CHECK(strcmp(k1, k2) != 0);
    /* Part boundaries matter: ("ab", "c") is not ("a", "bc"). */
    feature_cache_key("summary", "ab", "c", k1);
    feature_cache_key("summary", "a", "bc", k2);
    CHECK(strcmp(k1, k2) != 0);
    feature_cache_key("summary", text, "abc", k1);
    for (int field = 0; field < 6; field++) {
        q = p;
        switch (field) {
        case 0: q.n_fft = 1024; break;
        case 1: q.hop = 256; break;
        case 2: q.n_mels = 64; break;
        case 3: q.top_db = 70.0f; break;
        case 4: q.mel_scale = MEL_HTK; break;
        default: q.image_size = 224; break;
        }
        feat_params_describe(&q, text2, sizeof text2);
        feature_cache_key("summary", text2, "abc", k2);
        CHECK_MSG(strcmp(k1, k2) != 0, "field %d does not change the key", field);
    }
}

static void test_round_trip_and_corruption(const char *dir)
{
    feature_cache *c = NULL;
    mlac_err err = {0};
    char key[65], path[4096];
    float data[78], got[78];
    CHECK_OK(feature_cache_open(dir, &c, &err), &err);
    if (!c)
        return;
    feature_cache_key("summary", "params", "content-1", key);
    fill(data, 78, 1);
    CHECK(feature_cache_get(c, key, got, 78) == 0); /* empty cache */
    CHECK_OK(feature_cache_put(c, key, data, 78, &err), &err);
    memset(got, 0, sizeof got);
    CHECK(feature_cache_get(c, key, got, 78) == 1);
    CHECK(memcmp(got, data, sizeof data) == 0);
    CHECK(feature_cache_get(c, key, got, 77) == 0); /* wrong size asked */
    entry_path(dir, key, path, sizeof path);

    /* Truncated entry: a miss, then repaired by put. */
    CHECK(truncate(path, 100) == 0);
    CHECK(feature_cache_get(c, key, got, 78) == 0);
    CHECK_OK(feature_cache_put(c, key, data, 78, &err), &err);
    CHECK(feature_cache_get(c, key, got, 78) == 1);

    /* One flipped bit in the data: a miss. */
    int fd = open(path, O_RDWR);
    unsigned char byte = 0;
    CHECK(fd >= 0 && pread(fd, &byte, 1, 120) == 1);
    byte ^= 0x10;
    CHECK(pwrite(fd, &byte, 1, 120) == 1);
    close(fd);
    CHECK(feature_cache_get(c, key, got, 78) == 0);

    /* A foreign file of the right size: a miss. */
    struct stat st;
    CHECK(stat(path, &st) == 0);
    char *junk = calloc(1, (size_t)st.st_size);
    FILE *f = fopen(path, "wb");
    CHECK(f && junk && fwrite(junk, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
    if (f)
        fclose(f);
    free(junk);
    CHECK(feature_cache_get(c, key, got, 78) == 0);

    /* An entry copied under another key's name: a miss (the key is inside). */
    char key2[65], path2[4096];
    feature_cache_key("summary", "params", "content-2", key2);
    CHECK_OK(feature_cache_put(c, key, data, 78, &err), &err);
    CHECK_OK(feature_cache_put(c, key2, data, 78, &err), &err);
    entry_path(dir, key2, path2, sizeof path2);
    CHECK(rename(path, path2) == 0);
    CHECK(feature_cache_get(c, key2, got, 78) == 0);
    CHECK(feature_cache_get(c, key, got, 78) == 0);

    /* Empty entries and bad keys. */
    char key3[65];
    feature_cache_key("empty", "params", "x", key3);
    CHECK_OK(feature_cache_put(c, key3, NULL, 0, &err), &err);
    CHECK(feature_cache_get(c, key3, got, 0) == 1);
    CHECK(feature_cache_put(c, "../../etc/passwd", data, 78, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "key") != NULL);
    CHECK(feature_cache_get(c, "../../etc/passwd", got, 78) == 0);
    CHECK(feature_cache_get(c, "ABCDEF", got, 78) == 0);
    feature_cache_free(c);
    feature_cache_free(NULL);
}

static void test_disabled(void)
{
    feature_cache *c = NULL;
    mlac_err err = {0};
    char key[65];
    float data[4] = {1, 2, 3, 4};
    feature_cache_key("summary", "p", "h", key);
    CHECK_OK(feature_cache_open(NULL, &c, &err), &err);
    CHECK_OK(feature_cache_put(c, key, data, 4, &err), &err);
    CHECK(feature_cache_get(c, key, data, 4) == 0);
    feature_cache_free(c);
    CHECK_OK(feature_cache_open("", &c, &err), &err);
    CHECK(feature_cache_get(c, key, data, 4) == 0);
    feature_cache_free(c);
    /* A cache folder that cannot be made names the folder. */
    CHECK(feature_cache_open("/proc/mlac-no/cache", &c, &err) != MLAC_OK && c == NULL);
    CHECK(strstr(err.msg, "/proc/mlac-no/cache") != NULL);
}

#define N_KEYS 60
#define N_VALUES 4096

/* One writer: puts every key (in the given order), reading each key first; a read must be a
 * miss or exactly the right data. Returns the number of problems seen. */
static int writer(const char *dir, int reverse)
{
    feature_cache *c = NULL;
    mlac_err err = {0};
    static float data[N_VALUES], got[N_VALUES];
    int bad = 0;
    if (feature_cache_open(dir, &c, &err))
        return 1;
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < N_KEYS; j++) {
            int i = reverse ? N_KEYS - 1 - j : j;
            char key[65], hash[32];
            snprintf(hash, sizeof hash, "clip-%d", i);
            feature_cache_key("logmel", "p", hash, key);
            fill(data, N_VALUES, (unsigned)i);
            if (feature_cache_get(c, key, got, N_VALUES) && memcmp(got, data, sizeof data))
                bad++;
            if (feature_cache_put(c, key, data, N_VALUES, &err))
                bad++;
        }
    feature_cache_free(c);
    return bad;
}

static int count_tmp(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    return flag == FTW_F && strstr(path, ".tmp") ? 1 : 0;
}

static void test_two_processes(const char *dir)
{
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0)
            _exit(writer(dir, k) ? 1 : 0);
        CHECK(kids[k] > 0);
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        if (kids[k] > 0)
            CHECK(waitpid(kids[k], &status, 0) == kids[k] && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0);
    }
    feature_cache *c = NULL;
    mlac_err err = {0};
    static float data[N_VALUES], got[N_VALUES];
    CHECK_OK(feature_cache_open(dir, &c, &err), &err);
    int hits = 0;
    for (int i = 0; c && i < N_KEYS; i++) {
        char key[65], hash[32];
        snprintf(hash, sizeof hash, "clip-%d", i);
        feature_cache_key("logmel", "p", hash, key);
        fill(data, N_VALUES, (unsigned)i);
        hits += feature_cache_get(c, key, got, N_VALUES) && memcmp(got, data, sizeof data) == 0;
    }
    CHECK_MSG(hits == N_KEYS, "%d of %d entries valid", hits, N_KEYS);
    CHECK(nftw(dir, count_tmp, 16, FTW_PHYS) == 0); /* no temp file left behind */
    feature_cache_free(c);
}

int main(void)
{
    char base[] = "/tmp/mlac-fcache-XXXXXX";
    if (!mkdtemp(base)) {
        CHECK(!"mkdtemp failed");
        TEST_MAIN_END();
    }
    char dir1[256], dir2[256];
    snprintf(dir1, sizeof dir1, "%s/a/b", base); /* made by open */
    snprintf(dir2, sizeof dir2, "%s/shared", base);
    test_keys();
    test_round_trip_and_corruption(dir1);
    test_disabled();
    test_two_processes(dir2);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    TEST_MAIN_END();
}
