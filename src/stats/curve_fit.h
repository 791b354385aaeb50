/* curve_fit.h — inverse power law learning curves: auc(n) = a - b * n^(-c).
 *
 * Owns: the weighted least-squares fit of (a, b, c) to per-size mean AUCs with a small
 * projected Levenberg-Marquardt (bounds a in [1e-6, 1], b in [0, 1e6], c in [1e-3, 10];
 * start from a grid over c with (a, b) solved linearly), the training size needed to reach
 * a target AUC, and a parametric-bootstrap interval for that size.
 * Reference: scipy.optimize.curve_fit on the same points (a, b, c within 1e-4 relative on
 * well-conditioned data), tests/stats/test_curve_fit.c with tests/fixtures/stats/curve.json.
 * Invariants: at least 3 distinct sizes (3 parameters); n* is reported only when a > target
 * and n* <= 10 x the largest size fitted, otherwise it is INFINITY ("not reached"); the
 * bootstrap is deterministic for a seed.
 */
#ifndef MLAC_STATS_CURVE_FIT_H
#define MLAC_STATS_CURVE_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"

/* The points of one learning curve. The struct keeps no pointer after a call returns. */
typedef struct curve_points {
    const double *n;  /* (k,) training sizes, > 0 */
    const double *y;  /* (k,) mean AUC at each size */
    const double *w;  /* (k,) weights >= 0 (1 / var of the mean), or NULL for uniform */
    const double *sd; /* (k,) standard error of each mean, for the bootstrap, or NULL */
    size_t k;
} curve_points;

typedef struct curve_fit {
    double a, b, c;      /* auc(n) = a - b n^-c */
    double rss;          /* sum_i w_i (y_i - auc(n_i))^2 at the fit */
    double n_min, n_max; /* smallest and largest size fitted */
    int flat;            /* 1 when b (n_min^-c - n_max^-c) < 1e-6: no rise, c is meaningless */
    int iterations;      /* Levenberg-Marquardt iterations used */
} curve_fit;

/* Fits the curve; MLAC_EINVAL for fewer than 3 distinct sizes, non-finite or non-positive
 * sizes, non-finite AUCs or negative / non-finite weights. A flat or decreasing curve fits
 * with b = 0 and flat = 1 (a is then the weighted mean). */
int curve_fit_power(const curve_points *pts, curve_fit *out, mlac_err *err);

double curve_eval(const curve_fit *f, double n);

/* w (k,) = 1 / max(var, floor): weights from per-size variances of the mean. */
void curve_weights_from_var(const double *var, size_t k, double floor, double *w);

/* Training size at which the fitted curve reaches target: returns 1 and sets *n_star =
 * (b / (a - target))^(1/c) (possibly below the smallest size fitted), or returns 0 and sets
 * *n_star = INFINITY when a <= target or n* > 10 x n_max. */
int curve_target_n(const curve_fit *f, double target, double *n_star);

typedef struct curve_nstar_ci {
    double n_star;       /* point estimate from the fit; INFINITY when not reached */
    double lo, hi;       /* percentile interval of replicate n*; INFINITY where not reached */
    double frac_reached; /* share of replicates that reach the target */
    size_t n_boot;
} curve_nstar_ci;

/* Parametric bootstrap of n*: fits the curve, then n_boot times refits it on
 * y*_i = auc(n_i) + s_i z_i (z standard normal from an rng seeded with seed) with the same
 * weights, where s_i = pts->sd[i], or, when sd is NULL, the residual standard error
 * sqrt(rss / (k - 3) / w_i) (needs k > 3). Replicates that do not reach count as INFINITY. */
int curve_nstar_bootstrap(const curve_points *pts, double target, size_t n_boot, double level,
                          uint64_t seed, curve_nstar_ci *out, mlac_err *err);

#endif
