/* row_file.c — float rows in an unlinked scratch file (see row_file.h).
 *
 * Layout: row i at byte offset i * dim * 4, native floats (the file never leaves the process
 * that wrote it). sums[i] is the SHA-256 of row i as written; written[i] says whether it was.
 */
#include "core/row_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/hash.h"

struct row_file {
    int fd;
    size_t n, dim;
    unsigned char (*sums)[32]; /* (n, 32) SHA-256 of each row as written */
    unsigned char *written;    /* (n,) 1 once row i is in the file */
    char name[4096];           /* the path it had before the unlink */
    char what[64];             /* what the rows are, for messages */
};

int row_file_create(const char *dir, const char *what, size_t n, size_t dim, row_file **out, mlac_err *err)
{
    *out = NULL;
    if (!dim || (n && dim > ((size_t)1 << 40) / n))
        return mlac_errf(err, MLAC_EINVAL, "%s: a table of %zu rows of %zu values is not supported", what, n, dim);
    int rc = fs_mkdir_p(dir, err);
    if (rc)
        return mlac_err_prefix(err, "%s: scratch folder '%s': ", what, dir);
    row_file *f = calloc(1, sizeof *f);
    if (!f)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %s", what);
    f->fd = -1, f->n = n, f->dim = dim;
    snprintf(f->what, sizeof f->what, "%s", what);
    int len = snprintf(f->name, sizeof f->name, "%s/.mlac-rows-XXXXXX", dir);
    if (len < 0 || (size_t)len >= sizeof f->name) {
        rc = mlac_errf(err, MLAC_EINVAL, "%s: scratch folder name '%.200s' is too long", what, dir);
        goto out;
    }
    f->sums = calloc(n ? n : 1, sizeof *f->sums);
    f->written = calloc(n ? n : 1, 1);
    if (!f->sums || !f->written) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %s (%zu rows)", what, n);
        goto out;
    }
    if ((f->fd = mkstemp(f->name)) < 0) {
        rc = mlac_errf(err, MLAC_EIO, "%s: cannot create '%s': %s", what, f->name, strerror(errno));
        goto out;
    }
    unlink(f->name); /* gone when the descriptor closes, whatever happens to the process */
    if (ftruncate(f->fd, (off_t)(n * dim * sizeof(float)))) {
        rc = mlac_errf(err, MLAC_EIO, "%s: cannot size '%s' to %zu rows: %s", what, f->name, n, strerror(errno));
        goto out;
    }
out:
    if (rc)
        row_file_free(f);
    else
        *out = f;
    return rc;
}

void row_file_free(row_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->sums);
    free(f->written);
    free(f);
}

int row_file_put(row_file *f, size_t i, const float *row, mlac_err *err)
{
    if (i >= f->n)
        return mlac_errf(err, MLAC_EINTERNAL, "%s '%s': row %zu of %zu", f->what, f->name, i, f->n);
    size_t bytes = f->dim * sizeof(float), done = 0;
    off_t at = (off_t)(i * bytes);
    while (done < bytes) {
        ssize_t w = pwrite(f->fd, (const char *)row + done, bytes - done, at + (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return mlac_errf(err, MLAC_EIO, "%s: cannot write row %zu to '%s': %s", f->what, i, f->name,
                             w < 0 ? strerror(errno) : "no progress");
        done += (size_t)w;
    }
    hash_sha256(row, bytes, f->sums[i]);
    f->written[i] = 1;
    return MLAC_OK;
}

int row_file_get(const row_file *f, size_t i, float *out, mlac_err *err)
{
    if (i >= f->n || !f->written[i])
        return mlac_errf(err, MLAC_EINTERNAL, "%s '%s': row %zu was never written", f->what, f->name, i);
    size_t bytes = f->dim * sizeof(float), done = 0;
    off_t at = (off_t)(i * bytes);
    while (done < bytes) {
        ssize_t r = pread(f->fd, (char *)out + done, bytes - done, at + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return mlac_errf(err, r < 0 ? MLAC_EIO : MLAC_EFORMAT, "%s: cannot read row %zu of '%s': %s", f->what,
                             i, f->name, r < 0 ? strerror(errno) : "the file is short");
        done += (size_t)r;
    }
    unsigned char sum[32];
    hash_sha256(out, bytes, sum);
    if (memcmp(sum, f->sums[i], sizeof sum))
        return mlac_errf(err, MLAC_EFORMAT, "%s: row %zu of '%s' is damaged (checksum differs from what was written)",
                         f->what, i, f->name);
    return MLAC_OK;
}

size_t row_file_rows(const row_file *f)
{
    return f->n;
}

size_t row_file_dim(const row_file *f)
{
    return f->dim;
}

const char *row_file_name(const row_file *f)
{
    return f->name;
}

int row_file_fd(const row_file *f)
{
    return f->fd;
}
