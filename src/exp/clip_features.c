/* clip_features.c — a run's feature tables: the clips they cover, building them through the inputs
 * layer (inputs.h), and reading rows back (see clip_features.h). */
#include "exp/clip_features.h"
#include "core/cancel.h"
#include "exp/inputs_source.h"

#include <stdlib.h>
#include <string.h>

const char *feature_input_name(enum model_input kind)
{
    const struct input_kind *k = input_kind_of(kind);
    return k ? k->name : "?";
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
    kinds &= input_kinds_of_source(&input_source_audio);
    if (!kinds)
        return mlac_errf(err, MLAC_EINVAL, "no audio feature kind requested");
    input_clip *clips = malloc((paths->n ? paths->n : 1) * sizeof *clips);
    if (!clips)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    for (size_t i = 0; i < paths->n; i++)
        clips[i] = (input_clip){paths->items[i], paths->items[i]};
    input_settings s = {.data = data, .feat = fp, .clip_seconds = clip_seconds, .cache = cache, .threads = threads,
                        .progress = progress, .progress_ctx = progress_ctx, .cancel = cancel_current()};
    int rc = inputs_build(clips, paths->n, kinds, &s, out, err);
    free(clips);
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
