/* csv.c — the RFC 4180 record reader of csv.h: one pass over the bytes, one field at a time. */
#include "core/csv.h"

#include <string.h>

void csv_reader_init(csv_reader *r, const void *data, size_t n, const char *name)
{
    r->p = data;
    r->end = r->p + n;
    r->name = name ? name : "csv";
    r->line = 1;
    r->record_line = 1;
    if (n >= 3 && !memcmp(r->p, "\xEF\xBB\xBF", 3))
        r->p += 3;
}

/* Appends one field (bytes in b) to fields; b is reset. */
static int push_field(csv_reader *r, buf *b, strlist *fields, mlac_err *err)
{
    if (fields->n >= CSV_MAX_FIELDS)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: more than %d fields", r->name, r->record_line,
                         CSV_MAX_FIELDS);
    int rc = buf_append(b, "", 1, err); /* the terminating NUL */
    if (!rc)
        rc = strlist_push(fields, b->data, err);
    b->len = 0;
    return rc;
}

int csv_next(csv_reader *r, strlist *fields, int *got, mlac_err *err)
{
    strlist_release(fields);
    strlist_init(fields);
    *got = 0;
    if (r->p >= r->end)
        return MLAC_OK;
    r->record_line = r->line;
    buf b;
    buf_init(&b, CSV_MAX_FIELD + 1);
    int rc = MLAC_OK;
    for (;;) {
        /* one field */
        if (r->p < r->end && *r->p == '"') {
            size_t open_line = r->line;
            r->p++;
            for (;;) {
                if (r->p >= r->end) {
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a quoted field is never closed", r->name,
                                   open_line);
                    goto out;
                }
                char c = *r->p++;
                if (c == '"') {
                    if (r->p < r->end && *r->p == '"')
                        c = *r->p++; /* "" is one quote */
                    else
                        break;
                }
                if (c == '\n')
                    r->line++;
                if ((rc = buf_append(&b, &c, 1, err)))
                    goto field_too_long;
            }
            if (r->p < r->end && *r->p != ',' && *r->p != '\n' && !(*r->p == '\r')) {
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: text after the closing quote of a field", r->name,
                               r->line);
                goto out;
            }
        } else {
            const char *s = r->p;
            while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                if (*r->p == '"') {
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a quote inside an unquoted field "
                                   "(quote the whole field and double the quote)", r->name, r->line);
                    goto out;
                }
                r->p++;
            }
            if ((rc = buf_append(&b, s, (size_t)(r->p - s), err)))
                goto field_too_long;
        }
        if ((rc = push_field(r, &b, fields, err)))
            goto out;
        if (r->p >= r->end)
            break;
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == '\r')
            r->p++;
        if (r->p < r->end && *r->p == '\n')
            r->p++;
        r->line++;
        break;
    }
    *got = 1;
    goto out;
field_too_long:
    if (rc == MLAC_ENOMEM && b.len >= CSV_MAX_FIELD)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a field longer than %u bytes", r->name, r->line,
                       CSV_MAX_FIELD);
out:
    buf_release(&b);
    return rc;
}
