/* report_summary.c — the ROC-AUC cells of a run: from summary.json, else summary.csv, else
 * computed from the tasks (mean, sample std, Student t 95% interval clipped to [0, 1], as
 * src/exp/aggregate.c does for the t interval). */
#include "core/csv.h"
#include "report/report_internal.h"
#include "stats/intervals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static report_cell *new_cell(report_run *r, size_t *cap, mlac_err *err)
{
    if (r->n_cells == *cap) {
        size_t ncap = *cap ? 2 * *cap : 32;
        report_cell *c = realloc(r->cells, ncap * sizeof *c);
        if (!c) {
            mlac_errf(err, MLAC_ENOMEM, "out of memory reading the summary of '%s'", r->run_id);
            return NULL;
        }
        r->cells = c, *cap = ncap;
    }
    report_cell *c = &r->cells[r->n_cells++];
    memset(c, 0, sizeof *c);
    c->mean = c->std = c->ci_lo = c->ci_hi = NAN;
    c->pooled_auc = c->delong_lo = c->delong_hi = NAN;
    return c;
}

static double jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void set_requested_json(report_cell *c, json_t *req)
{
    size_t len = 0, i;
    json_t *v;
    c->requested[0] = '\0';
    c->requested_max = c->n;
    json_array_foreach(req, i, v)
    {
        long x = (long)json_integer_value(v);
        if (len < sizeof c->requested)
            len += (size_t)snprintf(c->requested + len, sizeof c->requested - len, "%s%ld", i ? " " : "", x);
        if (i == 0 || x > c->requested_max)
            c->requested_max = x;
    }
    if (!c->requested[0])
        snprintf(c->requested, sizeof c->requested, "%ld", c->n);
}

static void set_requested_text(report_cell *c, const char *text)
{
    snprintf(c->requested, sizeof c->requested, "%s", *text ? text : "");
    c->requested_max = c->n;
    int first = 1;
    for (const char *p = text; *p;) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        if (first || x > c->requested_max)
            c->requested_max = x;
        first = 0;
        p = end;
    }
    if (!c->requested[0])
        snprintf(c->requested, sizeof c->requested, "%ld", c->n);
}

static int from_json(report_run *r, const char *text, size_t len, mlac_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    json_t *rows = json_object_get(doc, "rows");
    int rc = MLAC_OK;
    if (!json_is_array(rows))
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s/summary.json': %s", r->run_id,
                       doc ? "no \"rows\" array" : je.text);
    size_t cap = 0, i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *metric = json_string_value(json_object_get(row, "metric"));
        const char *sp = json_string_value(json_object_get(row, "species"));
        const char *m = json_string_value(json_object_get(row, "model"));
        if (rc || !metric || strcmp(metric, "roc_auc") || !sp || !m)
            continue;
        report_cell *c = new_cell(r, &cap, err);
        if (!c) {
            rc = MLAC_ENOMEM;
            break;
        }
        snprintf(c->species_name, sizeof c->species_name, "%s", sp);
        snprintf(c->model_name, sizeof c->model_name, "%s", m);
        c->n = (long)json_integer_value(json_object_get(row, "n"));
        set_requested_json(c, json_object_get(row, "n_requested"));
        c->capped = json_is_true(json_object_get(row, "capped"));
        c->mean = jnum(row, "mean"), c->std = jnum(row, "std");
        c->ci_lo = jnum(row, "ci_low"), c->ci_hi = jnum(row, "ci_high");
        const char *method = json_string_value(json_object_get(row, "ci_method"));
        snprintf(c->ci_method, sizeof c->ci_method, "%s", method ? method : "");
        c->count = (int)json_integer_value(json_object_get(row, "count"));
        c->failed = (int)json_integer_value(json_object_get(row, "failed"));
        c->pooled_auc = jnum(row, "pooled_auc");
        c->delong_lo = jnum(row, "delong_low"), c->delong_hi = jnum(row, "delong_high");
        rc = report_add_name(&r->species, sp, err);
        if (!rc)
            rc = report_add_name(&r->models, m, err);
    }
    json_decref(doc);
    return rc;
}

