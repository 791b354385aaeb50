/* embed_table.c — building a run's embedding rows (see embed_table.h).
 *
 * Command route, in chunks of clips so memory stays bounded: (1) in parallel, each clip of the
 * chunk is read, hashed and looked up in the cache; a miss is decoded, resampled and cut into
 * windows; (2) in clip order, the misses' windows join a pending batch, which goes to the
 * embedder once it holds batch_windows windows (and at the end); each clip's vectors are pooled
 * into its row and stored in the cache. Rows depend only on the clip's bytes and the settings,
 * never on the thread count or the batch boundaries (the program sees each window alone).
 * When several clips of a chunk fail, the error of the first clip (in path order) is reported.
 */
#include "exp/embed_table.h"
#include "audio/audio.h"
#include "core/hash.h"
#include "core/pool.h"
#include "embed/embed_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define CHUNK_MIN 16

typedef struct clip_src {
    char *path;       /* data/ store path: the row's key, owned by the table */
    const char *src;  /* what is read: the path or its data_5s twin (borrowed from the dataset) */
} clip_src;

static int cmp_src(const void *a, const void *b)
{
    return strcmp(((const clip_src *)a)->path, ((const clip_src *)b)->path);
}

/* Distinct clips of the species sorted by path, and the table's paths. */
static int collect_clips(const dataset *d, const strlist *species, int use_5s, clip_src **out, feature_table *t,
                         mlac_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        total += sp ? sp->n_clips : 0;
    }
    clip_src *c = calloc(total ? total : 1, sizeof *c);
    t->paths = calloc(total ? total : 1, sizeof *t->paths);
    if (!c || !t->paths) {
        free(c);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    }
    size_t n = 0;
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        for (size_t k = 0; sp && k < sp->n_clips; k++) {
            const clip_ref *r = &sp->clips[k];
            c[n++] = (clip_src){r->path, use_5s && r->path5s ? r->path5s : r->path};
        }
    }
    qsort(c, n, sizeof *c, cmp_src);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || strcmp(c[i].path, c[w - 1].path))
            c[w++] = c[i];
    for (size_t i = 0; i < w; i++) {
        if (!(t->paths[i] = strdup(c[i].path))) {
            t->n = i;
            free(c);
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
        }
        c[i].path = t->paths[i];
    }
    t->n = w;
    *out = c;
    return MLAC_OK;
}

/* ---- the command route ------------------------------------------------------------------- */

typedef struct slot {
    int rc;             /* this clip's status */
    mlac_err err;
    int hit;            /* row filled from the cache */
    char key[65];       /* cache key */
    float *windows;     /* (n_win, win) on a miss, owned */
    size_t n_win;
} slot;

typedef struct cmd_job {
    store *data;
    const clip_src *clips;
    feature_table *t;
    const embed_config *cfg;
    const embed_info *info;
    size_t win, hop;
    char params[512];
    size_t base;        /* index of the chunk's first clip */
    slot *slots;        /* (chunk,) */
} cmd_job;

static int load_clip(cmd_job *job, size_t i, slot *s)
{
    const clip_src *c = &job->clips[i];
    char where[4096];
    store_describe(job->data, c->src, where, sizeof where);
    buf bytes;
    buf_init(&bytes, STORE_MAX_OBJECT);
    audio_clip clip = {0};
    int rc = store_read(job->data, c->src, &bytes, &s->err);
    if (rc)
        goto out;
    char content[65];
    hash_sha256_hex(bytes.data, bytes.len, content);
    feature_cache_key("embedding", job->params, content, s->key);
    if (feature_cache_get(job->cfg->cache, s->key, job->t->rows + i * job->t->dim, job->t->dim)) {
        s->hit = 1;
        goto out;
    }
    rc = audio_load(bytes.data, bytes.len, where, job->info->rate, 0, AUDIO_OFFSET_START, NULL, &clip, &s->err);
    if (rc)
        goto out;
    s->n_win = embed_window_count(clip.n, job->win, job->hop);
    if (s->n_win > EMBED_MAX_WINDOWS_CLIP) {
        rc = mlac_errf(&s->err, MLAC_EINVAL, "'%s' is %.0f s long: more than %d embedding windows", where,
                       (double)clip.n / clip.rate, EMBED_MAX_WINDOWS_CLIP);
        goto out;
    }
    if (!(s->windows = malloc(s->n_win * job->win * sizeof *s->windows))) {
        rc = mlac_errf(&s->err, MLAC_ENOMEM, "out of memory for the windows of '%s'", where);
        goto out;
    }
    for (size_t k = 0; k < s->n_win; k++)
        embed_window_copy(clip.samples, clip.n, job->win, job->hop, k, s->windows + k * job->win);
out:
    audio_clip_release(&clip);
    buf_release(&bytes);
    return rc;
}

static void load_one(void *ctx, size_t k, int worker)
{
    (void)worker;
    cmd_job *job = ctx;
    slot *s = &job->slots[k];
    s->rc = load_clip(job, job->base + k, s);
}

