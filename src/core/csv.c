/* csv.c — the RFC 4180 writer, record reader (one pass over the bytes, one field at a time) and
 * table of csv.h. */
#include "core/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int csv_needs_quotes(const char *s)
{
    size_t len = strlen(s);
    return s[strcspn(s, ",\"\r\n")] != '\0' || (len && (s[0] == ' ' || s[len - 1] == ' '));
}

int csv_quote(buf *b, const char *s, mlac_err *err)
{
    if (!csv_needs_quotes(s))
        return buf_puts(b, s, err);
    int rc = buf_append(b, "\"", 1, err);
    for (const char *p = s; !rc && *p; p++)
        rc = *p == '"' ? buf_append(b, "\"\"", 2, err) : buf_append(b, p, 1, err);
    return rc ? rc : buf_append(b, "\"", 1, err);
}

void csv_reader_init(csv_reader *r, const void *data, size_t n, const char *name)
{
    r->p = data;
    r->end = r->p + n;
    r->name = name ? name : "csv";
    r->line = 1;
    r->record_line = 1;
    r->max_field = CSV_MAX_FIELD;
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
    buf_init(&b, r->max_field + 1);
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
                if (!c) {
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a NUL byte", r->name, r->line);
                    goto out;
                }
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
                if (!*r->p) {
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a NUL byte", r->name, r->line);
                    goto out;
                }
                r->p++;
            }
            if ((size_t)(r->p - s) > r->max_field) {
                rc = MLAC_ENOMEM;
                b.len = r->max_field;
                goto field_too_long;
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
    if (rc == MLAC_ENOMEM && b.len >= r->max_field)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a field longer than %zu bytes", r->name, r->line,
                       r->max_field);
out:
    buf_release(&b);
    return rc;
}

int csv_parse(const char *text, size_t len, const char *name, csv_table *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    csv_reader rd;
    csv_reader_init(&rd, text ? text : "", text ? len : 0, name);
    strlist f;
    strlist_init(&f);
    size_t cap = 0, records = 0;
    int rc = MLAC_OK, got = 0;
    while (!rc && !(rc = csv_next(&rd, &f, &got, err)) && got) {
        if (f.n == 1 && !f.items[0][0]) /* a blank line */
            continue;
        if (records == 0)
            out->n_cols = f.n;
        else if (f.n > out->n_cols) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %zu fields, the header has %zu", rd.name, rd.record_line,
                           f.n, out->n_cols);
            break;
        }
        size_t row = records;
        if ((row + 1) * out->n_cols > cap) {
            size_t ncap = cap ? 2 * cap : 64 * out->n_cols;
            while (ncap < (row + 1) * out->n_cols)
                ncap *= 2;
            char **c = realloc(out->cells, ncap * sizeof *c);
            if (!c) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", rd.name);
                break;
            }
            out->cells = c, cap = ncap;
        }
        for (size_t i = 0; i < out->n_cols; i++) {
            char *v = i < f.n ? f.items[i] : strdup("");
            if (i < f.n)
                f.items[i] = NULL; /* moved into the table */
            out->cells[row * out->n_cols + i] = v;
            if (!v && !rc)
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", rd.name);
        }
        if (records++)
            out->n_rows++;
    }
    strlist_release(&f);
    if (!rc && !out->n_cols)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is empty (no header row)", name);
    if (rc)
        csv_release(out);
    return rc;
}

void csv_release(csv_table *t)
{
    if (!t || !t->cells) {
        if (t)
            memset(t, 0, sizeof *t);
        return;
    }
    size_t total = (t->n_rows + 1) * t->n_cols;
    for (size_t i = 0; i < total; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int csv_col(const csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->cells[i], name))
            return (int)i;
    return -1;
}

const char *csv_get(const csv_table *t, size_t row, int col)
{
    if (col < 0 || (size_t)col >= t->n_cols || row >= t->n_rows)
        return "";
    return t->cells[(row + 1) * t->n_cols + (size_t)col];
}

double csv_num(const csv_table *t, size_t row, int col)
{
    const char *s = csv_get(t, row, col);
    char *end;
    if (!*s)
        return NAN;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end ? NAN : v;
}