static int from_csv(report_run *r, const char *text, size_t len, mlac_err *err)
{
    char name[400];
    snprintf(name, sizeof name, "%s/summary.csv", r->run_id);
    csv_table t;
    int rc = csv_parse(text, len, name, &t, err);
    if (rc)
        return rc;
    int c_sp = csv_col(&t, "species"), c_m = csv_col(&t, "model"), c_n = csv_col(&t, "n");
    int c_metric = csv_col(&t, "metric");
    if (c_sp < 0 || c_m < 0 || c_n < 0 || c_metric < 0)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s': needs the columns species, model, n and metric", name);
    size_t cap = 0;
    for (size_t i = 0; !rc && i < t.n_rows; i++) {
        if (strcmp(csv_get(&t, i, c_metric), "roc_auc"))
            continue;
        report_cell *last = r->n_cells ? &r->cells[r->n_cells - 1] : NULL;
        if (last && !strcmp(last->species_name, csv_get(&t, i, c_sp)) && !strcmp(last->model_name, csv_get(&t, i, c_m)) &&
            last->n == atol(csv_get(&t, i, c_n))) { /* the same cell's next requested size (one row each) */
            const char *q = csv_get(&t, i, csv_col(&t, "n_requested"));
            size_t len = strlen(last->requested);
            snprintf(last->requested + len, sizeof last->requested - len, " %s", q);
            if (atol(q) > last->requested_max)
                last->requested_max = atol(q);
            last->capped |= !strcmp(csv_get(&t, i, csv_col(&t, "capped")), "true");
            continue;
        }
        report_cell *c = new_cell(r, &cap, err);
        if (!c) {
            rc = MLAC_ENOMEM;
            break;
        }
        snprintf(c->species_name, sizeof c->species_name, "%s", csv_get(&t, i, c_sp));
        snprintf(c->model_name, sizeof c->model_name, "%s", csv_get(&t, i, c_m));
        c->n = atol(csv_get(&t, i, c_n));
        set_requested_text(c, csv_get(&t, i, csv_col(&t, "n_requested")));
        c->capped = !strcmp(csv_get(&t, i, csv_col(&t, "capped")), "true");
        c->mean = csv_num(&t, i, csv_col(&t, "mean")), c->std = csv_num(&t, i, csv_col(&t, "std"));
        c->ci_lo = csv_num(&t, i, csv_col(&t, "ci_low")), c->ci_hi = csv_num(&t, i, csv_col(&t, "ci_high"));
        snprintf(c->ci_method, sizeof c->ci_method, "%s", csv_get(&t, i, csv_col(&t, "ci_method")));
        c->count = atoi(csv_get(&t, i, csv_col(&t, "count")));
        c->failed = atoi(csv_get(&t, i, csv_col(&t, "failed")));
        c->pooled_auc = csv_num(&t, i, csv_col(&t, "pooled_auc"));
        c->delong_lo = csv_num(&t, i, csv_col(&t, "delong_low"));
        c->delong_hi = csv_num(&t, i, csv_col(&t, "delong_high"));
        rc = report_add_name(&r->species, c->species_name, err);
        if (!rc)
            rc = report_add_name(&r->models, c->model_name, err);
    }
    csv_release(&t);
    return rc;
}

