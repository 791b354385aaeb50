/* exports.c — tasks.csv, summary.csv/.json and the copied tables (see exports.h). */
#include "report/exports.h"
#include "core/json_alloc.h"
#include "core/csv.h"
#include "report/report_internal.h"
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const task_cols[] = {"task_id", "species", "model", "n", "n_requested", "capped", "fold", "repeat",
                                        "seed", "status", "error", NULL};
static const char *const metric_cols[] = {"roc_auc", "pr_auc", "accuracy", "f1", "log_loss", NULL};
static const char *const cost_cols[] = {"n_train", "n_test", "train_seconds", "predict_seconds", "peak_rss_kb", NULL};
static const char *const summary_cols[] = {"species", "model", "n", "n_requested", "capped", "metric", "mean", "std",
                                           "ci_low", "ci_high", "ci_method", "count", "failed", "pooled_auc",
                                           "delong_low", "delong_high", NULL};

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v. */
static void fmt_real(double v, char *out, size_t n)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, n, "%.*g", digits, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* One CSV cell for a JSON value: reals in the shortest text that reads back exactly,
 * true/false, arrays of scalars space separated, null and missing empty. */
static int cell(buf *b, json_t *v, mlac_err *err)
{
    char tmp[64];
    switch (json_typeof(v ? v : json_null())) {
    case JSON_STRING:
        return csv_quote(b, json_string_value(v), err);
    case JSON_INTEGER:
        return buf_printf(b, err, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        if (!isfinite(json_real_value(v)))
            return MLAC_OK;
        fmt_real(json_real_value(v), tmp, sizeof tmp);
        return buf_puts(b, tmp, err);
    case JSON_TRUE:
        return buf_puts(b, "true", err);
    case JSON_FALSE:
        return buf_puts(b, "false", err);
    case JSON_ARRAY: {
        buf t;
        buf_init(&t, 0);
        size_t i;
        json_t *x;
        int rc = buf_puts(&t, "", err);
        json_array_foreach(v, i, x)
        {
            if (!rc && i)
                rc = buf_puts(&t, " ", err);
            if (!rc && json_is_integer(x))
                rc = buf_printf(&t, err, "%lld", (long long)json_integer_value(x));
            else if (!rc && json_is_number(x)) {
                fmt_real(json_number_value(x), tmp, sizeof tmp);
                rc = buf_puts(&t, tmp, err);
            }
            else if (!rc && json_is_string(x))
                rc = buf_puts(&t, json_string_value(x), err);
        }
        rc = rc ? rc : csv_quote(b, t.data, err);
        buf_release(&t);
        return rc;
    }
    default:
        return MLAC_OK;
    }
}

static int header(buf *b, const char *const *cols, int *first, const char *prefix, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && cols[i]; i++) {
        rc = *first ? MLAC_OK : buf_puts(b, ",", err);
        *first = 0;
        rc = rc ? rc : buf_puts(b, prefix, err);
        rc = rc ? rc : csv_quote(b, cols[i], err);
    }
    return rc;
}

static int cells(buf *b, json_t *obj, const char *const *cols, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && cols[i]; i++) {
        rc = buf_puts(b, ",", err);
        rc = rc ? rc : cell(b, json_object_get(obj, cols[i]), err);
    }
    return rc;
}

/* The scalar keys of model_info over all tasks, sorted (nested values such as history are left out). */
static int info_keys(const report_run *r, strlist *keys, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(r->tasks[i].j, "model_info"), k, v) if (!rc && !json_is_object(v) &&
                                                                                    !json_is_array(v)) rc =
            report_add_name(keys, k, err);
    }
    strlist_sort(keys);
    return rc;
}

static int exports_tasks_csv(const report_run *r, buf *out, mlac_err *err)
{
    strlist info;
    strlist_init(&info);
    int first = 1;
    int rc = info_keys(r, &info, err);
    const char **info_cols = calloc(info.n + 1, sizeof *info_cols); /* NULL-terminated view of info */
    if (!rc && !info_cols)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory writing tasks.csv");
    for (size_t i = 0; !rc && i < info.n; i++)
        info_cols[i] = info.items[i];
    rc = rc ? rc : header(out, task_cols, &first, "", err);
    rc = rc ? rc : header(out, metric_cols, &first, "", err);
    rc = rc ? rc : header(out, cost_cols, &first, "", err);
    rc = rc ? rc : header(out, info_cols, &first, "info_", err);
    rc = rc ? rc : buf_puts(out, "\n", err);
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        json_t *e = r->tasks[i].j;
        rc = cell(out, json_object_get(e, task_cols[0]), err);
        rc = rc ? rc : cells(out, e, task_cols + 1, err);
        rc = rc ? rc : cells(out, json_object_get(e, "metrics"), metric_cols, err);
        rc = rc ? rc : cells(out, e, cost_cols, err);
        rc = rc ? rc : cells(out, json_object_get(e, "model_info"), info_cols, err);
        rc = rc ? rc : buf_puts(out, "\n", err);
    }
    free(info_cols);
    strlist_release(&info);
    return rc;
}

