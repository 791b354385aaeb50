/* rank.h — sorting and ranking helpers shared by the stats module.
 *
 * Owns: the descending (score, label) sort that every ranking metric walks, midranks
 * (average ranks of ties, 1-based, as scipy.stats.rankdata(method='average')), input checks
 * for scores and 0/1 labels, and the linear-interpolation percentile of numpy.percentile.
 * Invariant: sorts are total (ties broken by original index), so results never depend on
 * qsort's instability. Callers reject NaN scores before sorting (stats_check_scored).
 */
#ifndef MLAC_STATS_RANK_H
#define MLAC_STATS_RANK_H

#include <stddef.h>
#include "core/error.h"

typedef struct scored {
    double s; /* score */
    int y;    /* label, 0 or 1 */
} scored;

/* Checks n > 0, no NaN score and labels in {0, 1}; counts positives and negatives.
 * what names the caller in the message ("roc auc"). */
int stats_check_scored(const double *score, const int *y, size_t n, const char *what,
                       size_t *n_pos, size_t *n_neg, mlac_err *err);

/* *out = (n,) pairs sorted by score, highest first; caller frees. */
int stats_sort_desc(const double *score, const int *y, size_t n, scored **out, mlac_err *err);

/* rank = (n,) 1-based average ranks of x (ascending); x must hold no NaN. */
int stats_midranks(const double *x, size_t n, double *rank, mlac_err *err);

/* q-th percentile (q in [0, 100]) of sorted (n,) values, numpy's default 'linear' method.
 * An infinite neighbour makes the result infinite. NAN when n == 0. */
double stats_percentile_sorted(const double *sorted, size_t n, double q);

/* Sorts x (n,) ascending in place (NaN-free input). */
void stats_sort_doubles(double *x, size_t n);

#endif
