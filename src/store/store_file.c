/* store_file.c — the local-folder back end of the store interface. */
#include "store/store.h"
#include "core/alloc.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Joins root and path; a result that does not fit is cut to "" so it names nothing. */
static void full_path(store *s, const char *path, char *out, size_t n)
{
    if (snprintf(out, n, "%s%s%s", s->root, path && *path ? "/" : "", path ? path : "") >= (int)n)
        out[0] = '\0';
}

static int file_list(store *s, const char *prefix, strlist *out, mlac_err *err)
{
    char dir[4096];
    full_path(s, prefix, dir, sizeof dir);
    if (!fs_is_dir(dir))
        return mlac_errf(err, MLAC_ENOTFOUND, "'%s' is not a folder", dir);
    size_t first = out->n;
    int rc = fs_list_recursive(dir, out, err);
    if (rc || !*prefix)
        return rc;
    /* make the listed paths relative to the root, not to the prefix */
    for (size_t i = first; i < out->n; i++) {
        char joined[8192];
        snprintf(joined, sizeof joined, "%s/%s", prefix, out->items[i]);
        char *copy = mlac_strdup(joined);
        if (!copy)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing '%s'", dir);
        free(out->items[i]);
        out->items[i] = copy;
    }
    return MLAC_OK;
}

static int file_read(store *s, const char *path, buf *out, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    return fs_read_file(p, out, STORE_MAX_OBJECT, err);
}

static int file_read_range(store *s, const char *path, long long offset, size_t length, buf *out, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mlac_errf(err, errno == ENOENT ? MLAC_ENOTFOUND : MLAC_EIO, "cannot open '%s': %s", p, strerror(errno));
    struct stat st;
    int rc = fstat(fd, &st) != 0 ? mlac_errf(err, MLAC_EIO, "cannot stat '%s': %s", p, strerror(errno)) : MLAC_OK;
    if (!rc && !S_ISREG(st.st_mode))
        rc = mlac_errf(err, MLAC_EINVAL, "'%s' is not a regular file", p);
    if (!rc && (long long)st.st_size - offset < (long long)length)
        rc = mlac_errf(err, MLAC_EINVAL, "'%s': bytes %lld-%lld are past the end of the object (%lld bytes)", p,
                       offset, offset + (long long)length - 1, (long long)st.st_size);
    rc = rc ? rc : buf_reserve(out, length, err);
    size_t got = 0;
    while (!rc && got < length) {
        ssize_t r = pread(fd, out->data + out->len + got, length - got, (off_t)offset + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = mlac_errf(err, MLAC_EIO, "cannot read '%s': %s", p, strerror(errno));
        else if (r == 0)
            rc = mlac_errf(err, MLAC_EINVAL, "'%s': the file ended at byte %lld, before the range's end", p,
                           offset + (long long)got);
        else
            got += (size_t)r;
    }
    close(fd);
    if (!rc) {
        out->len += length;
        if (out->data)
            out->data[out->len] = '\0';
    }
    return rc;
}

static int file_write(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    return fs_write_atomic(p, data, n, err);
}

static int file_append(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    return fs_append_sync(p, data, n, err);
}

static int file_exists(store *s, const char *path, int *exists, mlac_err *err)
{
    (void)err;
    char p[4096];
    full_path(s, path, p, sizeof p);
    *exists = fs_exists(p);
    return MLAC_OK;
}

static const char *file_local_path(store *s, const char *path, char *tmp, size_t tmp_size)
{
    full_path(s, path, tmp, tmp_size);
    return tmp;
}

static int file_lock(store *s, const char *path, int *handle, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    int rc = fs_mkdir_parent(p, err);
    if (rc)
        return rc;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "cannot open lock '%s': %s", p, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return mlac_errf(err, MLAC_EBUSY, "'%s' is locked: another mlac process is writing this run", p);
    }
    *handle = fd;
    return MLAC_OK;
}

static void file_unlock(store *s, int handle)
{
    (void)s;
    close(handle);
}

static int file_append_unsynced(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    return fs_append(p, data, n, err);
}

static int file_sync(store *s, const char *path, mlac_err *err)
{
    char p[4096];
    full_path(s, path, p, sizeof p);
    return fs_sync_file(p, err);
}

static void file_free(store *s)
{
    free(s);
}

static const struct store_ops file_ops = {
    .scheme = "file",
    .list = file_list,
    .read = file_read,
    .read_range = file_read_range,
    .write = file_write,
    .append = file_append,
    .append_unsynced = file_append_unsynced,
    .sync = file_sync,
    .exists = file_exists,
    .lock = file_lock,
    .unlock = file_unlock,
    .local_path = file_local_path,
    .free = file_free,
};

int store_file_open(const char *root, store **out, mlac_err *err)
{
    store *s = mlac_calloc(1, sizeof *s);
    if (!s)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory opening '%s'", root);
    size_t len = strlen(root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    if (len >= sizeof s->root) {
        free(s);
        return mlac_errf(err, MLAC_EINVAL, "path too long: '%.80s...'", root);
    }
    memcpy(s->root, root, len);
    s->root[len] = '\0';
    s->ops = &file_ops;
    *out = s;
    return MLAC_OK;
}
