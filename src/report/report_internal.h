/* report_internal.h — helpers shared by the files of src/report; not part of its API. */
#ifndef MLAC_REPORT_INTERNAL_H
#define MLAC_REPORT_INTERNAL_H

#include <stdarg.h>
#include "report/report_data.h"

/* Appends name to l unless it is empty or already there. */
int report_add_name(strlist *l, const char *name, mlac_err *err);
/* Appends a printf-formatted note to r->notes. */
int report_note(report_run *r, mlac_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reads <run_id>/<name> into out; *found = 0 and MLAC_OK when it does not exist. */
int report_read_optional(store *st, const report_run *r, const char *name, buf *out, int *found,
                         mlac_err *err);

/* report_summary.c: the ROC-AUC cells from summary.json, summary.csv or the tasks. */
int report_load_summary(store *st, report_run *r, mlac_err *err);
/* report_tables.c: significance.csv and curves.csv; indices resolved after the names are final. */
int report_load_tables(store *st, report_run *r, mlac_err *err);
void report_resolve_tables(report_run *r);
/* report_folds.c: notes on the folds' grouping and the run's data warnings from spec.json. */
int report_fold_notes(report_run *r, mlac_err *err);

#endif
