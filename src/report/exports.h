/* exports.h — the tidy tables of report/: tasks.csv (the ledger flattened, one row per task),
 * summary.csv and summary.json, and copies of significance.csv and curves.csv.
 *
 * Tidy: one header row, one row per observation, RFC 4180 quoting only where needed, empty
 * cells for missing values, true/false for booleans, lists space separated (tasks.csv's
 * n_requested), so pandas.read_csv and R's read.csv take them without options. summary.csv has
 * one row per requested size a cell answers (n_requested a number, capped per row). summary.csv is written from
 * summary.json (the source of truth) when it exists, so the two always agree; without either,
 * both are written from the cells computed from the tasks.
 */
#ifndef MLAC_REPORT_EXPORTS_H
#define MLAC_REPORT_EXPORTS_H

#include "core/buf.h"
#include "core/error.h"
#include "report/report_data.h"
#include "store/store.h"

/* Writes <run_id>/report/{tasks.csv, summary.csv, summary.json, significance.csv, curves.csv}. */
int exports_write(store *st, const report_run *r, mlac_err *err);


#endif
