/* embed_table.c — building a run's embedding rows (see embed_table.h): the clips and their
 * data_5s twins; the command route goes through the inputs layer (inputs.h, input_embedder.c),
 * the import route pools the windows an official tool wrote (nothing to compute or cache).
 */
#include "exp/embed_table.h"
#include "embed/embed_import.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static int cmp_clip(const void *a, const void *b)
{
    return strcmp(((const input_clip *)a)->path, ((const input_clip *)b)->path);
}

/* Distinct clips of the species sorted by path, each with what is read for it (borrowed from the
 * dataset): *n_out of them. */
static int collect_clips(const dataset *d, const strlist *species, int use_5s, input_clip **out, size_t *n_out,
                         mlac_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        total += sp ? sp->n_clips : 0;
    }
    input_clip *c = calloc(total ? total : 1, sizeof *c);
    if (!c)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    size_t n = 0;
    for (size_t i = 0; i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        for (size_t k = 0; sp && k < sp->n_clips; k++) {
            const clip_ref *r = &sp->clips[k];
            c[n++] = (input_clip){r->path, use_5s && r->path5s ? r->path5s : r->path};
        }
    }
    qsort(c, n, sizeof *c, cmp_clip);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || strcmp(c[i].path, c[w - 1].path))
            c[w++] = c[i];
    *out = c;
    *n_out = w;
    return MLAC_OK;
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

static int build_import(const input_clip *clips, size_t n, const char *path, const embed_config *cfg,
                        feature_table *t, mlac_err *err)
{
    embed_import *imp = NULL;
    int rc = embed_import_open(path, &imp, err);
    if (rc)
        return rc;
    rc = inputs_table_prepare(t, INPUT_EMBEDDING, clips, n, embed_import_dim(imp), 1, NULL, err);
    used_entry *used = calloc(t->n ? t->n : 1, sizeof *used); /* (t->n,) which entry each clip took */
    if (!rc && !used)
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
    input_clip *clips = NULL;
    size_t n = 0;
    int rc = collect_clips(d, species, spec->use_5s, &clips, &n, err);
    if (!rc && !strncmp(cfg->embedder, EMBED_IMPORT_PREFIX, strlen(EMBED_IMPORT_PREFIX))) {
        rc = build_import(clips, n, cfg->embedder + strlen(EMBED_IMPORT_PREFIX), cfg, out, err);
    } else if (!rc) {
        feature_table tables[INPUT_KIND_COUNT];
        input_settings s = {.data = data, .embed = cfg, .model = model, .cache = cfg->cache, .threads = threads,
                            .progress = cfg->progress, .progress_ctx = cfg->progress_ctx, .cancel = cfg->cancel};
        rc = inputs_build(clips, n, 1u << INPUT_EMBEDDING, &s, tables, err);
        if (!rc)
            *out = tables[INPUT_EMBEDDING];
    }
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
