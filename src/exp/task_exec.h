/* task_exec.h — one task: build the training and test matrices, fit, score, measure, record.
 *
 * The result is a JSON object (the task's ledger line) and a predictions CSV
 * (stats/predictions.h: path,label,score,prob per test clip). Metrics: ROC-AUC, PR-AUC, accuracy, F1, log-loss,
 * precision at recall 0.8/0.9/0.95, recall at precision 0.8/0.9/0.95 and, for models whose
 * probabilities are fitted (not the SVM's fixed sigmoid, unless --calibrate platt), Brier and ECE. A model failure is a failed task, not a failed run.
 */
#ifndef MLAC_EXP_TASK_EXEC_H
#define MLAC_EXP_TASK_EXEC_H

#include <jansson.h>
#include "core/buf.h"
#include "core/error.h"
#include "exp/clip_features.h"
#include "exp/external.h"
#include "exp/grid.h"

typedef struct task_input {
    const grid_task *task;
    const int *fold_of;            /* (n_clips,) folds of the task's species and repeat */
    const feature_table *features; /* rows for the task's model input kind */
    unsigned long long master_seed;
    int n_threads;
    json_t *options;               /* the model's options (borrowed, may be NULL) */
    const char *features_error;    /* set when the model's features could not be built: the task fails with it */
    int calibrate_platt;           /* --calibrate platt: Platt-scale margin models on their training set */
    const external_set *external;  /* --test-data: also "external_roc_auc" (may be NULL) */
    int group_score;               /* 0, or 1/2: also "group_roc_auc" over the test groups, a group's score
                                      the max/mean of its clips' and its label positive if any clip is */
} task_input;

/* Always returns a result object (status "ok" or "failed" with "error"); predictions gets the
 * CSV text of the test scores when the task succeeded. Status "cancelled" when the thread's
 * cancel flag (core/cancel.h) stopped the fit: not a result, the caller records nothing. */
json_t *task_execute(const task_input *in, buf *predictions);

/* The metrics a task measures on its test predictions (everything in its ledger line's "metrics"
 * but group_roc_auc and external_roc_auc): ranking metrics from score, the rest from prob; brier
 * and ece null unless probabilistic. NULL (err set) on a failure. The ledger's check of a line
 * (exp/ledger.h) recomputes them from the predictions file. */
json_t *task_metrics_compute(const double *score, const double *prob, const int *y, size_t n, int probabilistic,
                             mlac_err *err);
/* ROC-AUC over groups: row i (score, label y) is in group gid[i] < n_groups; a group's score is
 * the max (how 1) or mean (how 2) of its rows' scores, its label 1 when any row is positive. A
 * task's line keeps what this needs in "group_check" ({score: max|mean, n_groups, gids: one per
 * predictions row}), so the ledger's check recomputes "group_roc_auc". */
/* Into *auc (NAN when there is none); MLAC_ENOMEM on out of memory, never read as a NAN. */
int task_group_auc(const double *score, const int *y, const int *gid, size_t n, size_t n_groups, int how,
                   double *auc);
/* 1 unless the model's prob is a fixed sigmoid of a margin (the SVM's), calibrated only by Platt. */
int task_model_is_probabilistic(const char *model);

/* "predictions/<species>/<model>/n00050_r0_f3.csv" for a task. */
void task_predictions_path(const grid_task *t, char *out, size_t n);

#endif
