/* predictions.h — a task's test predictions: the table and its CSV file
 * (predictions/<species>/<model>/nNNNNN_rR_fF.csv).
 *
 * The file is RFC 4180 CSV (core/csv.h) with the header "path,label,score,prob": one row per
 * test clip, the clip's path quoted when it holds a comma, quote or newline, label 0 or 1, and
 * score and prob printed with the fewest digits (15 to 17) that read back exactly, so a reader gets back the very doubles the
 * task measured its metrics on (exp/ledger.h recomputes them to check a ledger line).
 * predictions_parse is strict: the exact header, four fields a row, label 0/1, finite numbers,
 * prob in [0, 1]; anything else is refused naming the file and line.
 */
#ifndef MLAC_STATS_PREDICTIONS_H
#define MLAC_STATS_PREDICTIONS_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define PREDICTIONS_HEADER "path,label,score,prob\n"

typedef struct predictions {
    char **path;   /* (n,) owned */
    int *label;    /* (n,) 0 or 1 */
    double *score; /* (n,) the model's ranking score */
    double *prob;  /* (n,) its probability */
    size_t n, cap;
} predictions;

/* Appends one row (after PREDICTIONS_HEADER). */
int predictions_write_row(buf *b, const char *path, int label, double score, double prob, mlac_err *err);
/* Appends the rows of one file's text to p (p zeroed, or holding earlier files' rows). */
int predictions_parse(const char *text, size_t len, const char *name, predictions *p, mlac_err *err);
void predictions_release(predictions *p);

#endif
