/* inputs.c — the skeleton every input row goes through (see inputs.h).
 *
 * Clips are taken in chunks. A source with no batch step (the audio source) has one chunk of all
 * clips: each worker reads, hashes, looks up, decodes and computes its clips and writes their rows
 * straight to the tables (distinct rows; row-file puts may run at once). A source with a batch
 * step (the embedder) takes chunks of a few clips per worker, so the staged work stays bounded:
 * after each chunk's parallel step its clips join the batch in clip order. The first failing
 * clip in path order wins: a worker records a failure only when it is earlier than the one
 * recorded, clips after a recorded failure are skipped, and the in-order step stops before it.
 */
#include "exp/inputs_source.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_CHUNK_MIN 16 /* clips per chunk at least, for a source with a batch step */

typedef struct chunk_job {
    input_build *b;
    const struct input_source *source;
    audio_scratch *scratch;  /* (threads,) decode and resample buffers, reused across clips */
    size_t base;             /* index of the chunk's first clip */
    input_slot *slots;       /* (chunk,) for a source that stages, else (threads,) one per worker */
} chunk_job;

static float *row_of(const input_build *b, int w, int kind)
{
    return b->rows[(size_t)w * INPUT_KIND_COUNT + (size_t)kind];
}

static int wanted(const input_build *b, int kind)
{
    return (b->kinds >> kind) & 1u;
}

static int table_put(feature_table *t, size_t i, const float *row, mlac_err *err)
{
    if (t->file)
        return row_file_put(t->file, i, row, err);
    memcpy(t->rows + i * t->dim, row, t->dim * sizeof *row);
    return MLAC_OK;
}

/* The clip's bytes, from the store or (no store) the local file; where names it in messages. */
static int read_clip(const input_build *b, const char *src, buf *bytes, char *where, size_t n, mlac_err *err)
{
    if (b->s->data) {
        store_describe(b->s->data, src, where, n);
        return store_read(b->s->data, src, bytes, err);
    }
    snprintf(where, n, "%s", src);
    return fs_read_file(src, bytes, STORE_MAX_OBJECT, err);
}

static void progress_one(input_build *b)
{
    b->done++;
    if (b->s->progress)
        b->s->progress(b->s->progress_ctx, b->done, b->n);
}

/* Decodes the clip (its metadata into meta) and computes the rows of the kinds in missing. */
static int decode_compute(chunk_job *job, int w, size_t i, const buf *bytes, const char *where, unsigned missing,
                          int meta_missing, const char *meta_key, float *meta, input_slot *slot, mlac_err *err)
{
    input_build *b = job->b;
    audio_clip clip = {0}; /* a view into job->scratch[w] */
    audio_info info;
    double rms = 0;
    int rc = audio_load_reuse(&job->scratch[w], bytes->data, bytes->len, where, b->rate, b->seconds, b->offset, NULL,
                              &clip, &info, &rms, err);
    if (!rc && meta_missing) {
        meta[0] = (float)((double)info.frames / info.rate), meta[1] = (float)info.rate;
        meta[2] = (float)info.channels, meta[3] = (float)rms;
        rc = feature_cache_put(b->s->cache, meta_key, meta, FEATURE_META_DIM, err);
    }
    if (!rc && missing)
        rc = job->source->compute(b, w, i, where, &clip, missing, slot, err);
    if (rc && err && err->msg[0] && !strstr(err->msg, where))
        mlac_err_prefix(err, "'%s': ", where);
    for (int k = 0; !rc && k < INPUT_KIND_COUNT; k++)
        if ((missing & ~slot->staged) >> k & 1u)
            rc = feature_cache_put(b->s->cache, slot->key[k], row_of(b, w, k), b->out[k].dim, err);
    return rc;
}

/* Clip i on worker w: read, hash, look up, decode and compute on a miss, rows to the tables
 * (all but the staged ones). */
