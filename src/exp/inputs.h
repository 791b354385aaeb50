/* inputs.h — the one inputs layer: the rows a model reads, for every kind of input_kinds.h.
 *
 * inputs_build is the single skeleton every input row goes through, the runner's audio
 * features, its embeddings and `mlac features` alike:
 *   read the clip (store, or a local file) -> SHA-256 of its bytes -> for each kind wanted, the
 *   cache key (kind name, the kind's key text, the hash) and a lookup -> on a miss, decode at the
 *   source's rate and length (per-worker scratch) and compute the rows (the kind's compute, or
 *   the source's batch step) -> cache and table.
 * Clips run in parallel on s->threads workers; a row depends only on the clip's bytes and the
 * settings, never on the thread count or batch boundaries. When clips fail, the error of the
 * first failing clip in path order wins (the same message whatever the thread count); a set
 * cancel flag stops the build between clips with MLAC_ECANCEL. Audio-feature tables are row
 * files (core/row_file.h) in the cache folder, or $TMPDIR (/tmp) without a cache; embedding
 * tables keep their rows in memory.
 */
#ifndef MLAC_EXP_INPUTS_H
#define MLAC_EXP_INPUTS_H

#include <signal.h>
#include <stddef.h>
#include "core/error.h"
#include "embed/embed.h"
#include "exp/clip_features.h"
#include "features/feature_cache.h"
#include "store/store.h"

/* One clip of a build. */
typedef struct input_clip {
    const char *path; /* the row's key: a data/ store path, or a file name as given */
    const char *src;  /* what is read for it: path, or perch's data_5s twin */
} input_clip;

/* The embedding kind's settings (embed_table.h fills them from a run's settings). */
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

typedef struct input_settings {
    store *data;                         /* where clips are read; NULL: local files by name */
    const feat_params *feat;             /* the audio kinds */
    double clip_seconds;                 /* the audio kinds: centre crop/pad; 0 = whole clip */
    const embed_config *embed;           /* the embedding kind: its embedder (a command line) */
    const char *model;                   /* the embedding kind: "birdnet" or "perch" */
    feature_cache *cache;                /* borrowed; NULL or disabled: every row is computed */
    int threads;                         /* < 1: 1 */
    feature_progress_fn progress;        /* called as clips complete; may be NULL */
    void *progress_ctx;
    const volatile sig_atomic_t *cancel; /* may be NULL */
} input_settings;

/* Rows of the kinds whose bits (1 << enum model_input) are set in kinds, all made by one source
 * (input_kinds_of_source), for the n clips (sorted by path, distinct): out[kind] is filled, the
 * other entries of out (INPUT_KIND_COUNT of them) are not touched. On failure the filled tables
 * are released and the error names the clip. */
int inputs_build(const input_clip *clips, size_t n, unsigned kinds, const input_settings *s, feature_table *out,
                 mlac_err *err);

/* An empty table of the kind for the clips (their paths copied), with room for its rows: in
 * memory, or a row file in scratch_dir. Also for the rows of the embedding import route. */
int inputs_table_prepare(feature_table *t, enum model_input kind, const input_clip *clips, size_t n, size_t dim,
                         int in_memory, const char *scratch_dir, mlac_err *err);

#endif
