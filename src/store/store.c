/* store.c — URI dispatch and thin wrappers over a back end's ops (see store.h). */
#include "store/store.h"
#include "core/fsutil.h"
#include "store/store_settings.h"

#include <stdio.h>
#include <string.h>

int store_open(const char *uri, store **out, mlac_err *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return mlac_errf(err, MLAC_EINVAL, "empty store location");
    if (strncmp(uri, "file://", 7) == 0)
        return store_file_open(uri + 7, out, err);
    if (strncmp(uri, "gs://", 5) == 0)
        return store_gs_open(uri, out, err);
    if (strstr(uri, "://"))
        return mlac_errf(err, MLAC_EINVAL, "'%s': unknown storage scheme (use a folder, file:// or gs://)",
                         uri);
    return store_file_open(uri, out, err);
}

void store_free(store *s)
{
    if (s)
        s->ops->free(s);
}

int store_list(store *s, const char *prefix, strlist *out, mlac_err *err)
{
    return s->ops->list(s, prefix ? prefix : "", out, err);
}

int store_read(store *s, const char *path, buf *out, mlac_err *err)
{
    return s->ops->read(s, path, out, err);
}

int store_read_range(store *s, const char *path, long long offset, size_t length, buf *out, mlac_err *err)
{
    char where[4200];
    if (offset < 0 || length > STORE_MAX_OBJECT || (unsigned long long)offset > STORE_MAX_OBJECT) {
        store_describe(s, path, where, sizeof where);
        return mlac_errf(err, MLAC_EINVAL, "'%s': bad range: %zu bytes at offset %lld", where, length, offset);
    }
    if (s->ops->read_range)
        return s->ops->read_range(s, path, offset, length, out, err);
    buf whole;
    buf_init(&whole, STORE_MAX_OBJECT);
    int rc = s->ops->read(s, path, &whole, err);
    if (!rc && (size_t)offset + length > whole.len) {
        store_describe(s, path, where, sizeof where);
        rc = mlac_errf(err, MLAC_EINVAL, "'%s': bytes %lld-%lld are past the end of the object (%zu bytes)", where,
                       offset, offset + (long long)length - 1, whole.len);
    }
    if (!rc)
        rc = buf_append(out, whole.data ? whole.data + offset : "", length, err);
    buf_release(&whole);
    return rc;
}

void store_get_counters(store *s, store_counters *out)
{
    memset(out, 0, sizeof *out);
    if (s && s->ops->counters)
        s->ops->counters(s, out);
}

int store_write(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    return s->ops->write(s, path, data, n, err);
}

int store_write_str(store *s, const char *path, const char *text, mlac_err *err)
{
    return s->ops->write(s, path, text, strlen(text), err);
}

int store_append(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    return s->ops->append(s, path, data, n, err);
}

int store_append_unsynced(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    if (s->ops->append_unsynced && s->ops->sync)
        return s->ops->append_unsynced(s, path, data, n, err);
    return s->ops->append(s, path, data, n, err);
}

int store_sync(store *s, const char *path, mlac_err *err)
{
    return s->ops->append_unsynced && s->ops->sync ? s->ops->sync(s, path, err) : MLAC_OK;
}

int store_exists(store *s, const char *path, int *exists, mlac_err *err)
{
    return s->ops->exists(s, path, exists, err);
}

const char *store_local_path(store *s, const char *path, char *tmp, size_t tmp_size)
{
    return s->ops->local_path ? s->ops->local_path(s, path, tmp, tmp_size) : NULL;
}

void store_describe(const store *s, const char *path, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s%s%s", s->root, path && *path ? "/" : "", path ? path : "");
}

int store_lock(store *s, const char *path, int *handle, mlac_err *err)
{
    *handle = -1;
    return s->ops->lock ? s->ops->lock(s, path, handle, err) : MLAC_OK;
}

void store_unlock(store *s, int handle)
{
    if (s->ops->unlock && handle >= 0)
        s->ops->unlock(s, handle);
}

void store_prefetch(store *s, const char *const *paths, size_t n)
{
    if (s && s->ops->prefetch && n)
        s->ops->prefetch(s, paths, n);
}

void store_data_root(const char *data, char *out, size_t out_size)
{
    store_settings set;
    store_settings_get(&set);
    const char *p = data;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    while (*p == '/')
        p++;
    if (set.bucket[0] && *p && !strstr(data, "://") && !fs_exists(data) &&
        snprintf(out, out_size, "gs://%s/%s", set.bucket, p) < (int)out_size)
        return;
    snprintf(out, out_size, "%s", data);
}
