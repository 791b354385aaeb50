/* input_embedder.c — the embedder source of input rows (inputs_source.h): the embedding kind
 * through the command back end (embed/embed_command.c).
 *
 * Open runs the program's "info" and lays out the windows (embed.h). A clip that missed the
 * cache is decoded whole at the embedder's rate and cut into windows on its worker; the windows
 * are staged, and in clip order join a pending batch, which goes to the program once it holds
 * batch_windows windows (and at the end). Each clip's vectors are pooled into its row. Rows
 * depend only on the clip's bytes and the settings, never on the thread count or the batch
 * boundaries (the program sees each window alone).
 */
#include "exp/inputs_source.h"

#include <stdlib.h>
#include <string.h>

/* Windows waiting for the embedder, and whose rows they are. */
typedef struct pending {
    float *windows;     /* (n_win, win) */
    size_t n_win, cap_win;
    size_t *clip;       /* (n_clips,) table row index */
    size_t *count;      /* (n_clips,) windows of each */
    char (*key)[65];    /* (n_clips,) cache keys */
    size_t n_clips, cap_clips;
} pending;

typedef struct embedder_state {
    embedder *e;
    pending p;
    size_t batch;       /* windows per call */
    float *row;         /* (dim,) a pooled row */
} embedder_state;

static void pending_release(pending *p)
{
    free(p->windows);
    free(p->clip);
    free(p->count);
    free(p->key);
    memset(p, 0, sizeof *p);
}

static int pending_add(pending *p, size_t row, const input_slot *s, size_t win, mlac_err *err)
{
    if (p->n_win + s->n_work > p->cap_win) {
        size_t cap = p->cap_win ? p->cap_win : 64;
        while (cap < p->n_win + s->n_work)
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
    memcpy(p->windows + p->n_win * win, s->work, s->n_work * win * sizeof *p->windows);
    p->n_win += s->n_work;
    p->clip[p->n_clips] = row;
    p->count[p->n_clips] = s->n_work;
    memcpy(p->key[p->n_clips], s->key[INPUT_EMBEDDING], 65);
    p->n_clips++;
    return MLAC_OK;
}

/* Embeds every pending window, pools each clip's vectors into its row. */
static int pending_flush(input_build *b, mlac_err *err)
{
    embedder_state *st = b->src;
    pending *p = &st->p;
    if (!p->n_clips)
        return MLAC_OK;
    size_t dim = b->out[INPUT_EMBEDDING].dim;
    float *vec = malloc(p->n_win * dim * sizeof *vec); /* (n_win, dim) */
    if (!vec)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embeddings", p->n_win);
    int rc = embedder_embed(st->e, p->windows, p->n_win, vec, err);
    for (size_t c = 0, first = 0; !rc && c < p->n_clips; first += p->count[c], c++) {
        embed_pool(vec + first * dim, p->count[c], dim, b->params.pooling, st->row);
        rc = input_row_done(b, p->clip[c], INPUT_EMBEDDING, p->key[c], st->row, 1, err);
    }
    free(vec);
    p->n_win = 0;
    p->n_clips = 0;
    return rc;
}

static int embedder_open(input_build *b, mlac_err *err)
{
    const embed_config *cfg = b->s->embed;
    embedder_state *st = calloc(1, sizeof *st);
    b->src = st;
    if (!st)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedder");
    embed_command_options o = {cfg->timeout_s, b->threads, cfg->tmp_dir, b->s->cancel};
    int rc = embed_command_open(cfg->embedder, b->s->model, &o, &st->e, err);
    if (rc)
        return rc;
    b->params.embedder = &st->e->info;
    b->rate = st->e->info.rate;
    b->seconds = 0; /* the whole clip, cut into windows */
    b->offset = AUDIO_OFFSET_START;
    st->batch = cfg->batch_windows ? cfg->batch_windows : 256;
    rc = embed_window_layout(st->e->info.rate, st->e->info.window_s, cfg->overlap, &b->params.win, &b->params.hop, err);
    if (!rc && !(st->row = malloc(st->e->info.dim * sizeof *st->row)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedding row");
    return rc;
}

/* A decoded clip's windows, staged for the batch step. */
static int embedder_compute(input_build *b, int w, size_t i, const char *where, const audio_clip *clip,
                            unsigned missing, input_slot *slot, mlac_err *err)
{
    (void)w, (void)i, (void)missing;
    size_t win = b->params.win, hop = b->params.hop;
    size_t n_win = embed_window_count(clip->n, win, hop);
    if (n_win > EMBED_MAX_WINDOWS_CLIP)
        return mlac_errf(err, MLAC_EINVAL, "'%s' is %.0f s long: more than %d embedding windows", where,
                         (double)clip->n / clip->rate, EMBED_MAX_WINDOWS_CLIP);
    float *windows = malloc((n_win ? n_win : 1) * win * sizeof *windows); /* (n_win, win) */
    if (!windows)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the windows of '%s'", where);
    for (size_t k = 0; k < n_win; k++)
        embed_window_copy(clip->samples, clip->n, win, hop, k, windows + k * win);
    slot->work = windows;
    slot->n_work = n_win;
    slot->staged = 1u << INPUT_EMBEDDING;
    return MLAC_OK;
}

static int embedder_stage(input_build *b, size_t i, input_slot *slot, mlac_err *err)
{
    embedder_state *st = b->src;
    int rc = pending_add(&st->p, i, slot, b->params.win, err);
    if (!rc && st->p.n_win >= st->batch)
        rc = pending_flush(b, err);
    return rc;
}

static void embedder_close(input_build *b)
{
    embedder_state *st = b->src;
    if (st) {
        pending_release(&st->p);
        embedder_free(st->e);
        free(st->row);
    }
    free(st);
    b->src = NULL;
}

const struct input_source input_source_embedder = {
    .cancelled = "embedding was cancelled",
    .rows_in_memory = 1,
    .chunk_per_worker = 4,
    .open = embedder_open,
    .compute = embedder_compute,
    .stage = embedder_stage,
    .finish = pending_flush,
    .close = embedder_close,
};
