/* report_claims.c — the "clips needed" claims of the report (see report_claims.h). */
#include "report/report_claims.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const report_curve *find_curve(const report_run *r, int species, int model, double target)
{
    for (size_t i = 0; i < r->n_curves; i++) {
        const report_curve *c = &r->curves[i];
        if (c->species == species && c->model == model && fabs(c->target - target) < 1e-9)
            return c;
    }
    return NULL;
}

void report_claim_begin(report_claim *out)
{
    memset(out, 0, sizeof *out);
    out->n_fit = out->lo = out->hi = NAN;
    out->n_observed = -1;
    out->best_mean = NAN;
}

void report_claim_add(report_claim *out, long n, double mean, double target)
{
    if (!isfinite(mean))
        return;
    if (!out->n_sizes++)
        out->n_min = n;
    out->n_max = n;
    if (!isfinite(out->best_mean) || mean > out->best_mean)
        out->best_mean = mean;
    if (out->n_observed < 0 && mean >= target - 1e-12)
        out->n_observed = n, out->mean_observed = mean;
}

/* Sizes with a finite mean, their extremes, the best mean, and the first size reaching target. */
static void measured(const report_run *r, int species, int model, double target, report_claim *out)
{
    report_claim_begin(out);
    for (size_t i = 0; i < r->n_cells; i++) { /* sorted by n within (species, model) */
        const report_cell *c = &r->cells[i];
        if (c->species == species && c->model == model)
            report_claim_add(out, c->n, c->mean, target);
    }
}

int report_fit_usable(const report_run *r, int species, int model)
{
    report_claim c;
    measured(r, species, model, 2.0, &c);
    return c.n_sizes >= REPORT_FIT_MIN_SIZES;
}

void report_claim_for(const report_run *r, int species, int model, double target, report_claim *out)
{
    measured(r, species, model, target, out);
    report_claim_decide(out, target, find_curve(r, species, model, target));
}

void report_claim_decide(report_claim *out, double target, const report_curve *c)
{
    if (out->n_observed >= 0) {
        out->kind = CLAIM_OBSERVED;
        snprintf(out->why, sizeof out->why, "measured mean ROC-AUC %.3f >= %.2f at n = %ld", out->mean_observed,
                 target, out->n_observed);
        return;
    }
    if (out->n_sizes < REPORT_FIT_MIN_SIZES - 1 || !c || !strcmp(c->status, "fit_failed")) {
        out->kind = CLAIM_NO_FIT;
        if (out->n_sizes < REPORT_FIT_MIN_SIZES)
            snprintf(out->why, sizeof out->why, "a learning-curve fit needs mean AUCs at %d or more sizes; this "
                     "model has %zu", REPORT_FIT_MIN_SIZES, out->n_sizes);
        else
            snprintf(out->why, sizeof out->why, "%s", c ? "the inverse power law could not be fitted to these means"
                                                       : "no fit in curves.csv for this model");
        return;
    }
    if (out->n_sizes < REPORT_FIT_MIN_SIZES) {
        out->kind = CLAIM_EXACT_FIT;
        snprintf(out->why, sizeof out->why, "3 sizes fit the 3 parameters exactly (nothing left to check the curve "
                 "against): no forecast; a fit needs %d or more sizes", REPORT_FIT_MIN_SIZES);
        return;
    }
    out->n_fit = c->n_needed, out->lo = c->n_low, out->hi = c->n_high;
    double limit = REPORT_FORECAST_MAX * (double)out->n_max;
    if (!isfinite(c->n_needed) || strcmp(c->status, "ok")) {
        out->kind = CLAIM_NOT_REACHED;
        if (isfinite(c->a) && c->a <= target)
            snprintf(out->why, sizeof out->why, "measured at most %.3f; the fitted plateau a = %.3f is below %.2f",
                     out->best_mean, c->a, target);
        else
            snprintf(out->why, sizeof out->why, "measured at most %.3f; the fit does not reach %.2f within the "
                     "sizes it may forecast", out->best_mean, target);
    } else if (c->n_needed > limit) {
        out->kind = CLAIM_NOT_REACHED;
        snprintf(out->why, sizeof out->why, "measured at most %.3f; the fit would need about %.0f, beyond %.0fx the "
                 "largest size measured (n = %ld): no forecast that far", out->best_mean, ceil(c->n_needed),
                 REPORT_FORECAST_MAX, out->n_max);
    } else if (c->n_needed < (double)out->n_min) {
        out->kind = CLAIM_BELOW_DATA;
        snprintf(out->why, sizeof out->why, "the fit puts it below the smallest size measured (n = %ld), where the "
                 "measured mean is below %.2f: an extrapolation, not an answer", out->n_min, target);
    } else if (c->n_needed > (double)out->n_max) {
        out->kind = CLAIM_FORECAST;
        snprintf(out->why, sizeof out->why, "forecast: beyond the largest size measured (n = %ld), extrapolated by "
                 "the fit (at most %.0fx)", out->n_max, REPORT_FORECAST_MAX);
    } else {
        out->kind = CLAIM_FITTED;
        snprintf(out->why, sizeof out->why, "between the sizes measured (no measured mean reached %.2f): from the fit",
                 target);
    }
}
