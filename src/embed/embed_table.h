/* embed_table.h — the embedding rows of a run: one pooled vector per clip, for birdnet or perch.
 *
 * embed_table_build fills the same feature_table the runner builds for the other inputs
 * (exp/clip_features.h): rows keyed by each clip's data/ store path, dim = the embedder's
 * dimension. perch reads a clip's data_5s twin when there is one (DESIGN.md §2), else the
 * clip in data/; birdnet reads data/. The embedder comes from the configuration:
 *   a command line  -> the command back end (embed_command.c): clips are read, hashed and looked
 *                      up in the embedding cache (features/feature_cache.h, key = model id and
 *                      version, rate, window, hop, pooling and dim reported by the embedder, and
 *                      the SHA-256 of the clip's bytes); misses are decoded, resampled to the
 *                      model's rate, cut into windows (embed.h) and sent to the program in
 *                      batches; each clip's vectors are pooled and stored in the cache.
 *   "import:<path>" -> the import back end (embed_import.h): the clip's recorded windows are
 *                      pooled; the overlap setting does not apply and nothing is cached.
 * Any failure (the program crashing, timing out, returning a wrong shape or NaN, a clip with
 * no imported vectors) fails the whole table with one message; the runner marks that model's
 * tasks failed and goes on.
 */
#ifndef MLAC_EMBED_EMBED_TABLE_H
#define MLAC_EMBED_EMBED_TABLE_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"
#include "embed/embed.h"
#include "exp/clip_features.h"
#include "exp/dataset.h"
#include "features/feature_cache.h"
#include "store/store.h"

#define EMBED_IMPORT_PREFIX "import:"

/* The embedding part of a run's configuration: plain data, safe to copy into a spec. */
typedef struct embed_settings {
    char birdnet[1024];          /* embedder_birdnet: a command line or "import:<path>"; "" = none */
    char perch[1024];            /* embedder_perch */
    double overlap;              /* embed_overlap: fraction of a window shared with the next, 0..0.9 */
    enum embed_pooling pooling;  /* embed_pooling: mean (default) or max */
    double timeout_s;            /* embed_timeout: seconds per embedder call (600) */
    size_t batch_windows;        /* embed_batch: windows per embedder call (256) */
    int head_mlp;                /* embed_head: 0 logistic (default), 1 mlp */
    int head_cv;                 /* head_cv: choose the head's regularisation by inner CV */
    int skip_unavailable;        /* skip_unavailable: skip, with a warning, models with no embedder */
} embed_settings;

void embed_settings_default(embed_settings *s);
/* Reads those of the keys above that the configuration table has (the others keep their
 * defaults); errors name the key and where its value came from. */
int embed_settings_read(const config *cfg, embed_settings *s, mlac_err *err);
/* The configured embedder text of a model ("" when none or not an embedding model). */
const char *embed_settings_embedder(const embed_settings *s, const char *model);
/* MLAC_OK when model has an embedder; else MLAC_EUNAVAIL and a message saying how to set one. */
int embed_check_available(const embed_settings *s, const char *model, mlac_err *err);
/* {"embedder": ..., "overlap": ..., "pooling": ..., "head": ..., "head_cv": ...} for spec.json
 * (new reference); embedder texts are recorded as given. */
json_t *embed_settings_to_json(const embed_settings *s, const char *model);

typedef struct embed_config {
    const char *embedder;                /* command line or "import:<path>"; NULL or "" = none */
    double overlap;                      /* 0..0.9 */
    enum embed_pooling pooling;
    double timeout_s;                    /* <= 0: 600 */
    size_t batch_windows;                /* 0: 256 */
    const char *tmp_dir;                 /* NULL: $TMPDIR or /tmp */
    feature_cache *cache;                /* borrowed; NULL = no cache */
    feature_progress_fn progress;        /* may be NULL */
    void *progress_ctx;
    const volatile sig_atomic_t *cancel; /* may be NULL */
} embed_config;

/* Defaults (no embedder, no cache). */
void embed_config_default(embed_config *c);
/* c from settings for model; cache, progress and cancel are left NULL for the caller. Borrows s. */
void embed_config_from_settings(const embed_settings *s, const char *model, embed_config *c);

/* Rows for every clip of the named species (their negatives included); model is "birdnet" or
 * "perch". out->kind = INPUT_EMBEDDING; out->cache_hits counts clips served by the cache. */
int embed_table_build(store *data, const dataset *d, const strlist *species, const char *model,
                      const embed_config *cfg, int threads, feature_table *out, mlac_err *err);

#endif