/* Windows waiting for the embedder, and whose rows they are. */
typedef struct pending {
    float *windows;     /* (n_win, win) */
    size_t n_win, cap_win;
    size_t *clip;       /* (n_clips,) table row index */
    size_t *count;      /* (n_clips,) windows of each */
    char (*key)[65];    /* (n_clips,) cache keys */
    size_t n_clips, cap_clips;
} pending;

static void pending_release(pending *p)
{
    free(p->windows);
    free(p->clip);
    free(p->count);
    free(p->key);
    memset(p, 0, sizeof *p);
}

static int pending_add(pending *p, size_t row, const slot *s, size_t win, mlac_err *err)
{
    if (p->n_win + s->n_win > p->cap_win) {
        size_t cap = p->cap_win ? p->cap_win : 64;
        while (cap < p->n_win + s->n_win)
            cap *= 2;
        float *w = realloc(p->windows, cap * win * sizeof *w);
        if (!w)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embedding windows", cap);
        p->windows = w;
        p->cap_win = cap;
    }
    if (p->n_clips == p->cap_clips) {
        size_t cap = p->cap_clips ? p->cap_clips * 2 : 64;
        size_t *c = realloc(p->clip, cap * sizeof *c);
        if (c)
            p->clip = c;
        size_t *n = c ? realloc(p->count, cap * sizeof *n) : NULL;
        if (n)
            p->count = n;
        char(*k)[65] = n ? realloc(p->key, cap * sizeof *k) : NULL;
        if (!k)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory for pending clips");
        p->key = k;
        p->cap_clips = cap;
    }
    memcpy(p->windows + p->n_win * win, s->windows, s->n_win * win * sizeof *p->windows);
    p->n_win += s->n_win;
    p->clip[p->n_clips] = row;
    p->count[p->n_clips] = s->n_win;
    memcpy(p->key[p->n_clips], s->key, 65);
    p->n_clips++;
    return MLAC_OK;
}

typedef struct progress_state {
    const embed_config *cfg;
    size_t done, total;
} progress_state;

static void progress_add(progress_state *ps, size_t k)
{
    ps->done += k;
    if (ps->cfg->progress)
        ps->cfg->progress(ps->cfg->progress_ctx, ps->done, ps->total);
}

/* Embeds every pending window, pools each clip's rows, fills the cache. */
static int pending_flush(pending *p, embedder *e, feature_table *t, const embed_config *cfg, progress_state *ps,
                         mlac_err *err)
{
    if (!p->n_clips)
        return MLAC_OK;
    size_t dim = t->dim;
    float *vec = malloc(p->n_win * dim * sizeof *vec); /* (n_win, dim) */
    if (!vec)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embeddings", p->n_win);
    int rc = embedder_embed(e, p->windows, p->n_win, vec, err);
    for (size_t c = 0, first = 0; !rc && c < p->n_clips; first += p->count[c], c++) {
        float *row = t->rows + p->clip[c] * dim;
        embed_pool(vec + first * dim, p->count[c], dim, cfg->pooling, row);
        rc = feature_cache_put(cfg->cache, p->key[c], row, dim, err);
    }
    free(vec);
    if (!rc)
        progress_add(ps, p->n_clips);
    p->n_win = 0;
    p->n_clips = 0;
    return rc;
}

static int build_command(store *data, const clip_src *clips, const char *model, const embed_config *cfg, int threads,
                         feature_table *t, mlac_err *err)
{
    embed_command_options o = {cfg->timeout_s, threads, cfg->tmp_dir, cfg->cancel};
    embedder *e = NULL;
    pending p = {0};
    int rc = embed_command_open(cfg->embedder, model, &o, &e, err);
    if (rc)
        return rc;
    cmd_job job = {.data = data, .clips = clips, .t = t, .cfg = cfg, .info = &e->info};
    rc = embed_window_layout(e->info.rate, e->info.window_s, cfg->overlap, &job.win, &job.hop, err);
    if (rc)
        goto out;
    t->dim = e->info.dim;
    snprintf(job.params, sizeof job.params, "protocol=1 model=%s version=%s dim=%zu rate=%d window=%zu hop=%zu pooling=%s",
             e->info.model, e->info.version, e->info.dim, e->info.rate, job.win, job.hop,
             embed_pooling_name(cfg->pooling));
    if (!(t->rows = malloc((t->n ? t->n : 1) * t->dim * sizeof *t->rows))) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embedding rows", t->n);
        goto out;
    }
    size_t chunk = (size_t)(threads > 0 ? threads : 1) * 4;
    chunk = chunk < CHUNK_MIN ? CHUNK_MIN : chunk;
    if (!(job.slots = calloc(chunk, sizeof *job.slots))) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for embedding slots");
        goto out;
    }
    const char **srcs = malloc((t->n ? t->n : 1) * sizeof *srcs); /* gs://: many downloads at once */
    for (size_t i = 0; srcs && i < t->n; i++)
        srcs[i] = clips[i].src;
    if (srcs)
        store_prefetch(data, srcs, t->n);
    free(srcs);
    size_t batch = cfg->batch_windows ? cfg->batch_windows : 256;
    progress_state ps = {cfg, 0, t->n};
    for (size_t base = 0; !rc && base < t->n; base += chunk) {
        size_t m = t->n - base < chunk ? t->n - base : chunk;
        if (cfg->cancel && *cfg->cancel) {
            rc = mlac_errf(err, MLAC_ECANCEL, "embedding was cancelled");
            break;
        }
        memset(job.slots, 0, m * sizeof *job.slots);
        job.base = base;
        pool_for(threads > 0 ? threads : 1, m, load_one, &job);
        size_t hits = 0;
        for (size_t k = 0; !rc && k < m; k++) {
            slot *s = &job.slots[k];
            if (s->rc) {
                rc = s->rc;
                if (err)
                    *err = s->err;
            } else if (s->hit) {
                hits++;
            } else if (!(rc = pending_add(&p, base + k, s, job.win, err)) && p.n_win >= batch) {
                rc = pending_flush(&p, e, t, cfg, &ps, err);
            }
        }
        for (size_t k = 0; k < m; k++)
            free(job.slots[k].windows);
        t->cache_hits += hits;
        if (!rc && hits)
            progress_add(&ps, hits);
    }
    if (!rc)
        rc = pending_flush(&p, e, t, cfg, &ps, err);
