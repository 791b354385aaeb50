/* dist.h — the distributions the stats module needs: Student t and standard normal.
 *
 * Owns: the regularised incomplete beta function I_x(a, b), the Student t CDF, tails and
 * quantile, the normal CDF and quantile. Reference: scipy.stats.t.cdf / .sf / .ppf and
 * scipy.stats.norm.cdf / .ppf (cephes), checked to 1e-9 relative by tests/stats/test_dist.c
 * for df 1..200 and df up to 1e6. Invariant: tails are computed directly (never as
 * 1 - something close to 1), so small p-values keep their relative accuracy.
 * Algorithms: Lentz's continued fraction for I_x (Numerical Recipes 6.4); the t quantile by
 * Hill's approximation (ACM 396) refined with bracketed Newton steps on the tail; the normal
 * quantile by Acklam's rational approximation refined with one Halley step on erfc.
 */
#ifndef MLAC_STATS_DIST_H
#define MLAC_STATS_DIST_H

/* I_x(a, b) for a, b > 0 and x in [0, 1]; y must equal 1 - x (pass it exactly when known).
 * NAN on bad arguments. */
double stats_beta_inc(double a, double b, double x, double y);

/* df > 0; df = INFINITY gives the normal distribution. */
double stats_t_cdf(double t, double df);     /* P(T <= t) */
double stats_t_sf(double t, double df);      /* P(T > t) */
double stats_t_p2(double t, double df);      /* two-sided P(|T| >= |t|) */
double stats_t_quantile(double p, double df); /* inverse of stats_t_cdf; +-inf at p = 1, 0 */

double stats_norm_cdf(double z);
double stats_norm_quantile(double p);

#endif
