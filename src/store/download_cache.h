/* download_cache.h — the local cache of objects downloaded from gs://, keyed by (bucket,
 * object, generation), bounded in size with least-recently-used eviction.
 *
 * A generation names one immutable version of an object, so a cached copy is valid forever
 * and a rewritten object simply misses. Entries are files <dir>/<sha256(bucket, object,
 * generation)>, written to a temporary name and renamed (readers never see half a file); a hit
 * refreshes the file's mtime, and eviction deletes the oldest mtimes first until the total is
 * under 80% of the bound. Entries are verified on every hit against the size and MD5 the
 * listing gave; a bad entry is deleted and counts as a miss. Several processes may share one
 * folder. Thread-safe.
 */
#ifndef MLAC_STORE_DOWNLOAD_CACHE_H
#define MLAC_STORE_DOWNLOAD_CACHE_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct download_cache download_cache;

/* Creates dir if needed; max_bytes > 0. */
int download_cache_open(const char *dir, long long max_bytes, download_cache **out, mlac_err *err);
void download_cache_free(download_cache *c);

/* *found = 1 and the bytes appended to out on a verified hit. size < 0 or md5 "" skip those checks. */
int download_cache_get(download_cache *c, const char *bucket, const char *object, long long generation,
                       long long size, const char *md5, buf *out, int *found, mlac_err *err);
/* 1 when an entry of this size is in the folder (a stat, no read, no check): for prefetching. */
int download_cache_has(download_cache *c, const char *bucket, const char *object, long long generation,
                       long long size);
/* checked_md5: the base64 MD5 the bytes were just verified against (the server's x-goog-hash),
 * or NULL; with one, a hit of this handle asking for that size and MD5 skips re-hashing. */
int download_cache_put(download_cache *c, const char *bucket, const char *object, long long generation,
                       const void *data, size_t n, const char *checked_md5, mlac_err *err);

/* The base64 MD5 of data, as GCS writes md5Hash (24 characters + NUL). */
void download_cache_md5_b64(const void *data, size_t n, char out[32]);

#endif
