/* store.h — every read of data and write of results goes through this interface.
 *
 * A store is opened from a root URI: a local folder ("data/", "file:///abs/dir") now,
 * "gs://bucket/prefix" later, behind the same four verbs. Paths given to the verbs are
 * relative to the root and use '/' separators. Writes are atomic (readers see the old or the
 * new object, never half). The back end is chosen by the URI scheme in store_open.
 */
#ifndef MLAC_STORE_STORE_H
#define MLAC_STORE_STORE_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct store store;

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
int store_write(store *s, const char *path, const void *data, size_t n, mlac_err *err);
int store_write_str(store *s, const char *path, const char *text, mlac_err *err);
/* Appends and makes durable (fsync for files); used by the task ledger. */
int store_append(store *s, const char *path, const void *data, size_t n, mlac_err *err);
int store_exists(store *s, const char *path, int *exists, mlac_err *err);
/* Exclusive lock for a run; *handle is -1 when the back end has no locks (then it is a no-op). */
int store_lock(store *s, const char *path, int *handle, mlac_err *err);
void store_unlock(store *s, int handle);
const char *store_local_path(store *s, const char *path, char *tmp, size_t tmp_size);
/* root + "/" + path, for messages. */
void store_describe(const store *s, const char *path, char *out, size_t out_size);

/* Back ends register here. */
int store_file_open(const char *root, store **out, mlac_err *err);

#endif
