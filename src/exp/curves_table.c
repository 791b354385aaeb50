/* curves_table.c — curves.csv: per (species, model) an inverse power law fitted to the mean
 * ROC-AUC at each training size (weights 1/var of the mean), with the training size needed to
 * reach AUC 0.8, 0.9 and 0.95 and a parametric-bootstrap 95% interval (200 replicates, seeded
 * from the species and model names, so the table is reproducible). rmse is the unweighted root mean
 * square residual in AUC units; n_needed / n_low / n_high are "Inf" when the target is not reached
 * within 10x the largest size. The same fit is made for the external test set's ROC-AUC
 * (external_roc_auc, --test-data) and the recording-level one (group_roc_auc, --group-score) when
 * the run has them: column metric says which curve a row belongs to. */
#include "exp/aggregate.h"
#include "core/csv.h"
#include "core/rng.h"
#include "stats/curve_fit.h"
#include "stats/intervals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double targets[] = {0.8, 0.9, 0.95};

/* NaN (no value) is an empty field; +infinity ("not reached") is "Inf", which pandas and R read. */
static void put_num(buf *b, double v)
{
    if (isfinite(v))
        buf_printf(b, NULL, ",%.6g", v);
    else
        buf_puts(b, isinf(v) && v > 0 ? ",Inf" : ",", NULL);
}

/* Unweighted root-mean-square residual of the fit, in AUC units. */
static double fit_rmse(const curve_fit *f, const double *n, const double *y, size_t k)
{
    double ss = 0;
    for (size_t i = 0; i < k; i++) {
        double r = y[i] - curve_eval(f, n[i]);
        ss += r * r;
    }
    return k ? sqrt(ss / (double)k) : NAN;
}

/* One (species, model) block of cells [lo, hi), sorted by n, for one metric; nothing when no cell
 * has a value of it (external_roc_auc without --test-data, group_roc_auc without --group-score). */
static int fit_block(const agg_cells *cells, size_t lo, size_t hi, const char *metric, buf *csv, mlac_err *err)
{
    size_t k = 0, cap = hi - lo;
    double *n = calloc(cap, sizeof *n), *y = calloc(cap, sizeof *y), *sd = calloc(cap, sizeof *sd),
           *w = calloc(cap, sizeof *w), *vals = NULL;
    size_t max_tasks = 1;
    for (size_t i = lo; i < hi; i++)
        max_tasks = cells->cells[i].n_tasks > max_tasks ? cells->cells[i].n_tasks : max_tasks;
    vals = calloc(max_tasks, sizeof *vals);
    int rc = (!n || !y || !sd || !w || !vals) ? mlac_errf(err, MLAC_ENOMEM, "out of memory fitting curves") : 0;
    for (size_t i = lo; !rc && i < hi; i++) {
        size_t m = aggregate_metric_values(&cells->cells[i], metric, vals);
        if (!m)
            continue;
        stats_summary s;
        stats_summarise(vals, m, 0.95, &s);
        n[k] = (double)cells->cells[i].n;
        y[k] = s.mean;
        sd[k] = m > 1 ? s.std / sqrt((double)m) : 0.05;
        double var = sd[k] * sd[k];
        w[k] = 1.0 / (var > 1e-6 ? var : 1e-6);
        k++;
    }
    const agg_cell *c = &cells->cells[lo];
    if (!rc && !k && strcmp(metric, "roc_auc")) { /* an optional metric this run does not have */
        free(n), free(y), free(sd), free(w), free(vals);
        return MLAC_OK;
    }
    curve_points pts = {.n = n, .y = y, .w = w, .sd = sd, .k = k};
    curve_fit fit;
    mlac_err fit_err = {0};
    int fitted = !rc && curve_fit_power(&pts, &fit, &fit_err) == MLAC_OK;
    char key[300];
    if (strcmp(metric, "roc_auc")) /* roc_auc keeps the key (and so the bootstrap) it always had */
        snprintf(key, sizeof key, "curve/%s/%s/%s", c->species, c->model, metric);
    else
        snprintf(key, sizeof key, "curve/%s/%s", c->species, c->model);
    for (size_t t = 0; !rc && t < sizeof targets / sizeof targets[0]; t++) {
        curve_nstar_ci ci = {.n_star = NAN, .lo = NAN, .hi = NAN};
        const char *status = "fit_failed";
        if (fitted && curve_nstar_bootstrap(&pts, targets[t], 200, 0.95, rng_derive_seed(0, key), &ci, &fit_err) == 0)
            status = isfinite(ci.n_star) ? "ok" : "not_reached";
        csv_quote(csv, c->species, NULL), buf_puts(csv, ",", NULL), csv_quote(csv, c->model, NULL);
        buf_printf(csv, NULL, ",%s,%.2f", metric, targets[t]);
        put_num(csv, fitted ? fit.a : NAN), put_num(csv, fitted ? fit.b : NAN), put_num(csv, fitted ? fit.c : NAN);
        put_num(csv, fitted ? fit_rmse(&fit, n, y, k) : NAN);
        put_num(csv, ci.n_star), put_num(csv, ci.lo), put_num(csv, ci.hi);
        rc = buf_printf(csv, err, ",%s,%g\n", status, k ? n[k - 1] : 0.0);
    }
    free(n), free(y), free(sd), free(w), free(vals);
    return rc;
}

int aggregate_curves(store *out, const char *run_id, const agg_cells *cells, mlac_err *err)
{
    buf csv;
    buf_init(&csv, 0);
    static const char *const metrics[] = {"roc_auc", "external_roc_auc", "group_roc_auc"};
    int rc = buf_puts(&csv, "species,model,metric,target,a,b,c,rmse,n_needed,n_low,n_high,status,max_n\n", err);
    for (size_t lo = 0; !rc && lo < cells->n;) {
        size_t hi = lo;
        while (hi < cells->n && !strcmp(cells->cells[hi].species, cells->cells[lo].species) &&
               !strcmp(cells->cells[hi].model, cells->cells[lo].model))
            hi++;
        for (size_t m = 0; !rc && m < sizeof metrics / sizeof metrics[0]; m++)
            rc = fit_block(cells, lo, hi, metrics[m], &csv, err);
        lo = hi;
    }
    if (!rc) {
        char path[512];
        snprintf(path, sizeof path, "%s/curves.csv", run_id);
        rc = store_write(out, path, csv.data, csv.len, err);
    }
    buf_release(&csv);
    return rc;
}
