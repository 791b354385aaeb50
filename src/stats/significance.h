/* significance.h — paired significance tests between models, and multiplicity adjustment.
 *
 * Owns: the Nadeau-Bengio corrected resampled t-test on per-fold paired differences
 * (Nadeau & Bengio 2003; Bouckaert & Frank 2004 for J = folds x repeats) and Holm's
 * step-down adjustment. Reference: a scipy implementation (scipy.stats.t.sf) and a direct
 * numpy Holm in tests/fixtures/gen/stats.py, checked to 1e-9 by tests/stats/test_significance.c.
 * Invariant: adjusted p-values are monotone in the raw p-values and capped at 1.
 */
#ifndef MLAC_STATS_SIGNIFICANCE_H
#define MLAC_STATS_SIGNIFICANCE_H

#include <stddef.h>
#include "core/error.h"

typedef struct stats_ttest {
    double mean; /* mean of the differences */
    double var;  /* corrected variance (1/J + n_test/n_train) s^2 */
    double t;    /* mean / sqrt(var); 0 when both are 0, +-inf when only var is 0 */
    double df;   /* J - 1 */
    double p;    /* two-sided p-value from Student t with df degrees of freedom */
} stats_ttest;

/* d (J,) paired differences (model A - model B) over folds x repeats, J >= 2; n_train and
 * n_test are the training and test set sizes of one fold (> 0). */
int stats_nb_ttest(const double *d, size_t J, double n_train, double n_test, stats_ttest *out,
                   mlac_err *err);

/* Holm step-down: adj (m,) from p (m,) in [0, 1]; adj may alias p. */
int stats_holm(const double *p, size_t m, double *adj, mlac_err *err);

#endif
