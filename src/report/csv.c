/* csv.c — RFC 4180 reader (see csv.h). */
#include "report/csv.h"
#include "core/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct csv_row {
    char *field[CSV_MAX_COLS];
    size_t n;
} csv_row;

static void row_clear(csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->field[i]);
    r->n = 0;
}

/* Reads one record starting at *pos; returns 0 at end of text, 1 for a record, -1 on error. */
static int read_record(const char *text, size_t len, size_t *pos, csv_row *row, buf *field, mlac_err *err,
                       const char *name, size_t line)
{
    size_t p = *pos;
    if (p >= len)
        return 0;
    row->n = 0;
    for (;;) {
        field->len = 0;
        if (field->data)
            field->data[0] = '\0';
        if (p < len && text[p] == '"') {
            p++;
            for (;;) {
                if (p >= len) {
                    mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: unterminated quoted field", name, line);
                    return -1;
                }
                if (text[p] == '"' && p + 1 < len && text[p + 1] == '"') {
                    if (buf_append(field, "\"", 1, err))
                        return -1;
                    p += 2;
                } else if (text[p] == '"') {
                    p++;
                    break;
                } else if (buf_append(field, text + p++, 1, err)) {
                    return -1;
                }
            }
        }
        size_t start = p;
        while (p < len && text[p] != ',' && text[p] != '\n' && text[p] != '\r')
            p++;
        if (buf_append(field, text + start, p - start, err) || buf_reserve(field, 0, err))
            return -1;
        if (row->n == CSV_MAX_COLS) {
            mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: more than %d columns", name, line, CSV_MAX_COLS);
            return -1;
        }
        row->field[row->n] = strdup(field->data);
        if (!row->field[row->n]) {
            mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
            return -1;
        }
        row->n++;
        if (p < len && text[p] == ',') {
            p++;
            continue;
        }
        if (p < len && text[p] == '\r')
            p++;
        if (p < len && text[p] == '\n')
            p++;
        break;
    }
    *pos = p;
    return 1;
}

int csv_parse(const char *text, size_t len, const char *name, csv_table *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    csv_row *row = calloc(1, sizeof *row);
    buf field;
    buf_init(&field, 16u << 20);
    size_t cap = 0, pos = 0, line = 0;
    int rc = row ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
    while (!rc) {
        line++;
        int got = read_record(text, len, &pos, row, &field, err, name, line);
        if (got < 0) {
            rc = err ? err->code : MLAC_EFORMAT;
            break;
        }
        if (got == 0)
            break;
        if (row->n == 1 && !row->field[0][0]) { /* an empty line */
            row_clear(row);
            continue;
        }
        if (line == 1)
            out->n_cols = row->n;
        else if (row->n > out->n_cols) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %zu fields, the header has %zu", name, line, row->n,
                           out->n_cols);
            break;
        }
        size_t rows = line == 1 ? 0 : out->n_rows + 1;
        if ((rows + 1) * out->n_cols > cap) {
            size_t ncap = cap ? 2 * cap : 64 * out->n_cols;
            while (ncap < (rows + 1) * out->n_cols)
                ncap *= 2;
            char **c = realloc(out->cells, ncap * sizeof *c);
            if (!c) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
                break;
            }
            out->cells = c, cap = ncap;
        }
        for (size_t i = 0; i < out->n_cols; i++) {
            char *v = i < row->n ? row->field[i] : strdup("");
            if (i < row->n)
                row->field[i] = NULL;
            out->cells[rows * out->n_cols + i] = v;
            if (!v)
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
        }
        row->n = 0;
        if (line > 1)
            out->n_rows++;
    }
    if (row)
        row_clear(row);
    free(row);
    buf_release(&field);
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
