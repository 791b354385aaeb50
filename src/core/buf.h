/* buf.h — growable byte buffer with a maximum size, and a growable list of strings.
 *
 * A buf owns its data; data is always NUL-terminated (len excludes the NUL) so text can be
 * used in place. Growth beyond max (0 = BUF_DEFAULT_MAX) fails with MLAC_ENOMEM instead of
 * exhausting memory on hostile input. A failed growth (out of memory) is sticky: every later
 * append fails too, so a text built with unchecked appends (err NULL) is caught whole by the one
 * checked call that ends it, never written with a piece missing.
 */
#ifndef MLAC_CORE_BUF_H
#define MLAC_CORE_BUF_H

#include <stddef.h>
#include "core/error.h"

#define BUF_DEFAULT_MAX ((size_t)4 << 30) /* 4 GiB */

typedef struct buf {
    char *data;  /* NUL-terminated; NULL until first growth */
    size_t len;  /* bytes used, excluding the terminating NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* growth limit; 0 means BUF_DEFAULT_MAX */
    int failed;  /* 1 after a growth failed for want of memory: the contents miss a piece */
} buf;

void buf_init(buf *b, size_t max);
void buf_release(buf *b);
int buf_reserve(buf *b, size_t extra, mlac_err *err);
int buf_append(buf *b, const void *data, size_t n, mlac_err *err);
int buf_puts(buf *b, const char *s, mlac_err *err);
int buf_printf(buf *b, mlac_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Hands the data to the caller (who frees it) and leaves b empty. */
char *buf_detach(buf *b, size_t *len);

typedef struct strlist {
    char **items; /* each owned, NUL-terminated */
    size_t n;
    size_t cap;
} strlist;

void strlist_init(strlist *l);
void strlist_release(strlist *l);
int strlist_push(strlist *l, const char *s, mlac_err *err);
void strlist_sort(strlist *l);
/* Splits each element of argv on commas and spaces, appending non-empty parts. */
int strlist_push_split(strlist *l, const char *s, mlac_err *err);
/* Pushes the comma-separated items of s, trimmed of surrounding blanks: "Turdus migratorius,
 * coyote" is two items (names keep their spaces). Empty items are skipped. */
int strlist_push_items(strlist *l, const char *s, mlac_err *err);
int strlist_contains(const strlist *l, const char *s);

#endif
