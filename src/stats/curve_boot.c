/* curve_boot.c — parametric bootstrap interval of the size needed to reach a target AUC.
 *
 * See curve_fit.h. Replicates are drawn around the fitted curve (not resampled points),
 * so the interval reflects the per-size uncertainty the caller gives (sd) or, without it,
 * the scatter of the points around the fit. One rng seeded with seed, replicates in order:
 * deterministic for a seed.
 */
#include "stats/curve_fit.h"
#include "stats/rank.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

/* s (k,) noise scale per point: pts->sd, or the residual standard error of the fit. */
static int noise_scale(const curve_points *pts, const curve_fit *fit, double *s, mlac_err *err)
{
    if (pts->sd) {
        for (size_t i = 0; i < pts->k; i++) {
            if (!isfinite(pts->sd[i]) || pts->sd[i] < 0)
                return mlac_errf(err, MLAC_EINVAL, "curve bootstrap: sd %zu is %g", i, pts->sd[i]);
            s[i] = pts->sd[i];
        }
        return MLAC_OK;
    }
    if (pts->k <= 3)
        return mlac_errf(err, MLAC_EINVAL,
                         "curve bootstrap: without sd it needs more than 3 points, got %zu",
                         pts->k);
    for (size_t i = 0; i < pts->k; i++) {
        double w = pts->w ? pts->w[i] : 1.0;
        s[i] = w > 0 ? sqrt(fit->rss / (double)(pts->k - 3) / w) : 0.0;
    }
    return MLAC_OK;
}

/* n* of one replicate, INFINITY when not reached. */
static int replicate(const curve_points *pts, const curve_fit *fit, const double *s, double target,
                     rng *r, double *ystar, double *n_star, mlac_err *err)
{
    curve_points rep = *pts;
    curve_fit f;
    for (size_t i = 0; i < pts->k; i++)
        ystar[i] = curve_eval(fit, pts->n[i]) + s[i] * rng_normal(r);
    rep.y = ystar;
    int rc = curve_fit_power(&rep, &f, err);
    if (rc == MLAC_OK)
        curve_target_n(&f, target, n_star);
    return rc;
}

int curve_nstar_bootstrap(const curve_points *pts, double target, size_t n_boot, double level,
                          uint64_t seed, curve_nstar_ci *out, mlac_err *err)
{
    curve_fit fit;
    rng r;
    size_t reached = 0;
    *out = (curve_nstar_ci){INFINITY, NAN, NAN, NAN, n_boot};
    if (n_boot < 2 || !(level > 0 && level < 1))
        return mlac_errf(err, MLAC_EINVAL,
                         "curve bootstrap: needs n_boot >= 2 and level in (0, 1)");
    int rc = curve_fit_power(pts, &fit, err);
    if (rc)
        return rc;
    curve_target_n(&fit, target, &out->n_star);
    double *s = malloc(pts->k * sizeof *s), *ystar = malloc(pts->k * sizeof *ystar);
    double *ns = malloc(n_boot * sizeof *ns); /* (n_boot,) replicate n* */
    if (!s || !ystar || !ns) {
        rc = mlac_errf(err, MLAC_ENOMEM, "curve bootstrap: out of memory");
        goto out;
    }
    if ((rc = noise_scale(pts, &fit, s, err)))
        goto out;
    rng_seed(&r, seed);
    for (size_t b = 0; b < n_boot && rc == MLAC_OK; b++) {
        rc = replicate(pts, &fit, s, target, &r, ystar, &ns[b], err);
        reached += isfinite(ns[b]);
    }
    if (rc)
        goto out;
    stats_sort_doubles(ns, n_boot);
    out->lo = stats_percentile_sorted(ns, n_boot, 50.0 * (1 - level));
    out->hi = stats_percentile_sorted(ns, n_boot, 50.0 * (1 + level));
    out->frac_reached = (double)reached / (double)n_boot;
out:
    free(s);
    free(ystar);
    free(ns);
    return rc;
}
