/* buf.c — growable buffers and string lists (see buf.h). */
#include "core/buf.h"
#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
    b->failed = 0;
}

void buf_release(buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

int buf_reserve(buf *b, size_t extra, mlac_err *err)
{
    if (b->failed)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory building a buffer (an earlier append failed)");
    size_t max = b->max ? b->max : BUF_DEFAULT_MAX;
    if (extra > max || b->len + extra > max)
        return mlac_errf(err, MLAC_ENOMEM, "buffer limit of %zu bytes exceeded", max);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return MLAC_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = mlac_realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return mlac_errf(err, MLAC_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    }
    p[b->len] = '\0'; /* NUL-terminated from the first growth on, even before any append (an
                        * empty file read into a fresh buffer: fuzz_labels found strtok_r
                        * running past an unterminated 256-byte buffer) */
    b->data = p;
    b->cap = cap;
    return MLAC_OK;
}

int buf_append(buf *b, const void *data, size_t n, mlac_err *err)
{
    int rc = buf_reserve(b, n, err);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MLAC_OK;
}

int buf_puts(buf *b, const char *s, mlac_err *err)
{
    return buf_append(b, s, strlen(s), err);
}

int buf_printf(buf *b, mlac_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return mlac_errf(err, MLAC_EINTERNAL, "bad format string");
    int rc = buf_reserve(b, (size_t)n, err);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MLAC_OK;
}

char *buf_detach(buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return p;
}

void strlist_init(strlist *l)
{
    l->items = NULL;
    l->n = l->cap = 0;
}

void strlist_release(strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

int strlist_push(strlist *l, const char *s, mlac_err *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **p = mlac_realloc(l->items, cap * sizeof *p);
        if (!p)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory growing a list");
        l->items = p;
        l->cap = cap;
    }
    char *copy = mlac_strdup(s);
    if (!copy)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory copying '%s'", s);
    l->items[l->n++] = copy;
    return MLAC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(strlist *l)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof *l->items, cmp_str);
}

/* Pushes the n characters at start as one item. */
static int push_range(strlist *l, const char *start, size_t n, mlac_err *err)
{
    char tmp[512];
    if (n >= sizeof tmp)
        return mlac_errf(err, MLAC_EINVAL, "list item too long: '%.40s...'", start);
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    return strlist_push(l, tmp, err);
}

int strlist_push_split(strlist *l, const char *s, mlac_err *err)
{
    const char *p = s;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        int rc = p > start ? push_range(l, start, (size_t)(p - start), err) : MLAC_OK;
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

int strlist_push_items(strlist *l, const char *s, mlac_err *err)
{
    const char *p = s;
    while (*p) {
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        int rc = end > start ? push_range(l, start, (size_t)(end - start), err) : MLAC_OK;
        if (rc)
            return rc;
        if (*p == ',')
            p++;
    }
    return MLAC_OK;
}

int strlist_contains(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}
