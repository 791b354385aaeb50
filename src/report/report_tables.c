/* report_tables.c — significance.csv and curves.csv of a run (see report_data.h). Both are
 * optional: a run with one model has no comparisons, a run with fewer than three sizes no fits. */
#include "core/csv.h"
#include "report/report_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, REPORT_NAME_MAX, "%s", src);
}

static int load_sig(report_run *r, const csv_table *t, const char *name, mlac_err *err)
{
    int c_sp = csv_col(t, "species"), c_n = csv_col(t, "n"), c_metric = csv_col(t, "metric");
    int c_a = csv_col(t, "model_a"), c_b = csv_col(t, "model_b");
    if (c_sp < 0 || c_n < 0 || c_a < 0 || c_b < 0)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': needs the columns species, n, model_a and model_b", name);
    r->sig = calloc(t->n_rows ? t->n_rows : 1, sizeof *r->sig);
    if (!r->sig)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
    for (size_t i = 0; i < t->n_rows; i++) {
        const char *metric = csv_get(t, i, c_metric);
        if (c_metric >= 0 && strcmp(metric, "roc_auc"))
            continue;
        report_sig *s = &r->sig[r->n_sig++];
        copy_name(s->species_name, csv_get(t, i, c_sp));
        s->n = atol(csv_get(t, i, c_n));
        copy_name(s->model_a, csv_get(t, i, c_a));
        copy_name(s->model_b, csv_get(t, i, c_b));
        copy_name(s->better, csv_get(t, i, csv_col(t, "better")));
        s->mean_a = csv_num(t, i, csv_col(t, "mean_a"));
        s->mean_b = csv_num(t, i, csv_col(t, "mean_b"));
        s->diff = csv_num(t, i, csv_col(t, "mean_diff"));
        s->t = csv_num(t, i, csv_col(t, "t"));
        s->df = csv_num(t, i, csv_col(t, "df"));
        s->p = csv_num(t, i, csv_col(t, "p_value"));
        s->p_holm = csv_num(t, i, csv_col(t, "p_holm"));
        s->significant = !strcmp(csv_get(t, i, csv_col(t, "significant")), "true");
    }
    return MLAC_OK;
}

static int load_curves(report_run *r, const csv_table *t, const char *name, mlac_err *err)
{
    int c_sp = csv_col(t, "species"), c_m = csv_col(t, "model"), c_target = csv_col(t, "target");
    if (c_sp < 0 || c_m < 0 || c_target < 0)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': needs the columns species, model and target", name);
    r->curves = calloc(t->n_rows ? t->n_rows : 1, sizeof *r->curves);
    if (!r->curves)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
    int c_metric = csv_col(t, "metric");
    for (size_t i = 0; i < t->n_rows; i++) {
        if (c_metric >= 0 && strcmp(csv_get(t, i, c_metric), "roc_auc"))
            continue; /* the external and recording-level fits stay in curves.csv */
        report_curve *c = &r->curves[r->n_curves++];
        copy_name(c->species_name, csv_get(t, i, c_sp));
        copy_name(c->model_name, csv_get(t, i, c_m));
        c->target = csv_num(t, i, c_target);
        c->a = csv_num(t, i, csv_col(t, "a"));
        c->b = csv_num(t, i, csv_col(t, "b"));
        c->c = csv_num(t, i, csv_col(t, "c"));
        c->rmse = csv_num(t, i, csv_col(t, "rmse"));
        c->n_needed = csv_num(t, i, csv_col(t, "n_needed"));
        c->n_low = csv_num(t, i, csv_col(t, "n_low"));
        c->n_high = csv_num(t, i, csv_col(t, "n_high"));
        c->max_n = csv_num(t, i, csv_col(t, "max_n"));
        snprintf(c->status, sizeof c->status, "%s", csv_get(t, i, csv_col(t, "status")));
    }
    return MLAC_OK;
}

typedef int (*table_loader)(report_run *r, const csv_table *t, const char *name, mlac_err *err);

static int load_one(store *st, report_run *r, const char *file, table_loader load, int *has, mlac_err *err)
{
    buf b;
    buf_init(&b, 1u << 30);
    int rc = report_read_optional(st, r, file, &b, has, err);
    if (!rc && *has) {
        char name[400];
        snprintf(name, sizeof name, "%s/%s", r->run_id, file);
        csv_table t;
        rc = csv_parse(b.data, b.len, name, &t, err);
        if (!rc)
            rc = load(r, &t, name, err);
        csv_release(&t);
    }
    buf_release(&b);
    return rc;
}

int report_load_tables(store *st, report_run *r, mlac_err *err)
{
    int rc = load_one(st, r, "significance.csv", load_sig, &r->has_sig, err);
    if (!rc)
        rc = load_one(st, r, "curves.csv", load_curves, &r->has_curves, err);
    return rc;
}

void report_resolve_tables(report_run *r)
{
    for (size_t i = 0; i < r->n_sig; i++)
        r->sig[i].species = report_index(&r->species, r->sig[i].species_name);
    for (size_t i = 0; i < r->n_curves; i++) {
        r->curves[i].species = report_index(&r->species, r->curves[i].species_name);
        r->curves[i].model = report_index(&r->models, r->curves[i].model_name);
    }
}