out:
    free(job.slots);
    pending_release(&p);
    embedder_free(e);
    return rc;
}

/* ---- the import route -------------------------------------------------------------------- */

typedef struct used_entry {
    const float *rows; /* the matched entry's first row: equal pointers are one entry */
    const char *clip;
} used_entry;

static int cmp_used(const void *a, const void *b)
{
    const used_entry *x = a, *y = b;
    if (x->rows != y->rows)
        return (uintptr_t)x->rows < (uintptr_t)y->rows ? -1 : 1;
    return strcmp(x->clip, y->clip);
}

static int build_import(const clip_src *clips, const char *path, const embed_config *cfg, feature_table *t,
                        mlac_err *err)
{
    embed_import *imp = NULL;
    int rc = embed_import_open(path, &imp, err);
    if (rc)
        return rc;
    t->dim = embed_import_dim(imp);
    used_entry *used = calloc(t->n ? t->n : 1, sizeof *used); /* (t->n,) which entry each clip took */
    if (!(t->rows = malloc((t->n ? t->n : 1) * t->dim * sizeof *t->rows)) || !used)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embedding rows", t->n);
    for (size_t i = 0; !rc && i < t->n; i++) {
        const float *rows;
        size_t n_rows;
        rc = embed_import_find(imp, clips[i].src, &rows, &n_rows, err);
        if (!rc) {
            used[i] = (used_entry){rows, clips[i].src};
            embed_pool(rows, n_rows, t->dim, cfg->pooling, t->rows + i * t->dim);
        }
        if (!rc && cfg->progress)
            cfg->progress(cfg->progress_ctx, i + 1, t->n);
    }
    /* a bare-file-name entry (the one fallback) must not serve two clips */
    if (!rc && t->n > 1) {
        qsort(used, t->n, sizeof *used, cmp_used);
        for (size_t i = 1; !rc && i < t->n; i++)
            if (used[i].rows == used[i - 1].rows)
                rc = mlac_errf(err, MLAC_EINVAL, "clips '%s' and '%s' both match one imported entry in '%s' (a bare "
                               "file name); import a folder that mirrors the data layout",
                               used[i - 1].clip, used[i].clip, path);
    }
    free(used);
    embed_import_free(imp);
    return rc;
}

int embed_table_build(store *data, const dataset *d, const strlist *species, const char *model,
                      const embed_config *cfg, int threads, feature_table *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->kind = INPUT_EMBEDDING;
    const embed_model_spec *spec = embed_spec_find(model, NULL);
    if (!spec)
        return mlac_errf(err, MLAC_EINVAL, "'%s' is not an embedding model (known: %s)", model, embed_model_names());
    if (!cfg->embedder || !cfg->embedder[0]) {
        embed_settings none;
        embed_settings_default(&none);
        return embed_check_available(&none, model, err);
    }
    clip_src *clips = NULL;
    int rc = collect_clips(d, species, spec->use_5s, &clips, out, err);
    if (!rc && !strncmp(cfg->embedder, EMBED_IMPORT_PREFIX, strlen(EMBED_IMPORT_PREFIX)))
        rc = build_import(clips, cfg->embedder + strlen(EMBED_IMPORT_PREFIX), cfg, out, err);
    else if (!rc)
        rc = build_command(data, clips, model, cfg, threads, out, err);
    if (rc)
        mlac_err_prefix(err, "%s embeddings: ", model);
    free(clips);
    if (rc)
        feature_table_release(out);
    return rc;
}

void embed_config_default(embed_config *c)
{
    memset(c, 0, sizeof *c);
    c->pooling = EMBED_POOL_MEAN;
    c->timeout_s = 600;
    c->batch_windows = 256;
}

void embed_config_from_settings(const embed_settings *s, const char *model, embed_config *c)
{
    embed_config_default(c);
    c->embedder = embed_settings_embedder(s, model);
    c->overlap = s->overlap;
    c->pooling = s->pooling;
    c->timeout_s = s->timeout_s;
    c->batch_windows = s->batch_windows;
}