static int clip_step(chunk_job *job, size_t i, int w, input_slot *slot, mlac_err *err)
{
    input_build *b = job->b;
    char where[4096], content[65], meta_key[65];
    float meta[FEATURE_META_DIM] = {0};
    buf bytes;
    buf_init(&bytes, STORE_MAX_OBJECT);
    int rc = read_clip(b, b->clips[i].src, &bytes, where, sizeof where, err);
    if (rc)
        goto out;
    hash_sha256_hex(bytes.data, bytes.len, content);
    int meta_missing = 0;
    if (job->source->keeps_meta) {
        feature_cache_key("clip_meta", "seconds,rate,channels,rms v1", content, meta_key); /* not per clip length */
        meta_missing = !feature_cache_get(b->s->cache, meta_key, meta, FEATURE_META_DIM);
    }
    unsigned missing = 0;
    for (int k = 0; k < INPUT_KIND_COUNT; k++) {
        if (!wanted(b, k))
            continue;
        feature_cache_key(input_kind_of((enum model_input)k)->name, b->key_text[k], content, slot->key[k]);
        if (!feature_cache_get(b->s->cache, slot->key[k], row_of(b, w, k), b->out[k].dim))
            missing |= 1u << k;
    }
    if (!missing) {
        pthread_mutex_lock(&b->lock);
        b->hits++;
        pthread_mutex_unlock(&b->lock);
    }
    if (missing || meta_missing)
        rc = decode_compute(job, w, i, &bytes, where, missing, meta_missing, meta_key, meta, slot, err);
    for (int k = 0; !rc && k < INPUT_KIND_COUNT; k++)
        if (wanted(b, k) && !(slot->staged >> k & 1u))
            rc = table_put(&b->out[k], i, row_of(b, w, k), err);
    for (int k = 0; !rc && job->source->keeps_meta && k < INPUT_KIND_COUNT; k++)
        if (wanted(b, k))
            memcpy(b->out[k].meta + i * FEATURE_META_DIM, meta, sizeof meta);
out:
    buf_release(&bytes);
    return rc;
}

static void clip_one(void *ctx, size_t k, int w)
{
    chunk_job *job = ctx;
    input_build *b = job->b;
    size_t i = job->base + k;
    pthread_mutex_lock(&b->lock);
    int skip = i > b->failed_at; /* an earlier clip failed: its error is the build's */
    pthread_mutex_unlock(&b->lock);
    if (skip)
        return;
    input_slot *slot = job->source->stage ? &job->slots[k] : &job->slots[w];
    slot->staged = 0;
    mlac_err err = {0};
    int rc = b->s->cancel && *b->s->cancel ? mlac_errf(&err, MLAC_ECANCEL, "%s", job->source->cancelled)
                                           : clip_step(job, i, w, slot, &err);
    pthread_mutex_lock(&b->lock);
    if (rc && i < b->failed_at) {
        b->failed_at = i;
        b->failed = rc;
        b->first_err = err;
    } else if (!rc && !slot->staged) {
        progress_one(b);
    }
    pthread_mutex_unlock(&b->lock);
}

int input_row_done(input_build *b, size_t i, int kind, const char *key, const float *row, int last, mlac_err *err)
{
    int rc = feature_cache_put(b->s->cache, key, row, b->out[kind].dim, err);
    if (!rc)
        rc = table_put(&b->out[kind], i, row, err);
    if (!rc && last) {
        pthread_mutex_lock(&b->lock);
        progress_one(b);
        pthread_mutex_unlock(&b->lock);
    }
    return rc;
}

int inputs_table_prepare(feature_table *t, enum model_input kind, const input_clip *clips, size_t n, size_t dim,
                         int in_memory, const char *scratch_dir, mlac_err *err)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->dim = dim;
    if (!(t->paths = calloc(n ? n : 1, sizeof *t->paths)))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    for (t->n = 0; t->n < n; t->n++)
        if (!(t->paths[t->n] = strdup(clips[t->n].path)))
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    if (in_memory) {
        if (!(t->rows = malloc((n ? n : 1) * (dim ? dim : 1) * sizeof *t->rows)))
            return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu %s rows", n, input_kind_of(kind)->name);
        return MLAC_OK;
    }
    char what[64];
    snprintf(what, sizeof what, "%s rows", input_kind_of(kind)->name);
    return row_file_create(scratch_dir, what, n, dim, &t->file, err);
}

/* The one source that makes every kind in kinds, or NULL. */
static const struct input_source *source_of(unsigned kinds)
{
    const struct input_source *source = NULL;
    for (int k = 0; k < INPUT_KIND_COUNT; k++) {
        const struct input_kind *kind = input_kind_of((enum model_input)k);
        if (!(kinds >> k & 1u))
            continue;
        if (source && kind->source != source)
            return NULL;
        source = kind->source;
    }
    return source;
}

