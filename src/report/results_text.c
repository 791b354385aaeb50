/* results_text.c — the terminal table of a run's results (see results_text.h). */
#include "report/results_text.h"
#include "report/report_claims.h"
#include "core/csv.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 64
#define MAX_MODELS 64

typedef struct sp_table {
    const char *species;
    const char *models[MAX_MODELS];
    size_t n_models;
    long sizes[MAX_SIZES];
    size_t n_sizes;
    double mean[MAX_MODELS][MAX_SIZES], lo[MAX_MODELS][MAX_SIZES], hi[MAX_MODELS][MAX_SIZES]; /* NaN = none */
} sp_table;

static size_t index_of(const char **names, size_t *n, const char *name, size_t max)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(names[i], name))
            return i;
    if (*n == max)
        return max;
    names[*n] = name;
    return (*n)++;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static size_t size_index(const sp_table *t, long n)
{
    for (size_t i = 0; i < t->n_sizes; i++)
        if (t->sizes[i] == n)
            return i;
    return MAX_SIZES;
}

static void fill_table(json_t *rows, const char *species, sp_table *t)
{
    memset(t, 0, sizeof *t);
    t->species = species;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) { /* the sizes first, ascending */
        if (strcmp(json_string_value(json_object_get(row, "species")), species) ||
            strcmp(json_string_value(json_object_get(row, "metric")), "roc_auc"))
            continue;
        long n = (long)json_integer_value(json_object_get(row, "n"));
        if (size_index(t, n) == MAX_SIZES && t->n_sizes < MAX_SIZES)
            t->sizes[t->n_sizes++] = n;
    }
    qsort(t->sizes, t->n_sizes, sizeof *t->sizes, cmp_long);
    for (size_t m = 0; m < MAX_MODELS; m++)
        for (size_t z = 0; z < MAX_SIZES; z++)
            t->mean[m][z] = t->lo[m][z] = t->hi[m][z] = NAN;
    json_array_foreach(rows, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "species")), species) ||
            strcmp(json_string_value(json_object_get(row, "metric")), "roc_auc"))
            continue;
        size_t m = index_of(t->models, &t->n_models, json_string_value(json_object_get(row, "model")), MAX_MODELS);
        size_t z = size_index(t, (long)json_integer_value(json_object_get(row, "n")));
        if (m == MAX_MODELS || z == MAX_SIZES)
            continue;
        json_t *v = json_object_get(row, "mean");
        t->mean[m][z] = json_is_number(v) ? json_number_value(v) : NAN;
        v = json_object_get(row, "ci_low");
        t->lo[m][z] = json_is_number(v) ? json_number_value(v) : NAN;
        v = json_object_get(row, "ci_high");
        t->hi[m][z] = json_is_number(v) ? json_number_value(v) : NAN;
    }
}

/* The model with the highest mean at size z, or MAX_MODELS. */
static size_t best_at(const sp_table *t, size_t z)
{
    size_t best = MAX_MODELS;
    for (size_t m = 0; m < t->n_models; m++)
        if (isfinite(t->mean[m][z]) && (best == MAX_MODELS || t->mean[m][z] > t->mean[best][z]))
            best = m;
    return best;
}

/* 1 when significance.csv says model a and b differ significantly at (species, n). */
static int significant(const csv_table *sig, const char *species, long n, const char *a, const char *b)
{
    if (!sig)
        return 0;
    int c_sp = csv_col(sig, "species"), c_n = csv_col(sig, "n"), c_m = csv_col(sig, "metric");
    int c_a = csv_col(sig, "model_a"), c_b = csv_col(sig, "model_b"), c_s = csv_col(sig, "significant");
    for (size_t i = 0; i < sig->n_rows; i++) {
        if (strcmp(csv_get(sig, i, c_sp), species) || atol(csv_get(sig, i, c_n)) != n ||
            strcmp(csv_get(sig, i, c_m), "roc_auc") || strcmp(csv_get(sig, i, c_s), "true"))
            continue;
        const char *x = csv_get(sig, i, c_a), *y = csv_get(sig, i, c_b);
        if ((!strcmp(x, a) && !strcmp(y, b)) || (!strcmp(x, b) && !strcmp(y, a)))
            return 1;
    }
    return 0;
}

