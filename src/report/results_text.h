/* results_text.h — a run's results as text for the terminal: per species a compact table of
 * model x training size (mean ROC-AUC and its 95% interval from summary.json), the best model
 * at each size marked "*", a model significantly below that best marked "-" (significance.csv,
 * Holm-adjusted), and per model the clips per class needed for ROC-AUC 0.9.
 *
 * The clips line says only what the data support, by the rules of report_claims.h (the HTML
 * report's): "reached at n = N" when a measured mean is at or above 0.9 (whatever a fit says); a
 * fitted forecast (curves.csv) only when the fit had at least REPORT_FIT_MIN_SIZES sizes and the
 * forecast lies within [smallest, 4 x largest] measured n; otherwise why not ("a fit needs 4
 * sizes, this run has 2"; "beyond 4 x the largest n").
 */
#ifndef MLAC_REPORT_RESULTS_TEXT_H
#define MLAC_REPORT_RESULTS_TEXT_H

#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

/* Appends the text of run run_id (a folder of store st) to out. */
int results_text(store *st, const char *run_id, buf *out, mlac_err *err);

#endif
