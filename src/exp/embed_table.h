/* embed_table.h — the embedding rows of a run: one pooled vector per clip, for birdnet or perch.
 *
 * embed_table_build fills the same feature_table the runner builds for the other inputs
 * (exp/clip_features.h), through the same skeleton (exp/inputs.h) for the command route: rows
 * keyed by each clip's data/ store path, dim = the embedder's
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
#ifndef MLAC_EXP_EMBED_TABLE_H
#define MLAC_EXP_EMBED_TABLE_H

#include <signal.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "embed/embed.h"
#include "embed/embed_settings.h"
#include "exp/clip_features.h"
#include "exp/inputs.h"
#include "dataset/dataset.h"
#include "features/feature_cache.h"
#include "store/store.h"

/* Defaults (no embedder, no cache). */
void embed_config_default(embed_config *c);
/* c from settings for model; cache, progress and cancel are left NULL for the caller. Borrows s. */
void embed_config_from_settings(const embed_settings *s, const char *model, embed_config *c);

/* Rows for every clip of the named species (their negatives included); model is "birdnet" or
 * "perch". out->kind = INPUT_EMBEDDING; out->cache_hits counts clips served by the cache. */
int embed_table_build(store *data, const dataset *d, const strlist *species, const char *model,
                      const embed_config *cfg, int threads, feature_table *out, mlac_err *err);

#endif
