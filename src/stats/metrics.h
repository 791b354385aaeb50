/* metrics.h — per-task metrics of one model on one test fold, from scores and 0/1 labels.
 *
 * Owns: ROC-AUC, average precision (PR-AUC), accuracy and F1 at 0.5, log-loss, the ROC curve.
 * Reference: scikit-learn 1.2 (roc_auc_score, average_precision_score, accuracy_score,
 * f1_score(zero_division=0), log_loss(eps=1e-15), roc_curve), checked by tests/stats/
 * against tests/fixtures/stats/metrics.json (made by tests/fixtures/gen/stats.py).
 * Invariants: ties are handled exactly as scikit-learn (AUC = Mann-Whitney U with average
 * ranks; AP and the ROC curve group tied scores into one threshold); labels are 0 or 1.
 * The scalar functions return NAN on bad input (n = 0, a NaN score, a label not 0/1,
 * or no memory); metrics_task reports the same with a message.
 */
#ifndef MLAC_STATS_METRICS_H
#define MLAC_STATS_METRICS_H

#include <stddef.h>
#include "core/error.h"

/* ROC-AUC; NAN when y holds only one class. Any ordered scores (probabilities or margins). */
double metric_roc_auc(const double *score, const int *y, size_t n);
/* The same with the reason when there is no AUC: MLAC_ENOMEM (out of memory) or MLAC_EINVAL (one
 * class, non-finite scores); *auc is NAN then. A caller that must not mistake the first for the
 * second uses this one. */
int metric_roc_auc_err(const double *score, const int *y, size_t n, double *auc, mlac_err *err);
/* For callers where "no AUC" is an answer (one class, a NaN score: *auc is NAN, MLAC_OK) but out
 * of memory is not: MLAC_ENOMEM then, with the message in err. */
int metric_roc_auc_or_nan(const double *score, const int *y, size_t n, double *auc, mlac_err *err);
/* ROC-AUC and average precision in one pass, as metric_roc_auc and metric_average_precision give
 * them, and the code of metric_roc_auc_err: MLAC_ENOMEM must not be read as "no AUC". */
int metric_ranking_err(const double *score, const int *y, size_t n, double *auc, double *ap, mlac_err *err);

/* Average precision: sum over thresholds of (R_i - R_{i-1}) * P_i, scikit-learn's
 * step-wise definition. 0 when there are no positives (as scikit-learn 1.2). */
double metric_average_precision(const double *score, const int *y, size_t n);

/* Fraction of clips where (prob >= 0.5) equals the label. */
double metric_accuracy(const double *prob, const int *y, size_t n);

/* F1 of the positive class with predictions prob >= 0.5: 2TP / (2TP + FP + FN),
 * 0 when the denominator is 0 (scikit-learn zero_division=0). */
double metric_f1(const double *prob, const int *y, size_t n);

/* Mean binary cross-entropy with prob clipped to [1e-15, 1 - 1e-15] (classic sklearn eps). */
double metric_log_loss(const double *prob, const int *y, size_t n);

/* ROC curve as scikit-learn roc_curve: points at each distinct threshold, highest first,
 * after a leading (0, 0) point whose threshold is max(score) + 1 (sklearn 1.2). With
 * drop_intermediate, collinear points are dropped exactly as sklearn does. *fpr, *tpr and
 * *thresholds are (*m,) arrays the caller frees. Needs both classes (MLAC_EINVAL otherwise). */
int metric_roc_curve(const double *score, const int *y, size_t n, int drop_intermediate,
                     double **fpr, double **tpr, double **thresholds, size_t *m, mlac_err *err);

typedef struct task_metrics {
    double roc_auc;  /* NAN with one class */
    double pr_auc;   /* average precision */
    double accuracy; /* at prob >= 0.5 */
    double f1;       /* at prob >= 0.5, zero_division = 0 */
    double log_loss; /* eps 1e-15 */
} task_metrics;

/* All of the above for probabilities in [0, 1] (anything else is MLAC_EINVAL). */
int metrics_task(const double *prob, const int *y, size_t n, task_metrics *out, mlac_err *err);

#endif
