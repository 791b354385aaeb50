/* significance_table.c — significance.csv: for each (species, n), every pair of models compared
 * on ROC-AUC with the Nadeau–Bengio corrected resampled t-test over paired folds x repeats,
 * Holm-adjusted within the (species, n) family. Pairs use only tasks both models finished. */
#include "exp/aggregate.h"
#include "core/csv.h"
#include "stats/significance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sig_row {
    const agg_cell *a, *b;
    double mean_a, mean_b;
    stats_ttest t;
    size_t count;
    int ok;
} sig_row;

static double task_auc(json_t *task)
{
    json_t *v = json_object_get(json_object_get(task, "metrics"), "roc_auc");
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *find_pair(const agg_cell *c, json_t *like)
{
    json_int_t r = json_integer_value(json_object_get(like, "repeat"));
    json_int_t f = json_integer_value(json_object_get(like, "fold"));
    for (size_t i = 0; i < c->n_tasks; i++)
        if (json_integer_value(json_object_get(c->tasks[i], "repeat")) == r &&
            json_integer_value(json_object_get(c->tasks[i], "fold")) == f)
            return c->tasks[i];
    return NULL;
}

static int compare(const agg_cell *a, const agg_cell *b, sig_row *row, mlac_err *err)
{
    memset(row, 0, sizeof *row);
    row->a = a, row->b = b;
    double *d = malloc((a->n_tasks ? a->n_tasks : 1) * sizeof *d);
    if (!d) /* never a row with no pairs in place of the real one */
        return mlac_errf(err, MLAC_ENOMEM, "out of memory comparing %s and %s", a->model, b->model);
    double sa = 0, sb = 0, n_test = 0;
    size_t k = 0;
    for (size_t i = 0; d && i < a->n_tasks; i++) {
        json_t *tb = find_pair(b, a->tasks[i]);
        double xa = task_auc(a->tasks[i]), xb = tb ? task_auc(tb) : NAN;
        if (!isfinite(xa) || !isfinite(xb))
            continue;
        d[k++] = xa - xb;
        sa += xa, sb += xb;
        n_test += (double)json_integer_value(json_object_get(a->tasks[i], "n_test"));
    }
    row->count = k;
    row->mean_a = k ? sa / (double)k : NAN;
    row->mean_b = k ? sb / (double)k : NAN;
    mlac_err ignore;
    row->ok = k >= 2 && stats_nb_ttest(d, k, 2.0 * (double)a->n, n_test / (double)k, &row->t, &ignore) == MLAC_OK;
    free(d);
    return MLAC_OK;
}

static void put_num(buf *b, double v)
{
    if (isfinite(v))
        buf_printf(b, NULL, ",%.6g", v);
    else
        buf_puts(b, ",", NULL);
}

/* Rows of one (species, n) family: cells[lo, hi) share the species; those with this n pair up. */
static int family(const agg_cells *cells, size_t lo, size_t hi, long n, buf *csv, mlac_err *err)
{
    size_t m = 0, cap = (hi - lo) * (hi - lo);
    sig_row *rows = calloc(cap ? cap : 1, sizeof *rows);
    double *p = calloc(cap ? cap : 1, sizeof *p);
    if (!rows || !p) {
        free(rows), free(p);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for significance tests");
    }
    int rc = MLAC_OK;
    for (size_t i = lo; i < hi && !rc; i++)
        for (size_t j = i + 1; j < hi && !rc; j++)
            if (cells->cells[i].n == n && cells->cells[j].n == n)
                rc = compare(&cells->cells[i], &cells->cells[j], &rows[m++], err);
    size_t k = 0;
    for (size_t r = 0; r < m; r++)
        if (rows[r].ok)
            p[k++] = rows[r].t.p;
    if (!rc && k)
        rc = stats_holm(p, k, p, err);
    for (size_t r = 0, q = 0; !rc && r < m; r++) {
        sig_row *x = &rows[r];
        double adj = x->ok ? p[q++] : NAN;
        int sig = x->ok && adj < 0.05;
        csv_quote(csv, x->a->species, NULL);
        buf_printf(csv, NULL, ",%ld,roc_auc,", n);
        csv_quote(csv, x->a->model, NULL), buf_puts(csv, ",", NULL), csv_quote(csv, x->b->model, NULL);
        put_num(csv, x->mean_a), put_num(csv, x->mean_b), put_num(csv, x->ok ? x->t.mean : NAN);
        put_num(csv, x->ok ? x->t.t : NAN), put_num(csv, x->ok ? x->t.df : NAN);
        put_num(csv, x->ok ? x->t.p : NAN), put_num(csv, adj);
        buf_printf(csv, NULL, ",%s,", sig ? "true" : "false");
        csv_quote(csv, !sig ? "" : x->t.mean > 0 ? x->a->model : x->b->model, NULL);
        rc = buf_printf(csv, err, ",%zu\n", x->count);
    }
    free(rows), free(p);
    return rc;
}

int aggregate_significance(store *out, const char *run_id, const agg_cells *cells, mlac_err *err)
{
    buf csv;
    buf_init(&csv, 0);
    int rc = buf_puts(&csv, "species,n,metric,model_a,model_b,mean_a,mean_b,mean_diff,t,df,p_value,p_holm,"
                            "significant,better,count\n", err);
    /* cells are sorted by species, model, n: walk each species' block, once per distinct n */
    for (size_t lo = 0; !rc && lo < cells->n;) {
        size_t hi = lo;
        while (hi < cells->n && !strcmp(cells->cells[hi].species, cells->cells[lo].species))
            hi++;
        for (size_t i = lo; !rc && i < hi; i++) {
            int seen = 0;
            for (size_t j = lo; j < i && !seen; j++)
                seen = cells->cells[j].n == cells->cells[i].n;
            if (!seen)
                rc = family(cells, lo, hi, cells->cells[i].n, &csv, err);
        }
        lo = hi;
    }
    if (!rc) {
        char path[512];
        snprintf(path, sizeof path, "%s/significance.csv", run_id);
        rc = store_write(out, path, csv.data, csv.len, err);
    }
    buf_release(&csv);
    return rc;
}
