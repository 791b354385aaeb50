/* test_alloc_fail_features.c — allocation-failure injection (tests/alloc_sweep.h) over the feature
 * extraction of one clip as a run does it (feature_tables_build_clips): read through the store,
 * hash, cache lookup, decode (libsndfile), resample 16 kHz -> 22.05 kHz (soxr), cut, STFT, mel,
 * dB, MFCC + deltas + summary and the log-mel image, then the feature-cache write; and again with
 * the cache filled (the cache read). Each failed allocation must give an error with a message or
 * the unfailed rows, and the cache folder must hold only complete entries, never a temp file.
 */
#include "alloc_sweep.h"
#include "audio/audio.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "exp/clip_features.h"
#include "store/store.h"

#include <jansson.h>
#include <math.h>

#define CLIP "sp/data/pos/a.wav"

typedef struct features_ctx {
    store *data;
    char cache_dir[300];
    int warm;                   /* 1: the cache is filled before each run and kept */
    float *ref[2];              /* rows of the unfailed run, per kind */
    size_t ref_dim[2];
    dir_snapshot cache_ref;     /* the cache folder after the unfailed cold run */
} features_ctx;

static int run_features(void *vctx, int reference, mlac_err *err)
{
    features_ctx *c = vctx;
    strlist paths;
    strlist_init(&paths);
    feature_cache *cache = NULL;
    feature_table t[3];
    memset(t, 0, sizeof t);
    feat_params fp;
    feat_params_default(&fp);
    fp.image_size = 32;
    int rc = strlist_push(&paths, CLIP, err);
    if (!rc)
        rc = feature_cache_open(c->cache_dir, &cache, err);
    if (!rc)
        rc = feature_tables_build_clips(c->data, &paths, 1u << INPUT_SUMMARY | 1u << INPUT_LOGMEL_IMAGE, &fp, 1.0,
                                        cache, 1, NULL, NULL, t, err);
    for (int k = 0; !rc && k < 2; k++) {
        /* the rows live in a row file: read back (the read is part of the path swept) */
        float *row = malloc(t[k].dim * sizeof(float));
        CHECK(row != NULL);
        rc = feature_table_read(&t[k], CLIP, row, err);
        if (!rc && reference && !c->warm) {
            c->ref_dim[k] = t[k].dim;
            c->ref[k] = row;
            row = NULL;
        } else if (!rc) {
            CHECK_MSG(t[k].n == 1 && t[k].dim == c->ref_dim[k] &&
                          !memcmp(row, c->ref[k], c->ref_dim[k] * sizeof(float)),
                      "features: a run that returned success gave other rows (kind %d)", k);
        }
        free(row);
    }
    for (int k = 0; k < 3; k++)
        feature_table_release(&t[k]);
    feature_cache_free(cache);
    strlist_release(&paths);
    return rc;
}

/* The cold cache: entries are complete or absent, then the folder is emptied for the next k. */
static int after_cold(void *vctx, int rc)
{
    features_ctx *c = vctx;
    (void)rc;
    if (!c->cache_ref.n) {
        dir_snapshot_take(c->cache_dir, &c->cache_ref);
        CHECK_MSG(c->cache_ref.n >= 2 && !c->cache_ref.overflow, "the cache holds %zu files", c->cache_ref.n);
    }
    int bad = dir_check_subset(c->cache_dir, &c->cache_ref);
    dir_clear(c->cache_dir);
    return bad;
}

/* The warm cache: a failed read must not damage an entry. */
static int after_warm(void *vctx, int rc)
{
    features_ctx *c = vctx;
    (void)rc;
    return dir_check_subset(c->cache_dir, &c->cache_ref);
}

int main(void)
{
    log_init(LOG_OFF, 0);
    json_set_alloc_funcs(mlac_malloc, free);
    mlac_err err = {0};
    features_ctx c;
    memset(&c, 0, sizeof c);
    char root[256];
    dir_make_temp(root, sizeof root, "allocfeat");
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/cache", root);
    char data_dir[300];
    snprintf(data_dir, sizeof data_dir, "%s/data", root);

    /* a 1.5 s two-tone clip at 16 kHz: resampled to 22.05 kHz and cut to 1 s */
    audio_clip clip = {0};
    clip.rate = 16000;
    clip.n = 24000;
    clip.samples = malloc(clip.n * sizeof(float));
    for (size_t i = 0; i < clip.n; i++)
        clip.samples[i] = 0.3f * sinf(2 * (float)M_PI * 440.0f * (float)i / 16000.0f) +
                          0.1f * sinf(2 * (float)M_PI * 3100.0f * (float)i / 16000.0f);
    void *wav = NULL;
    size_t wav_n = 0;
    CHECK_OK(audio_encode_wav(&clip, 1, &wav, &wav_n, &err), &err);
    free(clip.samples);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", data_dir, CLIP);
    CHECK_OK(fs_write_atomic(path, wav, wav_n, &err), &err);
    free(wav);
    CHECK_OK(store_open(data_dir, &c.data, &err), &err);

    alloc_path cold = {"feature extraction (cache miss, entry written)", run_features, after_cold, &c, 0};
    CHECK(alloc_sweep(&cold) >= 20);

    /* fill the cache once, then every run reads it */
    CHECK_OK(run_features(&c, 0, &err), &err);
    c.warm = 1;
    alloc_path warm = {"feature extraction (cache hit)", run_features, after_warm, &c, 0};
    CHECK(alloc_sweep(&warm) >= 3);

    free(c.ref[0]);
    free(c.ref[1]);
    dir_snapshot_release(&c.cache_ref);
    store_free(c.data);
    dir_remove(root);
    TEST_MAIN_END();
}
