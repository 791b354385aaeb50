/* aggregate.h — from a run's ledger to its tables: summary.csv/json, significance.csv,
 * curves.csv.
 *
 * Groups finished tasks by (species, model, n); for each metric: mean, sample std and a 95%
 * Student t interval over folds x repeats, clipped to [0, 1] for bounded metrics. For ROC-AUC
 * also a DeLong interval on the pooled out-of-fold scores (per repeat, then averaged); when fewer
 * than two folds finished, the DeLong interval is the one reported (ci_method "delong").
 * Everything is computed from entries sorted by task id, so it does not depend on run order.
 * Every finished line is first verified against its predictions file (ledger_line_verify); a
 * line that fails is refused (MLAC_EFORMAT naming the ledger line and the task). The caller
 * passes only the lines of the run's grid.
 */
#ifndef MLAC_EXP_AGGREGATE_H
#define MLAC_EXP_AGGREGATE_H

#include <jansson.h>
#include "core/error.h"
#include "exp/ledger.h"
#include "stats/predictions.h"
#include "store/store.h"

/* Writes <run_id>/summary.csv, summary.json, significance.csv and curves.csv. */
int aggregate_run(store *out, const char *run_id, const ledger *led, mlac_err *err);

/* One (species, model, n) cell with the per-task values of a metric, in task-id order. */
typedef struct agg_cell {
    const char *species, *model; /* borrowed from ledger entries */
    long n;
    json_t **tasks;              /* (n_tasks,) borrowed ledger entries with status ok */
    size_t n_tasks;
    size_t n_failed;
} agg_cell;

typedef struct agg_cells {
    agg_cell *cells;             /* sorted by species, model, n */
    size_t n;
    json_t **slots;              /* storage behind every cell's tasks */
} agg_cells;

int aggregate_group(const ledger *led, agg_cells *out, mlac_err *err);
void aggregate_cells_release(agg_cells *c);
/* Values of one metric over a cell's tasks (NaN entries skipped); returns the count. */
size_t aggregate_metric_values(const agg_cell *c, const char *metric, double *out);

/* Pooled test predictions of a cell for one repeat, read from the predictions files (release
 * with predictions_release, also on an error). */
int aggregate_pooled_scores(store *out, const char *run_id, const agg_cell *c, int repeat, predictions *pooled,
                            mlac_err *err);

/* The metrics every task reports, in column order. */
extern const char *const aggregate_metrics[];

/* Writers for the two "beyond the original" tables (significance.c, curves.c). */
int aggregate_significance(store *out, const char *run_id, const agg_cells *cells, mlac_err *err);
int aggregate_curves(store *out, const char *run_id, const agg_cells *cells, mlac_err *err);

#endif
