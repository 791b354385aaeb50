/* csv.h — RFC 4180 CSV, the one reader and writer of every CSV mlac reads or writes
 * (predictions, summary/significance/curves/tasks tables, splits, features output, labels.csv,
 * groups files, BirdNET-Analyzer embedding tables).
 *
 * Writing: csv_quote appends one field, quoted (with doubled quotes) when it holds a comma, a
 * quote, a CR or LF, or begins or ends with a space (which a spreadsheet would trim); anything else is written as it is, so plain tables stay byte-identical to
 * what mlac always wrote. Callers add the ',' and '\n' between fields.
 *
 * Reading: a streaming tokeniser (csv_reader) over text in memory. Quoted fields may hold
 * commas, doubled quotes, CR and LF; records end at LF or CRLF; a UTF-8 byte-order mark at the
 * start is skipped. Refused, naming the file and the physical line: an unterminated quote (the
 * line it opened on), text after a closing quote, a NUL byte, more than CSV_MAX_COLS fields, a
 * field over CSV_MAX_FIELD bytes. csv_parse builds a whole table on top of it, with columns found
 * by header name, so a table that gains columns still reads.
 */
#ifndef MLAC_CORE_CSV_H
#define MLAC_CORE_CSV_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define CSV_MAX_COLS 256
#define CSV_MAX_FIELD ((size_t)16 << 20)

/* Appends s as one field (quoted when needed). */
int csv_quote(buf *b, const char *s, mlac_err *err);
/* 1 when s would be quoted by csv_quote. */
int csv_needs_quotes(const char *s);

typedef struct csv_reader {
    const char *text;   /* borrowed */
    size_t len, pos;
    const char *name;   /* for messages (borrowed) */
    size_t line;        /* physical line (1-based) where the next record starts */
    size_t record_line; /* physical line where the record last returned started */
    char *field[CSV_MAX_COLS]; /* (n,) the last record's fields, owned, NUL-terminated */
    size_t n;
    buf cur;            /* the field being read */
} csv_reader;

void csv_reader_init(csv_reader *r, const char *text, size_t len, const char *name);
/* Reads the next record into r->field / r->n: 1 for a record, 0 at the end, -1 on an error
 * (err names the file and line). A blank line is a record of one empty field. */
int csv_next(csv_reader *r, mlac_err *err);
void csv_reader_release(csv_reader *r);

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
