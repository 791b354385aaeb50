/* html.h — index.html: one self-contained page (inline SVG, CSS and a little JavaScript).
 *
 * Sections: a header with the run at a glance and notes on anything missing; an answer card
 * (best model per species, whom it beats, fewest clips for AUC 0.9); per species the
 * headline chart (linear/log x, legend toggles, hover text, fitted curves on request), the
 * pooled ROC curves at the largest size, a model x size heatmap of mean AUC, the significance
 * table and the learning-curve fits ("clips needed for AUC 0.9"), training progress per epoch
 * where tasks report a history; then time and memory per model, failed tasks, and the run's
 * spec, versions and data fingerprint with links to the exports.
 * Invariant: every string from the run is escaped (report_esc); the page loads nothing.
 */
#ifndef MLAC_REPORT_HTML_H
#define MLAC_REPORT_HTML_H

#include "core/buf.h"
#include "core/error.h"
#include "report/report_data.h"
#include "store/store.h"

extern const char html_css[];
extern const char html_js_guard[];
extern const char html_js_main[];

/* The whole page; reads predictions through st for the ROC curves. */
int html_write_report(store *st, const report_run *r, buf *out, mlac_err *err);

/* Parts of the page (html_glance.c, html_species.c, html_progress.c, html_run.c). */
int html_glance_card(const report_run *r, buf *out, mlac_err *err);
int html_species_section(store *st, const report_run *r, int species, buf *out, mlac_err *err);
int html_progress(const report_run *r, int species, buf *out, mlac_err *err);
/* html_calibration.c: threshold table and reliability diagram of a species. */
int html_calibration_card(store *st, const report_run *r, int species, buf *out, mlac_err *err);
int html_timing_section(const report_run *r, buf *out, mlac_err *err);
int html_failures_section(const report_run *r, buf *out, mlac_err *err);
/* "Flagged tasks": finished tasks whose ledger line carries a "warning" (constant scores). */
int html_flagged_section(const report_run *r, buf *out, mlac_err *err);
int html_run_section(const report_run *r, buf *out, mlac_err *err);

#endif