/* Cells from the ledger: one per (species, model, n) seen, AUC summarised over finished tasks. */
static int from_tasks(report_run *r, mlac_err *err)
{
    size_t cap = 0;
    double *vals = malloc((r->n_tasks ? r->n_tasks : 1) * sizeof *vals);
    if (!vals)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory summarising '%s'", r->run_id);
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        json_t *e = r->tasks[i].j;
        const char *sp = json_string_value(json_object_get(e, "species"));
        const char *m = json_string_value(json_object_get(e, "model"));
        long n = r->tasks[i].n;
        int seen = 0;
        for (size_t j = 0; j < r->n_cells && !seen; j++)
            seen = r->cells[j].n == n && !strcmp(r->cells[j].species_name, sp) && !strcmp(r->cells[j].model_name, m);
        if (seen)
            continue;
        report_cell *c = new_cell(r, &cap, err);
        if (!c) {
            rc = MLAC_ENOMEM;
            break;
        }
        snprintf(c->species_name, sizeof c->species_name, "%s", sp);
        snprintf(c->model_name, sizeof c->model_name, "%s", m);
        c->n = n;
        set_requested_json(c, json_object_get(e, "n_requested"));
        size_t k = 0;
        for (size_t j = i; j < r->n_tasks; j++) {
            json_t *f = r->tasks[j].j;
            if (r->tasks[j].n != n || strcmp(json_string_value(json_object_get(f, "species")), sp) ||
                strcmp(json_string_value(json_object_get(f, "model")), m))
                continue;
            if (!r->tasks[j].ok) {
                c->failed++;
                continue;
            }
            c->capped |= json_is_true(json_object_get(f, "capped"));
            double v = jnum(json_object_get(f, "metrics"), "roc_auc");
            if (isfinite(v))
                vals[k++] = v;
        }
        stats_summary s;
        stats_summarise(vals, k, 0.95, &s);
        stats_clip_interval(&s.ci_lo, &s.ci_hi, 0, 1);
        c->mean = s.mean, c->std = s.std, c->ci_lo = s.ci_lo, c->ci_hi = s.ci_hi;
        c->count = (int)k;
        snprintf(c->ci_method, sizeof c->ci_method, "%s", k ? "t" : "");
    }
    free(vals);
    r->summary_from_tasks = 1;
    return rc;
}

const char *const report_extra_metric[2] = {"external_roc_auc", "group_roc_auc"};
const char *const report_extra_label[2] = {"external test set", "recording level"};

/* The external and recording-level AUCs of every cell, summarised from its finished tasks as
 * aggregate.c summarises them for summary.csv (mean, Student t 95% interval clipped to [0, 1]). */
static int fill_extra(report_run *r, mlac_err *err)
{
    double *vals = malloc((r->n_tasks ? r->n_tasks : 1) * sizeof *vals);
    if (!vals)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory summarising '%s'", r->run_id);
    for (size_t i = 0; i < r->n_cells; i++) {
        report_cell *c = &r->cells[i];
        for (int x = 0; x < 2; x++) {
            size_t k = 0;
            for (size_t j = 0; j < r->n_tasks; j++) {
                json_t *f = r->tasks[j].j;
                if (!r->tasks[j].ok || r->tasks[j].n != c->n ||
                    strcmp(json_string_value(json_object_get(f, "species")), c->species_name) ||
                    strcmp(json_string_value(json_object_get(f, "model")), c->model_name))
                    continue;
                double v = jnum(json_object_get(f, "metrics"), report_extra_metric[x]);
                if (isfinite(v))
                    vals[k++] = v;
            }
            c->extra_mean[x] = c->extra_lo[x] = c->extra_hi[x] = NAN;
            c->extra_count[x] = (int)k;
            if (!k)
                continue;
            stats_summary s;
            stats_summarise(vals, k, 0.95, &s);
            stats_clip_interval(&s.ci_lo, &s.ci_hi, 0, 1);
            c->extra_mean[x] = s.mean, c->extra_lo[x] = s.ci_lo, c->extra_hi[x] = s.ci_hi;
        }
    }
    free(vals);
    return MLAC_OK;
}

int report_load_summary(store *st, report_run *r, mlac_err *err)
{
    buf b;
    buf_init(&b, 1u << 30);
    int found = 0;
    int rc = report_read_optional(st, r, "summary.json", &b, &found, err);
    if (!rc && found) {
        rc = from_json(r, b.data, b.len, err);
    } else if (!rc) {
        rc = report_read_optional(st, r, "summary.csv", &b, &found, err);
        if (!rc && found)
            rc = from_csv(r, b.data, b.len, err);
    }
    if (!rc && !found) {
        rc = from_tasks(r, err);
        if (!rc && r->n_tasks)
            rc = report_note(r, err, "summary.json is missing (the run has not finished): the learning curves "
                                     "below are computed from tasks.jsonl, with Student t intervals only");
    }
    if (!rc)
        rc = fill_extra(r, err);
    buf_release(&b);
    return rc;
}
