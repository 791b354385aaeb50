/* svm_train_cancel.h — libsvm's svm_train, stoppable by the task's cancel flag (core/cancel.h).
 *
 * libsvm has no callback that can stop its solver, so a fit big enough to take a noticeable time
 * (at least SVM_CANCEL_MIN_ROWS rows) runs in a forked child while the caller polls the flag;
 * a cancel kills the child (SIGKILL) and returns MLAC_ECANCEL within a poll period (20 ms). The
 * child sends back libsvm's own results (support-vector indices, coefficients, rho, labels,
 * counts), so the model equals an in-process fit bit for bit. Smaller fits, and fits without a
 * cancel flag, run in process: they end within tens of milliseconds.
 */
#ifndef MLAC_ML_SVM_TRAIN_CANCEL_H
#define MLAC_ML_SVM_TRAIN_CANCEL_H

#include "core/error.h"

#include <stddef.h>
#include <svm.h>

#define SVM_CANCEL_MIN_ROWS 400

/* The fitted two-class model: what model_svm keeps. sv rows point into prob->x. */
typedef struct svm_fit_result {
    int l;              /* support vectors */
    double rho;
    int label[2];
    int nr_sv[2];
    double *coef;       /* (l,) owned */
    struct svm_node **sv; /* (l,) borrowed rows of prob->x, owned array */
} svm_fit_result;

/* min_rows: forks at or above this many rows when a cancel flag is set (SVM_CANCEL_MIN_ROWS;
 * 0 always forks, for tests). */
int svm_train_cancellable(const struct svm_problem *prob, const struct svm_parameter *param, size_t min_rows,
                          svm_fit_result *out, mlac_err *err);
void svm_fit_result_release(svm_fit_result *r);

#endif