static int exports_summary_csv(json_t *summary, buf *out, mlac_err *err)
{
    json_t *rows = json_object_get(summary, "rows");
    strlist extra; /* columns beyond the known ones, in first-seen order */
    strlist_init(&extra);
    size_t i;
    json_t *row;
    int rc = MLAC_OK;
    json_array_foreach(rows, i, row)
    {
        const char *k;
        json_t *v;
        json_object_foreach(row, k, v)
        {
            int known = 0;
            for (size_t c = 0; summary_cols[c]; c++)
                known |= !strcmp(summary_cols[c], k);
            if (!rc && !known)
                rc = report_add_name(&extra, k, err);
        }
    }
    int first = 1;
    rc = rc ? rc : header(out, summary_cols, &first, "", err);
    for (size_t c = 0; !rc && c < extra.n; c++) {
        rc = buf_puts(out, ",", err);
        rc = rc ? rc : csv_quote(out, extra.items[c], err);
    }
    rc = rc ? rc : buf_puts(out, "\n", err);
    json_array_foreach(rows, i, row)
    {
        if (rc)
            break;
        /* one row per requested size (summary.json's list): n_requested stays a number */
        json_t *req = json_object_get(row, "n_requested");
        size_t n_req = json_is_array(req) ? json_array_size(req) : 0;
        for (size_t q = 0; !rc && q < (n_req ? n_req : 1); q++) {
            json_t *one = json_copy(row);
            if (n_req) {
                json_t *r = json_array_get(req, q);
                json_object_set(one, "n_requested", r);
                json_object_set_new(one, "capped", json_boolean(json_integer_value(r) >
                                                                json_integer_value(json_object_get(row, "n"))));
            }
            rc = cell(out, json_object_get(one, summary_cols[0]), err);
            rc = rc ? rc : cells(out, one, summary_cols + 1, err);
            for (size_t c = 0; !rc && c < extra.n; c++) {
                rc = buf_puts(out, ",", err);
                rc = rc ? rc : cell(out, json_object_get(one, extra.items[c]), err);
            }
            rc = rc ? rc : buf_puts(out, "\n", err);
            json_decref(one);
        }
    }
    strlist_release(&extra);
    return rc;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* A summary document from the cells computed from the tasks (ROC-AUC rows only). */
static json_t *summary_from_cells(const report_run *r)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < r->n_cells; i++) {
        const report_cell *c = &r->cells[i];
        json_t *req = json_array();
        for (const char *p = c->requested; *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            json_array_append_new(req, json_integer(v));
            p = end;
        }
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:I, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:i, s:n, s:n, s:n}",
                            "species", c->species_name, "model", c->model_name, "n", (json_int_t)c->n, "n_requested",
                            req, "capped", c->capped, "metric", "roc_auc", "mean", num(c->mean), "std", num(c->std),
                            "ci_low", num(c->ci_lo), "ci_high", num(c->ci_hi), "ci_method", c->ci_method, "count",
                            c->count, "failed", c->failed, "pooled_auc", "delong_low", "delong_high"));
    }
    return json_pack("{s:s, s:o}", "run_id", r->run_id, "rows", rows);
}

static int write_text(store *st, const report_run *r, const char *name, const char *data, size_t n, mlac_err *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/report/%s", r->run_id, name);
    return store_write(st, path, data, n, err);
}

/* Copies <run_id>/<name> to report/<name> when it exists. */
static int copy_table(store *st, const report_run *r, const char *name, mlac_err *err)
{
    buf b;
    buf_init(&b, STORE_MAX_OBJECT);
    int found = 0;
    int rc = report_read_optional(st, r, name, &b, &found, err);
    if (!rc && found)
        rc = write_text(st, r, name, b.data ? b.data : "", b.len, err);
    buf_release(&b);
    return rc;
}

static int write_summary(store *st, const report_run *r, mlac_err *err)
{
    buf b, csv;
    buf_init(&b, 1u << 30);
    buf_init(&csv, 0);
    int found = 0;
    json_t *doc = NULL;
    int rc = report_read_optional(st, r, "summary.json", &b, &found, err);
    if (!rc && found) {
        json_error_t je;
        doc = json_loadb(b.data, b.len, 0, &je);
        if (!doc)
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s/summary.json' line %d: %s", r->run_id, je.line, je.text);
        rc = rc ? rc : write_text(st, r, "summary.json", b.data, b.len, err);
    } else if (!rc) {
        rc = report_read_optional(st, r, "summary.csv", &b, &found, err);
        if (!rc && found) /* an old run with only the CSV: copy it */
            rc = write_text(st, r, "summary.csv", b.data ? b.data : "", b.len, err);
        if (!rc && !found) {
            json_alloc_begin(); /* a value dropped while building or dumping is no summary */
            doc = summary_from_cells(r);
            char *text = json_dumps_whole(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
            rc = text ? write_text(st, r, "summary.json", text, strlen(text), err)
                      : mlac_errf(err, MLAC_ENOMEM, "cannot serialise the summary");
            free(text);
        }
    }
    if (!rc && doc) {
        rc = exports_summary_csv(doc, &csv, err);
        rc = rc ? rc : write_text(st, r, "summary.csv", csv.data, csv.len, err);
    }
    json_decref(doc);
    buf_release(&b);
    buf_release(&csv);
    return rc;
}

int exports_write(store *st, const report_run *r, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    int rc = exports_tasks_csv(r, &b, err);
    rc = rc ? rc : write_text(st, r, "tasks.csv", b.data, b.len, err);
    buf_release(&b);
    rc = rc ? rc : write_summary(st, r, err);
    rc = rc ? rc : copy_table(st, r, "significance.csv", err);
    return rc ? rc : copy_table(st, r, "curves.csv", err);
}
