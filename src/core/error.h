/* error.h — the one error convention of mlac.
 *
 * Every fallible function returns an int status (0 = MLAC_OK) and fills a caller-owned
 * mlac_err with a human message that names the file or field at fault. Library code never
 * prints and never exits; only src/cli turns an error into a message and an exit code.
 * Messages are lower-case and quote the thing they are about:  cannot read 'a.wav': ...
 */
#ifndef MLAC_CORE_ERROR_H
#define MLAC_CORE_ERROR_H

#include <stddef.h>

enum mlac_status {
    MLAC_OK = 0,
    MLAC_EINVAL,    /* bad argument, spec field or request */
    MLAC_EIO,       /* a read or write failed */
    MLAC_EFORMAT,   /* input exists but is malformed */
    MLAC_ENOTFOUND, /* a file, species or key is missing */
    MLAC_ENOMEM,    /* allocation failed or a size limit was hit */
    MLAC_ECANCEL,   /* stopped by the user (Ctrl-C) or a cancel request */
    MLAC_EUNAVAIL,  /* a needed component (embedder, credential) is not configured */
    MLAC_EINTERNAL, /* a bug: an invariant did not hold */
    MLAC_EBUSY      /* another process holds what this one needs (a run's lock): try again later */
};

typedef struct mlac_err {
    int code;       /* enum mlac_status */
    char msg[1024]; /* NUL-terminated, empty when code == MLAC_OK */
} mlac_err;

/* Sets code and a printf-style message; returns code so callers can `return mlac_errf(...)`.
 * err may be NULL (the status is still returned). */
int mlac_errf(mlac_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends context to an existing message ("loading 'x': " + old); returns err->code. */
int mlac_err_prefix(mlac_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void mlac_err_clear(mlac_err *err);

/* Short name of a status code, for logs and JSON ("invalid", "io", ...). */
const char *mlac_status_name(int code);

#endif
