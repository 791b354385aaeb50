/* clip_features.c — computing and caching the per-clip feature rows (see clip_features.h). */
#include "exp/clip_features.h"
#include "audio/audio.h"
#include "core/cancel.h"
#include "core/hash.h"
#include "core/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t feature_input_dim(enum model_input kind, const feat_params *fp)
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

int clip_features_paths(const dataset *d, const strlist *species, strlist *out, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        for (size_t k = 0; !rc && sp && k < sp->n_clips; k++)
            rc = strlist_push(out, sp->clips[k].path, err);
    }
    strlist_sort(out);
    size_t w = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (w && !strcmp(out->items[i], out->items[w - 1]))
            free(out->items[i]);
        else
            out->items[w++] = out->items[i];
    }
    out->n = w;
    return rc;
}

/* The table's own copy of the clip paths. */
static int copy_paths(const strlist *paths, feature_table *t, mlac_err *err)
{
    t->paths = calloc(paths->n ? paths->n : 1, sizeof *t->paths);
    if (!t->paths)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    for (t->n = 0; t->n < paths->n; t->n++)
        if (!(t->paths[t->n] = strdup(paths->items[t->n])))
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    return MLAC_OK;
}

#define N_AUDIO_KINDS 2 /* INPUT_SUMMARY and INPUT_LOGMEL_IMAGE: computed from audio here */

struct build_job {
    store *data;
    feature_table *tables;  /* (N_AUDIO_KINDS,) indexed by kind; n == 0 when not wanted */
    unsigned kinds;
    size_t n;               /* clips: every wanted table has the same sorted paths */
    const feat_params *fp;
    double clip_seconds;
    feature_cache *cache;
    char params_text[N_AUDIO_KINDS][1024]; /* per kind: only the parameters that kind depends on */
    feat_plan **plans;      /* (threads,) one per worker */
    audio_scratch *scratch; /* (threads,) decode/resample buffers per worker, reused across clips */
    pthread_mutex_t lock;
    int failed;             /* first failure wins */
    mlac_err first_err;
    size_t done;
    feature_progress_fn progress;
    void *progress_ctx;
    size_t hits;
    float **rows;           /* (threads * N_AUDIO_KINDS,) one row buffer per worker and kind */
    const volatile sig_atomic_t *cancel; /* the caller's thread flag (core/cancel.h); may be NULL */
};

/* The worker's buffer for a row of the kind, written to the kind's row file when complete. */
static float *row_buffer(struct build_job *job, int kind, int worker)
{
    return (job->kinds & (1u << kind)) ? job->rows[worker * N_AUDIO_KINDS + kind] : NULL;
}

