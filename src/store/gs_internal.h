/* gs_internal.h — state shared by the files of the gs:// back end (store_gs.c: the verbs;
 * gs_transfer.c: object GET/upload/delete requests; gs_lock.c: the run lock; gs_prefetch.c:
 * many downloads at once). Not for use outside src/store.
 */
#ifndef MLAC_STORE_GS_INTERNAL_H
#define MLAC_STORE_GS_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "store/download_cache.h"
#include "store/gcs_auth.h"
#include "store/gcs_http.h"
#include "store/gcs_url.h"
#include "store/store.h"
#include "store/store_settings.h"

#define GS_LOCKS_MAX 8
#define GS_META_BUCKETS 16384

/* What a listing or an upload told us about an object (a generation is immutable). */
typedef struct gs_meta {
    char *name;           /* full object name, owned */
    long long generation; /* 0: this store handle saw the object absent (a 404) */
    long long size;
    char md5[32];         /* base64, "" if unknown */
    struct gs_meta *next; /* hash chain */
} gs_meta;

struct gs_lock;
struct gs_prefetch;

typedef struct gs_impl {
    char bucket[GCS_BUCKET_MAX + 1];
    char prefix[GCS_OBJECT_MAX + 1]; /* object-name prefix of the root, no trailing '/' */
    char endpoint[1024];
    gcs_http *http;
    gcs_auth *auth;
    download_cache *cache;           /* NULL: no download cache */
    store_settings set;
    size_t upload_threshold;         /* single-request uploads below this size */
    size_t chunk_size;               /* resumable chunk, a multiple of 256 KiB */
    double lock_lease;               /* seconds a run lock lives without renewal */
    gcs_retry_policy retry_policy;   /* as given to http; resumable chunks retry with it too */
    pthread_mutex_t lock;            /* guards meta */
    gs_meta *meta[GS_META_BUCKETS];
    struct gs_prefetch *pf;          /* the current prefetch (atomic pointer), NULL until one */
    struct gs_prefetch *pf_retired;  /* earlier ones, stopped; freed with the store (readers may
                                        still hold them) */
    pthread_mutex_t pf_lock;         /* serialises starting and stopping */
    struct gs_lock *locks[GS_LOCKS_MAX];
} gs_impl;

/* "gs://bucket/name", for messages. */
void gs_describe(const gs_impl *g, const char *name, char *out, size_t n);

void gs_meta_put(gs_impl *g, const char *name, long long generation, long long size, const char *md5);
/* 1 and a copy of the entry (name not copied) when known. */
int gs_meta_get(gs_impl *g, const char *name, gs_meta *out);
void gs_meta_forget(gs_impl *g, const char *name);

/* GET alt=media of a whole object (retried, resumed when cut, MD5-checked when the server sends
 * one), appended to out straight from the socket (no copy; size_hint >= 0, the size a listing
 * gave, reserves room first). *status is 200 or 404 on success (out unchanged on a 404 or an
 * error); other statuses are errors naming the object. checked_md5 (NULL or 32 bytes) gets the
 * server's MD5 the bytes were verified against, "" when it sent none. */
int gs_get_media(gs_impl *g, const char *name, long long size_hint, buf *out, long long *generation, long *status,
                 char *checked_md5, mlac_err *err);
/* GET alt=media of bytes [offset, offset + length) with a Range header (length > 0), appended to
 * out: a 206 whose Content-Range starts at offset and whose body has length bytes, or a 200 (a
 * server that ignores Range) holding the range. A 416, a short answer or a 404 are errors naming
 * the object and the range (MLAC_EINVAL, MLAC_EINVAL, MLAC_ENOTFOUND). */
int gs_get_range(gs_impl *g, const char *name, long long offset, size_t length, buf *out, mlac_err *err);
/* A read through the download cache: known generation + cache hit, or a GET that fills both.
 * MLAC_ENOTFOUND on 404. */
int gs_fetch(gs_impl *g, const char *name, buf *out, mlac_err *err);
/* Uploads data as name with ifGenerationMatch=if_gen (-1: none, then not retried): single
 * request below the threshold, resumable session above. *status: 200 (done, *generation set)
 * or 412 (precondition failed); anything else is an error naming the object. */
int gs_upload(gs_impl *g, const char *name, const void *data, size_t n, long long if_gen, long long *generation,
              long *status, mlac_err *err);
/* Object metadata: *status 200 (meta filled) or 404. */
int gs_stat(gs_impl *g, const char *name, gs_meta *meta, long *status, mlac_err *err);
/* DELETE with ifGenerationMatch=if_gen (-1: none); *status 204/200, 404 or 412. */
int gs_delete(gs_impl *g, const char *name, long long if_gen, long *status, mlac_err *err);

/* Lists every object whose name starts with name_prefix (all pages), calling fn per object. */
typedef int (*gs_list_fn)(void *ctx, const char *name, long long generation, long long size, const char *md5,
                          mlac_err *err);
int gs_list_all(gs_impl *g, const char *name_prefix, gs_list_fn fn, void *ctx, mlac_err *err);

int gs_lock_acquire(gs_impl *g, const char *name, int *handle, mlac_err *err);
void gs_lock_release(gs_impl *g, int handle);

/* Stops the current prefetch (its downloads in flight finish) and starts one for names. */
void gs_prefetch_start(gs_impl *g, const char *const *names, size_t n);
/* When name is being prefetched: waits until it is done (or claims it) and returns 1 if it
 * landed in the download cache; 0 = read it yourself. Safe alongside gs_prefetch_start. */
int gs_prefetch_wait(gs_impl *g, const char *name);
/* Stops every prefetch and frees them (store_free). */
void gs_prefetch_free_all(gs_impl *g);

#endif
