/* clip_features.h — the feature matrix of a run: one row per distinct clip, computed once.
 *
 * The rows are built by the inputs layer (inputs.h, the one skeleton for every input kind of
 * input_kinds.h): each clip is read through the store, hashed, looked up in the on-disk feature
 * cache, and only on a miss decoded, resampled, cut to clip_seconds (centre) and turned into the
 * model input (the 78-value MFCC summary, or the S x S log-mel image). Rows are computed in
 * parallel, one feat_plan per worker; a row depends only on the clip's bytes and the parameters.
 *
 * The rows are not kept in memory: each kind's table is a row file (core/row_file.h) in the
 * cache folder (or $TMPDIR, /tmp, when the cache is off), written once by the build and read back
 * row by row by the tasks (feature_table_read), so a run's resident memory does not grow with the
 * dataset (issue 16: 100k images at 64 x 64 are 1.6 GB). Embedding tables (embed_table.h) keep
 * their rows in memory (rows != NULL); feature_table_read serves both.
 */
#ifndef MLAC_EXP_CLIP_FEATURES_H
#define MLAC_EXP_CLIP_FEATURES_H

#include <stddef.h>
#include "core/error.h"
#include "core/row_file.h"
#include "dataset/dataset.h"
#include "features/feature_cache.h"
#include "features/features.h"
#include "ml/model.h"
#include "store/store.h"

typedef struct feature_table {
    enum model_input kind;
    char **paths;   /* (n,) sorted store paths, owned */
    size_t n;
    size_t dim;     /* values per row */
    float *rows;    /* (n, dim) in memory (embedding tables), or NULL when file is set */
    row_file *file; /* (n, dim) on disk (audio-feature tables), owned; NULL for in-memory rows */
    float *meta;    /* (n, FEATURE_META_DIM) what the decode saw: seconds before padding, original
                     * rate, channels, RMS of the mono signal — the confound baseline's inputs
                     * (confound.h), so it decodes nothing again; cached beside the rows */
    size_t cache_hits;
} feature_table;

#define FEATURE_META_DIM 4

typedef void (*feature_progress_fn)(void *ctx, size_t done, size_t total);

/* Rows for every clip of the named species (their negatives included), for each audio-feature
 * kind whose bit (1 << kind) is set in kinds (the kinds of input_source_audio: INPUT_SUMMARY,
 * INPUT_LOGMEL_IMAGE): out[kind] is filled, the others are not touched. All kinds come from one
 * decode and one STFT per clip. The calling thread's cancel flag (core/cancel.h) stops it. */
int feature_tables_build(store *data, const dataset *d, const strlist *species, unsigned kinds,
                         const feat_params *fp, double clip_seconds, feature_cache *cache, int threads,
                         feature_progress_fn progress, void *progress_ctx, feature_table *out, mlac_err *err);
/* Distinct store paths of every clip of the chosen species, sorted (a negative may be another
 * species' positive, so a clip appears once). */
int clip_features_paths(const dataset *d, const strlist *species, strlist *out, mlac_err *err);
/* The same for exactly the given clips (store paths, sorted and distinct): a run computes only the
 * clips its tasks touch (a shard's, or what a resumed run has left). */
int feature_tables_build_clips(store *data, const strlist *paths, unsigned kinds, const feat_params *fp,
                               double clip_seconds, feature_cache *cache, int threads, feature_progress_fn progress,
                               void *progress_ctx, feature_table *out, mlac_err *err);
void feature_table_release(feature_table *t);
/* The metadata of a clip (FEATURE_META_DIM values), or NULL if it is not in the table. */
const float *feature_table_meta(const feature_table *t, const char *path);
/* Copies the row of a clip (dim floats) into out; MLAC_ENOTFOUND naming the clip when it is not in
 * the table, MLAC_EFORMAT naming the file when a row read back is damaged. */
int feature_table_read(const feature_table *t, const char *path, float *out, mlac_err *err);
/* The in-memory row of a clip, or NULL if it is not in the table or the table is a row file. */
const float *feature_table_row(const feature_table *t, const char *path);
const char *feature_input_name(enum model_input kind);

#endif