static int compute_row(struct build_job *job, size_t i, int worker, mlac_err *err)
{
    int complete = 0; /* 1 once every wanted row is in the worker's buffers: then they go to the row files */
    const char *path = job->tables[(job->kinds & 1u) ? INPUT_SUMMARY : INPUT_LOGMEL_IMAGE].paths[i];
    char where[4096];
    store_describe(job->data, path, where, sizeof where);
    buf bytes;
    buf_init(&bytes, STORE_MAX_OBJECT);
    audio_clip clip = {0}; /* a view into job->scratch[worker] */
    int rc = store_read(job->data, path, &bytes, err);
    if (rc)
        goto out;
    char content[65], keys[N_AUDIO_KINDS][65], meta_key[65];
    hash_sha256_hex(bytes.data, bytes.len, content);
    float meta[FEATURE_META_DIM];
    feature_cache_key("clip_meta", "seconds,rate,channels,rms v1", content, meta_key); /* not per clip length */
    int meta_missing = !feature_cache_get(job->cache, meta_key, meta, FEATURE_META_DIM);
    int missing = 0;
    for (int k = 0; k < N_AUDIO_KINDS; k++) {
        if (!(job->kinds & (1u << k)))
            continue;
        feature_cache_key(feature_input_name((enum model_input)k), job->params_text[k], content, keys[k]);
        if (!feature_cache_get(job->cache, keys[k], row_buffer(job, k, worker), job->tables[k].dim))
            missing |= 1 << k;
    }
    if (!missing) {
        pthread_mutex_lock(&job->lock);
        job->hits++;
        pthread_mutex_unlock(&job->lock);
        if (!meta_missing) {
            complete = 1;
            goto out;
        }
    }
    audio_info info;
    double rms = 0;
    rc = audio_load_reuse(&job->scratch[worker], bytes.data, bytes.len, where, job->fp->sample_rate,
                          job->clip_seconds, AUDIO_OFFSET_CENTRE, NULL, &clip, &info, &rms, err);
    if (!rc && meta_missing) {
        meta[0] = (float)((double)info.frames / info.rate), meta[1] = (float)info.rate;
        meta[2] = (float)info.channels, meta[3] = (float)rms;
        rc = feature_cache_put(job->cache, meta_key, meta, FEATURE_META_DIM, err);
    }
    float *summary = (missing & (1 << INPUT_SUMMARY)) ? row_buffer(job, INPUT_SUMMARY, worker) : NULL;
    float *image = (missing & (1 << INPUT_LOGMEL_IMAGE)) ? row_buffer(job, INPUT_LOGMEL_IMAGE, worker) : NULL;
    if (!rc && missing)
        rc = feat_summary_image(job->plans[worker], clip.samples, clip.n, summary, image, err);
    if (rc) {
        if (err->msg[0] && !strstr(err->msg, where))
            mlac_err_prefix(err, "'%s': ", where);
        goto out;
    }
    for (int k = 0; !rc && k < N_AUDIO_KINDS; k++)
        if (missing & (1 << k))
            rc = feature_cache_put(job->cache, keys[k], row_buffer(job, k, worker), job->tables[k].dim, err);
    complete = !rc;
out:
    for (int k = 0; complete && !rc && k < N_AUDIO_KINDS; k++)
        if (job->kinds & (1u << k))
            rc = row_file_put(job->tables[k].file, i, row_buffer(job, k, worker), err);
    for (int k = 0; !rc && k < N_AUDIO_KINDS; k++)
        if (job->kinds & (1u << k))
            memcpy(job->tables[k].meta + i * FEATURE_META_DIM, meta, sizeof meta);
    buf_release(&bytes);
    return rc;
}

static void build_one(void *ctx, size_t i, int worker)
{
    struct build_job *job = ctx;
    if (job->failed)
        return;
    mlac_err err = {0};
    int rc = job->cancel && *job->cancel ? mlac_errf(&err, MLAC_ECANCEL, "feature extraction cancelled")
                                         : compute_row(job, i, worker, &err);
    pthread_mutex_lock(&job->lock);
    if (rc && !job->failed) {
        job->failed = rc;
        job->first_err = err;
    }
    job->done++;
    if (job->progress)
        job->progress(job->progress_ctx, job->done, job->n);
    pthread_mutex_unlock(&job->lock);
}

static int prepare_table(const strlist *paths, int kind, const feat_params *fp, const char *scratch_dir,
                         feature_table *t, mlac_err *err)
{
    memset(t, 0, sizeof *t);
    t->kind = (enum model_input)kind;
    t->dim = feature_input_dim(t->kind, fp);
    int rc = copy_paths(paths, t, err);
    if (!rc && !(t->meta = malloc((t->n ? t->n : 1) * FEATURE_META_DIM * sizeof(float))))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu feature rows", t->n);
    char what[64];
    snprintf(what, sizeof what, "%s rows", feature_input_name(t->kind));
    if (!rc)
        rc = row_file_create(scratch_dir, what, t->n, t->dim, &t->file, err);
    return rc;
}

int feature_tables_build(store *data, const dataset *d, const strlist *species, unsigned kinds,
                         const feat_params *fp, double clip_seconds, feature_cache *cache, int threads,
                         feature_progress_fn progress, void *progress_ctx, feature_table *out, mlac_err *err)
{
    strlist paths;
    strlist_init(&paths);
    int rc = clip_features_paths(d, species, &paths, err);
    if (!rc)
        rc = feature_tables_build_clips(data, &paths, kinds, fp, clip_seconds, cache, threads, progress, progress_ctx,
                                        out, err);
    strlist_release(&paths);
    return rc;
}

