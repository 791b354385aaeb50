/* intervals.h — confidence intervals for aggregated metrics.
 *
 * Owns: mean / sample std / Student t interval over k per-fold values; the DeLong variance
 * and interval of the AUC of one set of pooled scores, and the paired DeLong test of two
 * score vectors on the same clips (fast DeLong, Sun & Xu 2014, with midranks); a seeded,
 * stratified percentile bootstrap interval of the AUC. The Student t and normal quantiles
 * come from stats/dist.h.
 * Reference: scipy.stats.t.interval, and an independent O(m n) DeLong (1988) written with
 * numpy in tests/fixtures/gen/stats.py (checked by tests/stats/test_intervals.c).
 * Invariants: a t interval needs k >= 2 (NAN bounds otherwise) and is not clipped here
 * (stats_clip_interval is the caller's choice); DeLong and bootstrap intervals are clipped
 * to [0, 1]; the bootstrap is deterministic for a seed.
 */
#ifndef MLAC_STATS_INTERVALS_H
#define MLAC_STATS_INTERVALS_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "stats/dist.h"

double stats_mean(const double *x, size_t k); /* NAN when k == 0 */
double stats_std(const double *x, size_t k);  /* ddof 1; NAN when k < 2 */

typedef struct stats_summary {
    size_t k;     /* number of values */
    double mean;  /* NAN when k == 0 */
    double std;   /* sample std (ddof 1); NAN when k < 2 */
    double ci_lo; /* mean - t_{k-1,(1+level)/2} std / sqrt(k); NAN when k < 2 */
    double ci_hi;
} stats_summary;

/* Summary of x (k,) with a Student t interval at level (e.g. 0.95). */
void stats_summarise(const double *x, size_t k, double level, stats_summary *out);

/* Clips [*lo, *hi] to [min, max]; NAN bounds stay NAN. */
void stats_clip_interval(double *lo, double *hi, double min, double max);

typedef struct stats_delong {
    double auc;    /* Mann-Whitney AUC, equal to metric_roc_auc */
    double var;    /* DeLong variance S10/m + S01/n (ddof 1) */
    double se;     /* sqrt(var) */
    double lo, hi; /* auc -+ z_{(1+level)/2} se, clipped to [0, 1] */
    size_t n_pos, n_neg;
} stats_delong;

/* Needs >= 2 positives and >= 2 negatives (MLAC_EINVAL otherwise). */
int stats_delong_auc(const double *score, const int *y, size_t n, double level,
                     stats_delong *out, mlac_err *err);

typedef struct stats_delong_test {
    double auc1, auc2;
    double diff;     /* auc1 - auc2 */
    double var_diff; /* var1 + var2 - 2 cov12 */
    double z;        /* diff / sqrt(var_diff); 0 or +-inf when var_diff == 0 */
    double p;        /* two-sided normal p-value; 1 or 0 when var_diff == 0 */
} stats_delong_test;

/* Paired DeLong test of two models' scores (n,) on the same clips with labels y (n,). */
int stats_delong_paired(const double *score1, const double *score2, const int *y, size_t n,
                        stats_delong_test *out, mlac_err *err);

typedef struct stats_bootstrap {
    double auc;    /* AUC of the original scores */
    double lo, hi; /* percentile interval of the resampled AUCs (numpy 'linear') */
    size_t n_boot;
} stats_bootstrap;

/* Percentile bootstrap of the AUC: each of n_boot replicates resamples the positives and the
 * negatives separately with replacement (stratified, so every replicate has both classes),
 * using an rng seeded with seed. Needs both classes. */
int stats_auc_bootstrap(const double *score, const int *y, size_t n, size_t n_boot, double level,
                        uint64_t seed, stats_bootstrap *out, mlac_err *err);

#endif
