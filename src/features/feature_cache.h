/* feature_cache.h — on-disk cache of computed feature vectors.
 *
 * Key = SHA-256 of (format version, feature kind, every feature parameter, the clip's bytes
 * hash). Entries are small binary files under <dir>/<k0k1>/<key>.f32; writes go to a temp file
 * and are renamed into place, so two processes filling the cache at once never see half an
 * entry. A corrupt or short entry is treated as a miss and overwritten.
 */
#ifndef MLAC_FEATURES_FEATURE_CACHE_H
#define MLAC_FEATURES_FEATURE_CACHE_H

#include <stddef.h>
#include "core/error.h"

#define FEATURE_CACHE_VERSION 1

typedef struct feature_cache feature_cache;

/* dir NULL or "" gives a disabled cache (every lookup misses, stores are dropped). */
int feature_cache_open(const char *dir, feature_cache **out, mlac_err *err);
void feature_cache_free(feature_cache *c);
/* The cache folder, or NULL when the cache is disabled. */
const char *feature_cache_dir(const feature_cache *c);

/* key_out[65]: hex key for (kind, params text, clip content hash). */
void feature_cache_key(const char *kind, const char *params_text, const char *content_hash,
                       char key_out[65]);
/* Returns 1 and fills out (count floats) on a hit, 0 on a miss. */
int feature_cache_get(feature_cache *c, const char *key, float *out, size_t count);
/* What a cache folder holds: entry files (<k0k1>/<key>.f32, features and embeddings) and all
 * files under it (with the gs:// download cache), and their bytes. A missing folder is empty. */
typedef struct feature_cache_usage {
    size_t entries, files;
    unsigned long long entry_bytes, bytes;
} feature_cache_usage;
int feature_cache_measure(const char *dir, feature_cache_usage *u, mlac_err *err);
/* Removes the entry files and the gs:// download cache (gcs-downloads/); other files stay. */
int feature_cache_clean(const char *dir, feature_cache_usage *removed, mlac_err *err);
int feature_cache_put(feature_cache *c, const char *key, const float *data, size_t count, mlac_err *err);

#endif
