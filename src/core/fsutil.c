/* fsutil.c — local-filesystem helpers (see fsutil.h). Atomicity comes from rename(2).
 * fs_list_recursive follows symbolic links but reports (log_warn, one line each up to 20, then a
 * count) what it skips: dangling links, link loops, a link back to an enclosing folder, FIFOs,
 * sockets and devices; a folder named like an audio file is reported and listed. */
#include "core/fsutil.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(const char *path, buf *out, size_t max, mlac_err *err)
{
    /* O_NONBLOCK: opening a FIFO (or a device) must not block the run; only regular files are
     * read, and the flag is cleared before reading. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return mlac_errf(err, errno == ENOENT ? MLAC_ENOTFOUND : MLAC_EIO, "cannot open '%s': %s",
                         path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        return dir ? mlac_errf(err, MLAC_EIO, "'%s' is a directory, not a file", path)
                   : mlac_errf(err, MLAC_EIO, "'%s' is not a regular file (a FIFO, socket or device?)", path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (max && st.st_size > (off_t)max) {
        close(fd);
        return mlac_errf(err, MLAC_ENOMEM, "'%s' is larger than the limit of %zu bytes", path, max);
    }
    int rc = MLAC_OK;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = mlac_errf(err, MLAC_EIO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (max && out->len + (size_t)n > max) {
            rc = mlac_errf(err, MLAC_ENOMEM, "'%s' is larger than the limit of %zu bytes", path, max);
            break;
        }
        rc = buf_append(out, chunk, (size_t)n, err);
        if (rc)
            break;
    }
    close(fd);
    if (rc == MLAC_OK && !out->data)
        rc = buf_reserve(out, 0, err); /* empty file: still a valid, NUL-terminated buffer */
    return rc;
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t n, mlac_err *err)
{
    static atomic_uint counter;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
    int rc = fs_mkdir_parent(path, err);
    if (rc)
        return rc;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "cannot create '%s': %s", tmp, strerror(errno));
    if (write_all(fd, data, n) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return mlac_errf(err, MLAC_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return mlac_errf(err, MLAC_EIO, "cannot rename into '%s': %s", path, strerror(e));
    }
    return MLAC_OK;
}

static int append_record(const char *path, const void *data, size_t n, int sync, mlac_err *err)
{
    int rc = fs_mkdir_parent(path, err);
    if (rc)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "cannot open '%s' for append: %s", path, strerror(errno));
    if (write_all(fd, data, n) != 0 || (sync && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        return mlac_errf(err, MLAC_EIO, "cannot append to '%s': %s", path, strerror(e));
    }
    close(fd);
    return MLAC_OK;
}

int fs_append_sync(const char *path, const void *data, size_t n, mlac_err *err)
{
    return append_record(path, data, n, 1, err);
}

int fs_append(const char *path, const void *data, size_t n, mlac_err *err)
{
    return append_record(path, data, n, 0, err);
}

int fs_sync_file(const char *path, mlac_err *err)
{
    /* fsync flushes the file's dirty pages whichever descriptor wrote them */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "cannot open '%s' to sync it: %s", path, strerror(errno));
    int e = fsync(fd) != 0 ? errno : 0;
    close(fd);
    return e ? mlac_errf(err, MLAC_EIO, "cannot sync '%s': %s", path, strerror(e)) : MLAC_OK;
}

int fs_mkdir_p(const char *path, mlac_err *err)
{
    char tmp[4096];
    size_t len = strlen(path);
    if (len == 0)
        return MLAC_OK;
    if (len >= sizeof tmp)
        return mlac_errf(err, MLAC_EINVAL, "path too long: '%.80s...'", path);
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return mlac_errf(err, MLAC_EIO, "cannot create directory '%s': %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return mlac_errf(err, MLAC_EIO, "cannot create directory '%s': %s", tmp, strerror(errno));
    if (!fs_is_dir(tmp))
        return mlac_errf(err, MLAC_EIO, "'%s' exists and is not a directory", tmp);
    return MLAC_OK;
}

int fs_mkdir_parent(const char *path, mlac_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    if (!slash || slash == tmp)
        return MLAC_OK;
    *slash = '\0';
    return fs_mkdir_p(tmp, err);
}

int fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

#define LIST_REPORT_MAX 20 /* skipped entries reported one line each; past this, only a count */

typedef struct list_ctx {
    const char *root;
    size_t n_skipped;
    dev_t dev[34]; /* the directories on the current path (loop detection) */
    ino_t ino[34];
} list_ctx;

static void report_skip(list_ctx *c, const char *child, const char *why)
{
    if (++c->n_skipped <= LIST_REPORT_MAX)
        log_warn("listing '%s': skipping '%s': %s", c->root, child, why);
}

/* 1 if name ends like an audio file (a directory so named is likely a mistake). */
static int audio_like(const char *name)
{
    static const char *ext[] = {".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff", ".opus"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && !strcasecmp(name + n - k, ext[i]))
            return 1;
    }
    return 0;
}

static int list_into(list_ctx *c, const char *rel, strlist *out, int depth, mlac_err *err)
{
    const char *root = c->root;
    if (depth > 32)
        return mlac_errf(err, MLAC_EINVAL, "directory tree under '%s' is too deep", root);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return mlac_errf(err, errno == ENOENT ? MLAC_ENOTFOUND : MLAC_EIO, "cannot list '%s': %s", dir,
                         strerror(errno));
    struct stat self;
    if (fstat(dirfd(d), &self) == 0) {
        c->dev[depth] = self.st_dev;
        c->ino[depth] = self.st_ino;
    }
    int rc = MLAC_OK;
    struct dirent *e;
    while (rc == MLAC_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, ".", ".." and our own temp files are skipped */
        char child[4096];
        snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", root, child);
        struct stat st;
        if (stat(full, &st) != 0) {
            int why = errno;
            struct stat ls;
            if (why == ELOOP)
                report_skip(c, child, "a symbolic link loop");
            else if (why == ENOENT && lstat(full, &ls) == 0 && S_ISLNK(ls.st_mode))
                report_skip(c, child, "a dangling symbolic link");
            else
                report_skip(c, child, strerror(why));
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int loop = 0;
            for (int k = 0; k <= depth; k++)
                loop |= c->dev[k] == st.st_dev && c->ino[k] == st.st_ino;
            if (loop) {
                report_skip(c, child, "a symbolic link to a folder that contains it (a loop)");
                continue;
            }
            if (audio_like(e->d_name))
                log_warn("listing '%s': '%s' is a folder, not an audio file; its files are listed", root, child);
            rc = list_into(c, child, out, depth + 1, err);
        } else if (S_ISREG(st.st_mode) && !strstr(e->d_name, ".tmp.")) {
            rc = strlist_push(out, child, err);
        } else if (!S_ISREG(st.st_mode)) {
            report_skip(c, child, "not a regular file (a FIFO, socket or device)");
        }
    }
    closedir(d);
    return rc;
}

int fs_list_recursive(const char *dir, strlist *out, mlac_err *err)
{
    size_t first = out->n;
    list_ctx c = {.root = dir};
    int rc = list_into(&c, "", out, 0, err);
    if (c.n_skipped > LIST_REPORT_MAX)
        log_warn("listing '%s': %zu entries skipped in all (the first %d are named above)", dir, c.n_skipped,
                 LIST_REPORT_MAX);
    if (rc == MLAC_OK && out->n > first) {
        strlist tail = {out->items + first, out->n - first, out->n - first};
        strlist_sort(&tail);
    }
    return rc;
}
