/* error.c — formatting of mlac_err messages (see error.h for the convention). */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mlac_errf(mlac_err *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int mlac_err_prefix(mlac_err *err, const char *fmt, ...)
{
    if (!err)
        return MLAC_EINTERNAL;
    char prefix[512];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t plen = strlen(prefix);
    if (plen >= sizeof err->msg)
        plen = sizeof err->msg - 1;
    memcpy(err->msg, prefix, plen);
    size_t rest = strnlen(old, sizeof old - 1);
    if (rest > sizeof err->msg - 1 - plen)
        rest = sizeof err->msg - 1 - plen;
    memcpy(err->msg + plen, old, rest);
    err->msg[plen + rest] = '\0';
    return err->code;
}

void mlac_err_clear(mlac_err *err)
{
    if (!err)
        return;
    err->code = MLAC_OK;
    err->msg[0] = '\0';
}

const char *mlac_status_name(int code)
{
    static const char *names[] = {"ok", "invalid", "io", "format", "not-found",
                                  "no-memory", "cancelled", "unavailable", "internal", "busy"};
    if (code < 0 || code >= (int)(sizeof names / sizeof names[0]))
        return "unknown";
    return names[code];
}
