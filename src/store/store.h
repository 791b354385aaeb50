/* store.h — every read of data and write of results goes through this interface.
 *
 * A store is opened from a root URI: a local folder ("data/", "file:///abs/dir") or
 * "gs://bucket/prefix" (store_gs.c), behind the same verbs. Paths given to the verbs are
 * relative to the root and use '/' separators. Writes are atomic (readers see the old or the
 * new object, never half). The back end is chosen by the URI scheme in store_open.
 */
#ifndef MLAC_STORE_STORE_H
#define MLAC_STORE_STORE_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct store store;
struct store_counters;

struct store_ops {
    const char *scheme; /* "file", "gs" */
    int (*list)(store *s, const char *prefix, strlist *out, mlac_err *err);
    int (*read)(store *s, const char *path, buf *out, mlac_err *err);
    int (*write)(store *s, const char *path, const void *data, size_t n, mlac_err *err);
    int (*append)(store *s, const char *path, const void *data, size_t n, mlac_err *err);
    int (*exists)(store *s, const char *path, int *exists, mlac_err *err);
    /* Takes an exclusive advisory lock named path, held until unlock (or process exit);
     * MLAC_EBUSY when another process holds it. NULL when the back end has no locks. */
    int (*lock)(store *s, const char *path, int *handle, mlac_err *err);
    void (*unlock)(store *s, int handle);
    /* A local filesystem path for the object, or NULL when it has none (remote stores). */
    const char *(*local_path)(store *s, const char *path, char *tmp, size_t tmp_size);
    void (*free)(store *s);
    /* Optional: starts fetching these objects in the background (many at once) so that the
     * reads that follow find them local; paths are copied. NULL = nothing to gain (files). */
    void (*prefetch)(store *s, const char *const *paths, size_t n);
    /* Optional: bytes [offset, offset + length) of an object (see store_read_range). NULL =
     * store_read_range reads the whole object and cuts. */
    int (*read_range)(store *s, const char *path, long long offset, size_t length, buf *out, mlac_err *err);
    /* Optional: the transfer counters (store_get_counters). */
    void (*counters)(store *s, struct store_counters *out);
    /* Optional, together: an append that does not wait for durability, and the call that makes
     * every earlier append to path durable. NULL: append is durable by itself (gs://). */
    int (*append_unsynced)(store *s, const char *path, const void *data, size_t n, mlac_err *err);
    int (*sync)(store *s, const char *path, mlac_err *err);
};

struct store {
    const struct store_ops *ops;
    char root[4096]; /* the root URI as given, without trailing '/' */
    void *impl;      /* back-end state */
};

/* Maximum size of one object read through the store. */
#define STORE_MAX_OBJECT ((size_t)1 << 31)

int store_open(const char *uri, store **out, mlac_err *err);
void store_free(store *s);

/* Lists regular objects below prefix ("" = everything), as paths relative to the root,
 * sorted bytewise. A missing prefix yields MLAC_ENOTFOUND. */
int store_list(store *s, const char *prefix, strlist *out, mlac_err *err);
int store_read(store *s, const char *path, buf *out, mlac_err *err);
/* Appends bytes [offset, offset + length) of an object to out: for files a pread, for gs:// a
 * GET with "Range: bytes=offset-(offset+length-1)" (206). The range must lie inside the object:
 * one that starts or ends past its end (a 416, or fewer bytes than asked) is an MLAC_EINVAL
 * error naming the object and the range; out is then unchanged. length 0 reads nothing (the
 * object must still exist). Ranged reads bypass the download cache. */
int store_read_range(store *s, const char *path, long long offset, size_t length, buf *out, mlac_err *err);
int store_write(store *s, const char *path, const void *data, size_t n, mlac_err *err);
int store_write_str(store *s, const char *path, const char *text, mlac_err *err);
/* Appends and makes durable (fsync for files); used by the task ledger. */
int store_append(store *s, const char *path, const void *data, size_t n, mlac_err *err);
/* The two halves of store_append, for a group commit (the ledger's): the append may be lost to a
 * crash until a store_sync of the same path returns. Where the back end's appends are durable
 * anyway, the first is store_append and the second does nothing. */
int store_append_unsynced(store *s, const char *path, const void *data, size_t n, mlac_err *err);
int store_sync(store *s, const char *path, mlac_err *err);
int store_exists(store *s, const char *path, int *exists, mlac_err *err);
/* Exclusive lock for a run; *handle is -1 when the back end has no locks (then it is a no-op). */
int store_lock(store *s, const char *path, int *handle, mlac_err *err);
void store_unlock(store *s, int handle);
const char *store_local_path(store *s, const char *path, char *tmp, size_t tmp_size);
/* Hint that paths will be read soon (see store_ops.prefetch); a no-op where it gains nothing. */
void store_prefetch(store *s, const char *const *paths, size_t n);
/* What a remote store sent over the network since it was opened (all zero for local folders):
 * for benchmarks, tests and debug logs. */
typedef struct store_counters {
    long requests;        /* HTTP attempts, retries included */
    long retries;         /* attempts that retried a transient failure */
    long connects;        /* connections opened; requests - connects reused one */
    long http2;           /* requests answered over HTTP/2 (TLS servers that offer it) */
    long long bytes_down; /* response body bytes received */
} store_counters;
void store_get_counters(store *s, store_counters *out);
/* root + "/" + path, for messages. */
void store_describe(const store *s, const char *path, char *out, size_t out_size);

/* The data root a user meant: a bare path that is no local folder, with a default bucket set
 * (GCS_BUCKET_NAME, as the original platform), means gs://<bucket>/<path>; anything else is
 * copied as given. Only for data roots: an output folder that does not exist yet is normal. */
void store_data_root(const char *data, char *out, size_t out_size);

/* Back ends register here. */
int store_file_open(const char *root, store **out, mlac_err *err);
int store_gs_open(const char *uri, store **out, mlac_err *err);

#endif