int feature_tables_build_clips(store *data, const strlist *paths, unsigned kinds, const feat_params *fp,
                               double clip_seconds, feature_cache *cache, int threads, feature_progress_fn progress,
                               void *progress_ctx, feature_table *out, mlac_err *err)
{
    kinds &= (1u << N_AUDIO_KINDS) - 1;
    if (!kinds)
        return mlac_errf(err, MLAC_EINVAL, "no audio feature kind requested");
    if (threads < 1)
        threads = 1;
    struct build_job job = {.data = data, .tables = out, .kinds = kinds, .fp = fp, .clip_seconds = clip_seconds,
                            .cache = cache, .progress = progress, .progress_ctx = progress_ctx,
                            .cancel = cancel_current()};
    pthread_mutex_init(&job.lock, NULL);
    char fdesc[900];
    for (int k = 0; k < N_AUDIO_KINDS; k++) {
        feat_params kp = *fp;
        if (k == INPUT_SUMMARY)
            kp.image_size = 0; /* the MFCC summary does not depend on the image size (issue 13) */
        feat_params_describe(&kp, fdesc, sizeof fdesc);
        snprintf(job.params_text[k], sizeof job.params_text[k], "%s clip_seconds=%.6f offset=centre", fdesc,
                 clip_seconds);
    }
    const char *scratch_dir = feature_cache_dir(cache);
    if (!scratch_dir)
        scratch_dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int rc = MLAC_OK;
    for (int k = 0; !rc && k < N_AUDIO_KINDS; k++)
        if (kinds & (1u << k)) {
            rc = prepare_table(paths, k, fp, scratch_dir, &out[k], err);
            job.n = out[k].n;
        }
    if (!rc && (!(job.plans = calloc((size_t)threads, sizeof *job.plans)) ||
                !(job.scratch = calloc((size_t)threads, sizeof *job.scratch)) ||
                !(job.rows = calloc((size_t)threads * N_AUDIO_KINDS, sizeof *job.rows))))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature plans");
    for (int j = 0; !rc && j < threads * N_AUDIO_KINDS; j++)
        if ((kinds & (1u << (j % N_AUDIO_KINDS))) &&
            !(job.rows[j] = malloc(out[j % N_AUDIO_KINDS].dim * sizeof(float))))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature rows");
    for (int w = 0; !rc && w < threads; w++)
        rc = feat_plan_new(fp, &job.plans[w], err);
    if (!rc) {
        /* gs://: start many downloads at once; the workers below read what has landed */
        store_prefetch(data, (const char *const *)out[(kinds & 1u) ? INPUT_SUMMARY : INPUT_LOGMEL_IMAGE].paths, job.n);
        pool_for(threads, job.n, build_one, &job);
        if (job.failed) {
            rc = job.failed;
            if (err)
                *err = job.first_err;
        }
        for (int k = 0; k < N_AUDIO_KINDS; k++)
            out[k].cache_hits = (kinds & (1u << k)) ? job.hits : 0;
    }
    for (int w = 0; job.plans && w < threads; w++)
        feat_plan_free(job.plans[w]);
    for (int w = 0; job.scratch && w < threads; w++)
        audio_scratch_release(&job.scratch[w]);
    free(job.plans);
    for (int j = 0; job.rows && j < threads * N_AUDIO_KINDS; j++)
        free(job.rows[j]);
    free(job.rows);
    free(job.scratch);
    pthread_mutex_destroy(&job.lock);
    for (int k = 0; rc && k < N_AUDIO_KINDS; k++)
        feature_table_release(&out[k]);
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
    row_file_free(t->file);
    free(t->meta);
    t->paths = NULL;
    t->rows = NULL;
    t->file = NULL;
    t->meta = NULL;
    t->n = 0;
}

const float *feature_table_row(const feature_table *t, const char *path)
{
    char **hit = t->rows ? bsearch(&path, t->paths, t->n, sizeof *t->paths, cmp_path) : NULL;
    return hit ? t->rows + (size_t)(hit - t->paths) * t->dim : NULL;
}

int feature_table_read(const feature_table *t, const char *path, float *out, mlac_err *err)
{
    char **hit = t->n ? bsearch(&path, t->paths, t->n, sizeof *t->paths, cmp_path) : NULL;
    if (!hit || (!t->rows && !t->file))
        return mlac_errf(err, MLAC_ENOTFOUND, "no %s features for '%s'", feature_input_name(t->kind), path);
    size_t i = (size_t)(hit - t->paths);
    if (t->file)
        return row_file_get(t->file, i, out, err);
    memcpy(out, t->rows + i * t->dim, t->dim * sizeof(float));
    return MLAC_OK;
}

const float *feature_table_meta(const feature_table *t, const char *path)
{
    if (!t->meta || !t->n)
        return NULL;
    char **hit = bsearch(&path, t->paths, t->n, sizeof *t->paths, cmp_path);
    return hit ? t->meta + (size_t)(hit - t->paths) * FEATURE_META_DIM : NULL;
}