/* "reached at n = 6 (measured mean 0.93)", a forecast the fit supports, or why there is none: the
 * rules of report_claims.h, the ones the HTML report follows. */
static int clips_line(const sp_table *t, size_t m, const csv_table *curves, buf *out, mlac_err *err)
{
    const double target = 0.9;
    report_claim c;
    report_claim_begin(&c);
    for (size_t z = 0; z < t->n_sizes; z++)
        report_claim_add(&c, t->sizes[z], t->mean[m][z], target);
    report_curve fit, *have = NULL;
    for (size_t i = 0; curves && i < curves->n_rows; i++)
        if (!strcmp(csv_get(curves, i, csv_col(curves, "species")), t->species) &&
            !strcmp(csv_get(curves, i, csv_col(curves, "model")), t->models[m]) &&
            fabs(csv_num(curves, i, csv_col(curves, "target")) - target) < 1e-9) {
            memset(&fit, 0, sizeof fit);
            fit.a = csv_num(curves, i, csv_col(curves, "a"));
            fit.n_needed = csv_num(curves, i, csv_col(curves, "n_needed"));
            fit.n_low = csv_num(curves, i, csv_col(curves, "n_low"));
            fit.n_high = csv_num(curves, i, csv_col(curves, "n_high"));
            if (isnan(fit.n_needed) && !strcmp(csv_get(curves, i, csv_col(curves, "n_needed")), "Inf"))
                fit.n_needed = INFINITY;
            snprintf(fit.status, sizeof fit.status, "%s", csv_get(curves, i, csv_col(curves, "status")));
            have = &fit;
        }
    report_claim_decide(&c, target, have);
    if (!c.n_sizes) /* every task of the model failed (or none finished): nothing was measured */
        return buf_puts(out, "no ROC-AUC measured (no task of it finished ok; tasks.jsonl says why)\n", err);
    switch (c.kind) {
    case CLAIM_OBSERVED:
        return buf_printf(out, err, "reached at n = %ld (measured mean %.3f)\n", c.n_observed, c.mean_observed);
    case CLAIM_NO_FIT:
    case CLAIM_EXACT_FIT:
        if (c.n_sizes < REPORT_FIT_MIN_SIZES)
            return buf_printf(out, err, "not reached by n = %ld; a forecast needs a fit on at least %d sizes (this "
                              "run has %zu)\n", c.n_max, REPORT_FIT_MIN_SIZES, c.n_sizes);
        return buf_printf(out, err, "not reached by n = %ld; no usable fit\n", c.n_max);
    case CLAIM_NOT_REACHED:
        if (strcmp(have->status, "ok"))
            return buf_printf(out, err, "not reached by n = %ld; the fit does not reach %.1f\n", c.n_max, target);
        return buf_printf(out, err, "not reached by n = %ld; the fit's forecast lies beyond 4 x the largest n\n", c.n_max);
    case CLAIM_BELOW_DATA:
        return buf_printf(out, err, "not reached by n = %ld; the fit's forecast lies below the smallest n\n", c.n_max);
    case CLAIM_FITTED:
    case CLAIM_FORECAST:
        break;
    }
    if (isfinite(c.lo) && isfinite(c.hi))
        return buf_printf(out, err, "about %.0f (fit on %zu sizes, extrapolated; 95%% interval %.0f-%.0f)\n",
                          ceil(c.n_fit), c.n_sizes, c.lo, c.hi);
    return buf_printf(out, err, "about %.0f (fit on %zu sizes, extrapolated)\n", ceil(c.n_fit), c.n_sizes);
}