/* The tables of the wanted kinds and each worker's row buffers, once the source is open. */
static int prepare_tables(input_build *b, int keeps_meta, int in_memory, mlac_err *err)
{
    const char *scratch_dir = feature_cache_dir(b->s->cache);
    if (!scratch_dir)
        scratch_dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int rc = MLAC_OK;
    for (int k = 0; !rc && k < INPUT_KIND_COUNT; k++) {
        if (!wanted(b, k))
            continue;
        const struct input_kind *kind = input_kind_of((enum model_input)k);
        kind->key_text(&b->params, b->key_text[k], sizeof b->key_text[k]);
        rc = inputs_table_prepare(&b->out[k], (enum model_input)k, b->clips, b->n, kind->dim(&b->params), in_memory,
                                  scratch_dir, err);
        if (!rc && keeps_meta && !(b->out[k].meta = malloc((b->n ? b->n : 1) * FEATURE_META_DIM * sizeof(float))))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu feature rows", b->n);
    }
    if (!rc && !(b->rows = calloc((size_t)b->threads * INPUT_KIND_COUNT, sizeof *b->rows)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature rows");
    for (size_t j = 0; !rc && j < (size_t)b->threads * INPUT_KIND_COUNT; j++)
        if (wanted(b, (int)(j % INPUT_KIND_COUNT)) &&
            !(b->rows[j] = malloc((b->out[j % INPUT_KIND_COUNT].dim ? b->out[j % INPUT_KIND_COUNT].dim : 1) *
                                  sizeof(float))))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature rows");
    return rc;
}

static void prefetch(const input_build *b)
{
    if (!b->s->data)
        return;
    const char **srcs = malloc((b->n ? b->n : 1) * sizeof *srcs); /* gs://: many downloads at once */
    for (size_t i = 0; srcs && i < b->n; i++)
        srcs[i] = b->clips[i].src;
    if (srcs)
        store_prefetch(b->s->data, srcs, b->n);
    free(srcs);
}

/* Every chunk: the parallel step, then (a source that stages) the in-order step. */
static int run_chunks(chunk_job *job, size_t chunk, mlac_err *err)
{
    input_build *b = job->b;
    int rc = MLAC_OK;
    for (size_t base = 0; !rc && base < b->n; base += chunk) {
        size_t m = b->n - base < chunk ? b->n - base : chunk;
        job->base = base;
        pool_for(b->threads, m, clip_one, job);
        for (size_t k = 0; !rc && job->source->stage && base + k < b->failed_at && k < m; k++)
            if (job->slots[k].staged)
                rc = job->source->stage(b, base + k, &job->slots[k], err);
        for (size_t k = 0; job->source->stage && k < m; k++) {
            free(job->slots[k].work);
            job->slots[k].work = NULL;
        }
        if (!rc && b->failed) {
            rc = b->failed;
            if (err)
                *err = b->first_err;
        }
    }
    if (!rc && job->source->finish)
        rc = job->source->finish(b, err);
    return rc;
}

int inputs_build(const input_clip *clips, size_t n, unsigned kinds, const input_settings *s, feature_table *out,
                 mlac_err *err)
{
    kinds &= (1u << INPUT_KIND_COUNT) - 1;
    const struct input_source *source = source_of(kinds);
    if (!kinds)
        return mlac_errf(err, MLAC_EINVAL, "no input kind requested");
    if (!source)
        return mlac_errf(err, MLAC_EINVAL, "input kinds of different sources in one build");
    for (int k = 0; k < INPUT_KIND_COUNT; k++)
        if (kinds >> k & 1u)
            memset(&out[k], 0, sizeof out[k]);
    input_build b = {.s = s, .clips = clips, .n = n, .kinds = kinds, .out = out, .threads = s->threads > 0 ? s->threads : 1,
                     .params = {.feat = s->feat, .clip_seconds = s->clip_seconds,
                                .pooling = s->embed ? s->embed->pooling : EMBED_POOL_MEAN},
                     .failed_at = n};
    pthread_mutex_init(&b.lock, NULL);
    size_t chunk = source->stage ? (size_t)b.threads * source->chunk_per_worker : n;
    chunk = source->stage && chunk < INPUT_CHUNK_MIN ? INPUT_CHUNK_MIN : chunk;
    chunk_job job = {.b = &b, .source = source};
    int rc = source->open(&b, err);
    if (!rc)
        rc = prepare_tables(&b, source->keeps_meta, source->rows_in_memory, err);
    if (!rc && (!(job.scratch = calloc((size_t)b.threads, sizeof *job.scratch)) ||
                !(job.slots = calloc(source->stage ? chunk : (size_t)b.threads, sizeof *job.slots))))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for feature workers");
    if (!rc) {
        prefetch(&b);
        rc = run_chunks(&job, chunk ? chunk : 1, err);
        for (int k = 0; k < INPUT_KIND_COUNT; k++)
            if (wanted(&b, k))
                out[k].cache_hits = b.hits;
    }
    source->close(&b);
    for (int w = 0; job.scratch && w < b.threads; w++)
        audio_scratch_release(&job.scratch[w]);
    free(job.scratch);
    free(job.slots);
    for (size_t j = 0; b.rows && j < (size_t)b.threads * INPUT_KIND_COUNT; j++)
        free(b.rows[j]);
    free(b.rows);
    pthread_mutex_destroy(&b.lock);
    for (int k = 0; rc && k < INPUT_KIND_COUNT; k++)
        if (wanted(&b, k))
            feature_table_release(&out[k]);
    return rc;
}
