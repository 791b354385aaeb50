/* csv.h — a small RFC 4180 reader for the run's tables (significance.csv, curves.csv,
 * summary.csv).
 *
 * Columns are found by header name, so a table that gains columns still reads. Quoted fields
 * may hold commas, doubled quotes and newlines; CRLF line ends are accepted; a trailing empty
 * line is ignored. Limits: at most CSV_MAX_COLS columns and the caller's buffer size.
 */
#ifndef MLAC_REPORT_CSV_H
#define MLAC_REPORT_CSV_H

#include <stddef.h>
#include "core/error.h"

#define CSV_MAX_COLS 256

typedef struct csv_table {
    size_t n_cols;  /* columns of the header */
    size_t n_rows;  /* data rows, header excluded */
    char **cells;   /* (n_rows + 1, n_cols) owned strings, row 0 = header; short rows padded with "" */
} csv_table;

/* Parses text (len bytes); name is used in messages. A row longer than the header is an error. */
int csv_parse(const char *text, size_t len, const char *name, csv_table *out, mlac_err *err);
void csv_release(csv_table *t);
/* Index of the column named name, or -1. */
int csv_col(const csv_table *t, const char *name);
/* Field of data row `row` (0-based), "" when col < 0. */
const char *csv_get(const csv_table *t, size_t row, int col);
/* The field as a number: NAN when empty or not a number. */
double csv_num(const csv_table *t, size_t row, int col);

#endif
