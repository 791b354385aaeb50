/* report.h — turns a run folder into report/: the per-species ROC-AUC learning curves (SVG and
 * PNG), an interactive self-contained index.html, and tidy CSV/JSON exports.
 *
 * Reads only what the run wrote (spec.json, tasks.jsonl, predictions/, summary.json,
 * significance.csv, curves.csv) through the store, so `mlac report RUN_DIR` regenerates it from
 * the run folder alone.
 */
#ifndef MLAC_REPORT_REPORT_H
#define MLAC_REPORT_REPORT_H

#include "core/error.h"

typedef struct report_options {
    int png_dpi;   /* 0 = 150; 300 for print */
} report_options;

/* output_dir: the results root (folder or URI); run_id: the run folder inside it. */
int report_write_run(const char *output_dir, const char *run_id, mlac_err *err);
int report_write_run_opts(const char *output_dir, const char *run_id, const report_options *opt, mlac_err *err);

#endif
