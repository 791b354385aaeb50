/* clip_features.c — computing and caching the per-clip feature rows (see clip_features.h). */
#include "exp/clip_features.h"
#include "audio/audio.h"
#include "core/hash.h"
#include "core/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t feature_input_dim(enum model_input kind, const feat_params *fp)
{
    switch (kind) {
    case INPUT_SUMMARY:
        return (size_t)FEAT_SUMMARY_DIM(fp);
    case INPUT_LOGMEL_IMAGE:
        return (size_t)fp->image_size * (size_t)fp->image_size;
    default:
        return 0;
    }
}

const char *feature_input_name(enum model_input kind)
{
    static const char *names[] = {"summary", "logmel_image", "embedding"};
    return kind <= INPUT_EMBEDDING ? names[kind] : "?";
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct paths of every clip of the chosen species, sorted. */
static int collect_paths(const dataset *d, const strlist *species, feature_table *t, mlac_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        total += sp ? sp->n_clips : 0;
    }
    t->paths = calloc(total ? total : 1, sizeof *t->paths);
    if (!t->paths)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        for (size_t k = 0; sp && k < sp->n_clips; k++)
            t->paths[t->n++] = sp->clips[k].path; /* borrowed until deduplicated below */
    }
    qsort(t->paths, t->n, sizeof *t->paths, cmp_path);
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++)
        if (w == 0 || strcmp(t->paths[i], t->paths[w - 1]))
            t->paths[w++] = t->paths[i];
    t->n = w;
    for (size_t i = 0; i < t->n; i++)
        if (!(t->paths[i] = strdup(t->paths[i]))) {
            t->n = i;
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
        }
    return MLAC_OK;
}

struct build_job {
    store *data;
    feature_table *t;
    const feat_params *fp;
    double clip_seconds;
    feature_cache *cache;
    char params_text[1024];
    feat_plan **plans;      /* (threads,) one per worker */
    pthread_mutex_t lock;
    int failed;             /* first failure wins */
    mlac_err first_err;
    size_t done;
    feature_progress_fn progress;
    void *progress_ctx;
    size_t hits;
};

static int compute_row(struct build_job *job, size_t i, int worker, mlac_err *err)
{
    feature_table *t = job->t;
    float *row = t->rows + i * t->dim;
    char where[4096];
    store_describe(job->data, t->paths[i], where, sizeof where);
    buf bytes;
    buf_init(&bytes, STORE_MAX_OBJECT);
    audio_clip clip = {0};
    int rc = store_read(job->data, t->paths[i], &bytes, err);
    if (rc)
        goto out;
    char content[65], key[65];
    hash_sha256_hex(bytes.data, bytes.len, content);
    feature_cache_key(feature_input_name(t->kind), job->params_text, content, key);
    if (feature_cache_get(job->cache, key, row, t->dim)) {
        pthread_mutex_lock(&job->lock);
        job->hits++;
        pthread_mutex_unlock(&job->lock);
        goto out;
    }
    rc = audio_load(bytes.data, bytes.len, where, job->fp->sample_rate, job->clip_seconds, AUDIO_OFFSET_CENTRE,
                    NULL, &clip, err);
    if (rc)
        goto out;
    feat_plan *plan = job->plans[worker];
    rc = t->kind == INPUT_SUMMARY ? feat_summary(plan, clip.samples, clip.n, row, err)
                                  : feat_logmel_image(plan, clip.samples, clip.n, row, err);
    if (rc) {
        mlac_err_prefix(err, "'%s': ", where);
        goto out;
    }
    rc = feature_cache_put(job->cache, key, row, t->dim, err);
out:
    audio_clip_release(&clip);
    buf_release(&bytes);
    return rc;
}

static void build_one(void *ctx, size_t i, int worker)
{
    struct build_job *job = ctx;
    if (job->failed)
        return;
    mlac_err err = {0};
    int rc = compute_row(job, i, worker, &err);
    pthread_mutex_lock(&job->lock);
    if (rc && !job->failed) {
        job->failed = rc;
        job->first_err = err;
    }
    job->done++;
    if (job->progress)
        job->progress(job->progress_ctx, job->done, job->t->n);
    pthread_mutex_unlock(&job->lock);
}

int feature_table_build(store *data, const dataset *d, const strlist *species, enum model_input kind,
                        const feat_params *fp, double clip_seconds, feature_cache *cache, int threads,
                        feature_progress_fn progress, void *progress_ctx, feature_table *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->dim = feature_input_dim(kind, fp);
    if (!out->dim)
        return mlac_errf(err, MLAC_EINVAL, "no feature table for input '%s'", feature_input_name(kind));
    if (threads < 1)
        threads = 1;
    struct build_job job = {.data = data, .t = out, .fp = fp, .clip_seconds = clip_seconds, .cache = cache,
                            .progress = progress, .progress_ctx = progress_ctx};
    pthread_mutex_init(&job.lock, NULL);
    char fdesc[900];
    feat_params_describe(fp, fdesc, sizeof fdesc);
    snprintf(job.params_text, sizeof job.params_text, "%s clip_seconds=%.6f offset=centre", fdesc, clip_seconds);
    int rc = collect_paths(d, species, out, err);
    if (!rc && !(out->rows = malloc((out->n ? out->n : 1) * out->dim * sizeof(float))))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu feature rows", out->n);
    if (!rc && !(job.plans = calloc((size_t)threads, sizeof *job.plans)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature plans");
    for (int w = 0; !rc && w < threads; w++)
        rc = feat_plan_new(fp, &job.plans[w], err);
    if (!rc) {
        pool_for(threads, out->n, build_one, &job);
        if (job.failed) {
            rc = job.failed;
            if (err)
                *err = job.first_err;
        }
        out->cache_hits = job.hits;
    }
    for (int w = 0; job.plans && w < threads; w++)
        feat_plan_free(job.plans[w]);
    free(job.plans);
    pthread_mutex_destroy(&job.lock);
    if (rc)
        feature_table_release(out);
    return rc;
}

void feature_table_release(feature_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->paths && i < t->n; i++)
        free(t->paths[i]);
    free(t->paths);
    free(t->rows);
    t->paths = NULL;
    t->rows = NULL;
    t->n = 0;
}

const float *feature_table_row(const feature_table *t, const char *path)
{
    char **hit = bsearch(&path, t->paths, t->n, sizeof *t->paths, cmp_path);
    return hit ? t->rows + (size_t)(hit - t->paths) * t->dim : NULL;
}