static int species_text(const sp_table *t, const csv_table *sig, const csv_table *curves, buf *out, mlac_err *err)
{
    int rc = buf_printf(out, err, "\n%s: ROC-AUC mean [95%% CI] by training clips per class\n  %-16s", t->species, "model");
    for (size_t z = 0; !rc && z < t->n_sizes; z++) {
        char h[32];
        snprintf(h, sizeof h, "n=%ld", t->sizes[z]);
        rc = buf_printf(out, err, z + 1 < t->n_sizes ? "  %-21s" : "  %s", h);
    }
    rc = rc ? rc : buf_puts(out, "\n", err);
    for (size_t m = 0; !rc && m < t->n_models; m++) {
        rc = buf_printf(out, err, "  %-16s", t->models[m]);
        for (size_t z = 0; !rc && z < t->n_sizes; z++) {
            size_t best = best_at(t, z);
            char cellt[64];
            if (!isfinite(t->mean[m][z]))
                snprintf(cellt, sizeof cellt, "n/a"); /* not "-": that marks a significant difference */
            else if (isfinite(t->lo[m][z]))
                snprintf(cellt, sizeof cellt, "%.3f [%.2f, %.2f]%s", t->mean[m][z], t->lo[m][z], t->hi[m][z],
                         best == m && t->n_models > 1 ? " *"
                         : best < MAX_MODELS && best != m && significant(sig, t->species, t->sizes[z], t->models[m],
                                                                         t->models[best]) ? " -" : "");
            else
                snprintf(cellt, sizeof cellt, "%.3f%s", t->mean[m][z], best == m && t->n_models > 1 ? " *" : "");
            rc = buf_printf(out, err, z + 1 < t->n_sizes ? "  %-21s" : "  %s", cellt);
        }
        rc = rc ? rc : buf_puts(out, "\n", err);
    }
    if (!rc && t->n_models > 1)
        rc = buf_puts(out, "  * best mean at that n; - significantly below it (corrected t-test, Holm, significance.csv)\n",
                      err);
    rc = rc ? rc : buf_puts(out, "  clips per class for ROC-AUC 0.9:\n", err);
    for (size_t m = 0; !rc && m < t->n_models; m++) {
        rc = buf_printf(out, err, "    %-16s ", t->models[m]);
        rc = rc ? rc : clips_line(t, m, curves, out, err);
    }
    return rc;
}

/* Reads an optional CSV of the run; *found = 0 when absent. */
static int read_csv(store *st, const char *run_id, const char *name, csv_table *t, int *found, mlac_err *err)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", run_id, name);
    int rc = store_exists(st, path, found, err);
    if (rc || !*found)
        return rc;
    buf b;
    buf_init(&b, 256u << 20);
    rc = store_read(st, path, &b, err);
    if (!rc)
        rc = csv_parse(b.data ? b.data : "", b.len, path, t, err);
    *found = !rc;
    buf_release(&b);
    return rc;
}

int results_text(store *st, const char *run_id, buf *out, mlac_err *err)
{
    char path[400];
    snprintf(path, sizeof path, "%s/summary.json", run_id);
    buf b;
    buf_init(&b, 256u << 20);
    int rc = store_read(st, path, &b, err);
    json_error_t je;
    json_t *doc = rc ? NULL : json_loadb(b.data, b.len, 0, &je);
    buf_release(&b);
    if (!rc && !doc)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' is not valid JSON (line %d: %s)", path, je.line, je.text);
    if (rc)
        return rc;
    csv_table sig = {0}, curves = {0};
    int have_sig = 0, have_curves = 0;
    rc = read_csv(st, run_id, "significance.csv", &sig, &have_sig, err);
    if (!rc)
        rc = read_csv(st, run_id, "curves.csv", &curves, &have_curves, err);
    json_t *rows = json_object_get(doc, "rows");
    const char *species[256];
    size_t n_species = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) index_of(species, &n_species, json_string_value(json_object_get(row, "species")), 256);
    sp_table *t = malloc(sizeof *t);
    if (!rc && !t)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the results table");
    for (size_t s = 0; !rc && s < n_species; s++) {
        fill_table(rows, species[s], t);
        rc = species_text(t, have_sig ? &sig : NULL, have_curves ? &curves : NULL, out, err);
    }
    free(t);
    if (have_sig)
        csv_release(&sig);
    if (have_curves)
        csv_release(&curves);
    json_decref(doc);
    return rc;
}
