/* logistic.h — L2-regularised logistic regression fitted by Newton-CG: the embedding head.
 *
 * Minimises  C * sum_i log(1 + exp(-s_i (x_i . w + b))) + ||w||^2 / 2,  s_i = 2 y_i - 1,
 * with the intercept b unpenalised: scikit-learn's LogisticRegression(penalty='l2', C=C,
 * fit_intercept=True) objective, whose minimum every solver (lbfgs included) converges to.
 * Method: Newton's method from w = 0, b = 0; the Newton system is solved by conjugate gradients
 * with Hessian-vector products (X^T D X v + v / C: no dim x dim matrix, so 1024- or 1536-d
 * embeddings with a few hundred clips stay cheap), to a residual that tightens with the gradient
 * (min(0.5, sqrt|g|) |g|), then an Armijo backtracking line search. Stops when
 * max|grad| <= tol * max(1, max|grad at the start|). Double precision throughout; matrix-vector
 * products by BLAS (dgemv), so results do not depend on any thread count.
 * Checked against scikit-learn 1.2 LogisticRegression(solver='lbfgs', tol=1e-12) coefficients
 * and probabilities on committed fixtures (tests/fixtures/gen/embed.py) to 1e-4.
 */
#ifndef MLAC_ML_LOGISTIC_H
#define MLAC_ML_LOGISTIC_H

#include <signal.h>
#include <stddef.h>
#include "core/error.h"

typedef struct logistic_options {
    double C;      /* inverse regularisation strength, > 0 (default 1.0, scikit-learn's) */
    int max_iter;  /* Newton iterations (100) */
    double tol;    /* relative gradient tolerance (1e-10) */
    const volatile sig_atomic_t *cancel; /* checked every Newton iteration (MLAC_ECANCEL); NULL: none */
} logistic_options;

typedef struct logistic_model {
    size_t dim;        /* 0 before fit or set */
    double *w;         /* (dim,) owned */
    double b;          /* intercept */
    int n_iter;        /* Newton iterations used by the last fit */
    int converged;     /* the tolerance was met */
    double grad_max;   /* max |gradient| of the objective at the end of the fit */
} logistic_model;

void logistic_options_default(logistic_options *o);
/* x (n, dim) row-major, y (n,) in {0, 1}; n >= 1. Both classes need not be present (then
 * the fit still converges: w -> 0, b -> the pushed-apart intercept bounded by max_iter). */
int logistic_fit(logistic_model *m, const double *x, const int *y, size_t n, size_t dim, const logistic_options *o,
                 mlac_err *err);
/* score (n,) = x w + b; prob (n,) = 1 / (1 + exp(-score)); either may be NULL. */
void logistic_predict(const logistic_model *m, const double *x, size_t n, double *prob, double *score);
/* Sets a model from saved weights (copied); fails on a non-finite value. */
int logistic_set(logistic_model *m, const double *w, double b, size_t dim, mlac_err *err);
void logistic_release(logistic_model *m);

/* The objective above and its gradient (dim + 1,: w part, then b) at (w, b); for tests. */
double logistic_objective(const double *x, const int *y, size_t n, size_t dim, double C, const double *w, double b,
                          double *grad);

#endif
