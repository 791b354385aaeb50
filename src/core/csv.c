/* csv.c — RFC 4180 writer and streaming reader (see csv.h). */
#include "core/csv.h"

#include <math.h>
#include <stdio.h>
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

void csv_reader_init(csv_reader *r, const char *text, size_t len, const char *name)
{
    memset(r, 0, sizeof *r);
    r->text = text ? text : "";
    r->len = text ? len : 0;
    r->name = name ? name : "csv";
    r->line = 1;
    buf_init(&r->cur, CSV_MAX_FIELD);
    if (r->len >= 3 && !memcmp(r->text, "\xEF\xBB\xBF", 3))
        r->pos = 3; /* a UTF-8 byte-order mark, as spreadsheets write */
}

static int is_sep(char c)
{
    return c == ',' || c == '\r' || c == '\n';
}

static void clear_fields(csv_reader *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->field[i]);
    r->n = 0;
}

void csv_reader_release(csv_reader *r)
{
    if (!r)
        return;
    clear_fields(r);
    buf_release(&r->cur);
}

static int fail(csv_reader *r, mlac_err *err, size_t line, const char *what)
{
    mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %s", r->name, line, what);
    return -1;
}

static int add_byte(csv_reader *r, char c, mlac_err *err)
{
    if (!c)
        return fail(r, err, r->line, "a NUL byte");
    if (buf_append(&r->cur, &c, 1, err)) {
        mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a field longer than %zu bytes", r->name, r->line,
                  (size_t)CSV_MAX_FIELD);
        return -1;
    }
    return 0;
}

/* A quoted field: r->pos is just after the opening quote. */
static int read_quoted(csv_reader *r, mlac_err *err)
{
    size_t opened = r->line;
    for (;;) {
        if (r->pos >= r->len) {
            char what[96];
            snprintf(what, sizeof what, "unterminated quoted field (the quote opens on line %zu)", opened);
            return fail(r, err, opened, what);
        }
        char c = r->text[r->pos++];
        if (c == '"') {
            if (r->pos < r->len && r->text[r->pos] == '"') {
                r->pos++;
                if (add_byte(r, '"', err))
                    return -1;
                continue;
            }
            if (r->pos < r->len && !is_sep(r->text[r->pos]))
                return fail(r, err, r->line, "text after a closing quote (a quote inside a quoted field is "
                                             "written twice)");
            return 0;
        }
        if (c == '\n')
            r->line++;
        if (add_byte(r, c, err))
            return -1;
    }
}

static int end_field(csv_reader *r, mlac_err *err)
{
    if (r->n == CSV_MAX_COLS) {
        char what[64];
        snprintf(what, sizeof what, "more than %d fields", CSV_MAX_COLS);
        return fail(r, err, r->record_line, what);
    }
    r->field[r->n] = strdup(r->cur.data ? r->cur.data : "");
    if (!r->field[r->n]) {
        mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", r->name);
        return -1;
    }
    r->n++;
    r->cur.len = 0;
    if (r->cur.data)
        r->cur.data[0] = '\0';
    return 0;
}

int csv_next(csv_reader *r, mlac_err *err)
{
    clear_fields(r);
    if (r->pos >= r->len)
        return 0;
    r->record_line = r->line;
    r->cur.len = 0;
    if (r->cur.data)
        r->cur.data[0] = '\0';
    for (;;) {
        if (r->pos < r->len && r->text[r->pos] == '"') {
            r->pos++;
            if (read_quoted(r, err))
                return -1;
        }
        while (r->pos < r->len && !is_sep(r->text[r->pos]))
            if (add_byte(r, r->text[r->pos++], err))
                return -1;
        if (end_field(r, err))
            return -1;
        if (r->pos >= r->len)
            return 1;
        char c = r->text[r->pos++];
        if (c == ',')
            continue;
        if (c == '\r') {
            if (r->pos < r->len && r->text[r->pos] != '\n')
                return fail(r, err, r->line, "a CR that does not end the line");
            r->pos++;
        }
        r->line++;
        return 1;
    }
}

int csv_parse(const char *text, size_t len, const char *name, csv_table *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    csv_reader rd;
    csv_reader_init(&rd, text, len, name);
    size_t cap = 0, records = 0;
    int rc = MLAC_OK;
    while (!rc) {
        int got = csv_next(&rd, err);
        if (got < 0) {
            rc = err && err->code ? err->code : MLAC_EFORMAT;
            break;
        }
        if (got == 0)
            break;
        if (rd.n == 1 && !rd.field[0][0]) /* a blank line */
            continue;
        if (records == 0)
            out->n_cols = rd.n;
        else if (rd.n > out->n_cols) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %zu fields, the header has %zu", rd.name, rd.record_line,
                           rd.n, out->n_cols);
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
            char *v = i < rd.n ? rd.field[i] : strdup("");
            if (i < rd.n)
                rd.field[i] = NULL;
            out->cells[row * out->n_cols + i] = v;
            if (!v && !rc)
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", rd.name);
        }
        for (size_t i = 0; i < rd.n; i++) /* moved into the table above */
            rd.field[i] = NULL;
        rd.n = 0;
        if (records++)
            out->n_rows++;
    }
    csv_reader_release(&rd);
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
