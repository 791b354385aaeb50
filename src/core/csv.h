/* csv.h — RFC 4180 CSV, the one reader and writer of every CSV mlac reads or writes
 * (predictions, summary/significance/curves/tasks tables, features output, labels manifests).
 *
 * Writing: csv_quote appends one field, quoted (with doubled quotes) when it holds a comma, a
 * quote, a CR or LF, or begins or ends with a space (which a spreadsheet would trim); anything
 * else is written as it is, so plain tables stay byte-identical to what mlac always wrote.
 * Callers add the ',' and '\n' between fields.
 *
 * Reading: a record reader (tokeniser): fields separated by commas, records by CRLF or LF; a
 * field may be quoted ("a, b", "say ""hi""", a line break inside quotes is part of the field).
 * A UTF-8 byte-order mark at the start is skipped. Whitespace is kept as written.
 * Limits: at most CSV_MAX_FIELDS fields per record and CSV_MAX_FIELD bytes per field (a reader's
 * max_field, set after csv_reader_init, raises it for one file kind); more is a
 * format error naming the line, as are an unterminated quote (named by the line it opens on),
 * text after a closing quote, a quote inside an unquoted field and a NUL byte.
 * The reader keeps a pointer to the bytes it was given: they must outlive it.
 *
 * csv_parse builds a whole table on top of the reader, with columns found by header name, so a
 * table that gains columns still reads.
 */
#ifndef MLAC_CORE_CSV_H
#define MLAC_CORE_CSV_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define CSV_MAX_FIELDS 256
#define CSV_MAX_FIELD (64u << 10)

/* Appends s as one field (quoted when needed). */
int csv_quote(buf *b, const char *s, mlac_err *err);
/* 1 when s would be quoted by csv_quote. */
int csv_needs_quotes(const char *s);

typedef struct csv_reader {
    const char *p, *end; /* the bytes not read yet */
    const char *name;    /* named in errors (a file name), borrowed */
    size_t line;         /* line of the next record's first byte, 1-based */
    size_t record_line;  /* line where the last record returned began */
    size_t max_field;    /* longest field accepted, CSV_MAX_FIELD unless the caller raises it */
} csv_reader;

void csv_reader_init(csv_reader *r, const void *data, size_t n, const char *name);
/* Reads the next record into fields (cleared first). *got = 1 when a record was read, 0 at the
 * end. A blank line is a record of one empty field. Returns MLAC_OK or MLAC_EFORMAT/ENOMEM. */
int csv_next(csv_reader *r, strlist *fields, int *got, mlac_err *err);

typedef struct csv_table {
    size_t n_cols;  /* columns of the header */
    size_t n_rows;  /* data rows, header excluded */
    char **cells;   /* (n_rows + 1, n_cols) owned strings, row 0 = header; short rows padded with "" */
} csv_table;

/* Parses text (len bytes); name is used in messages. Blank lines are skipped; a row longer than
 * the header is an error. */
int csv_parse(const char *text, size_t len, const char *name, csv_table *out, mlac_err *err);
void csv_release(csv_table *t);
/* Index of the column named name, or -1. */
int csv_col(const csv_table *t, const char *name);
/* Field of data row `row` (0-based), "" when col < 0. */
const char *csv_get(const csv_table *t, size_t row, int col);
/* The field as a number: NAN when empty or not a number. */
double csv_num(const csv_table *t, size_t row, int col);

#endif
