/* aggregate.c — grouping the ledger and writing summary.csv / summary.json (see aggregate.h). */
#include "exp/aggregate.h"
#include "core/csv.h"
#include "core/json_alloc.h"
#include "core/log.h"
#include "stats/intervals.h"
#include "stats/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const aggregate_metrics[] = {"roc_auc", "pr_auc", "accuracy", "f1", "log_loss",
                                         "precision_at_recall_80", "precision_at_recall_90", "precision_at_recall_95",
                                         "recall_at_precision_80", "recall_at_precision_90", "recall_at_precision_95",
                                         "brier", "ece", "group_roc_auc", "external_roc_auc", NULL};

static const char *str_of(json_t *e, const char *key)
{
    const char *s = json_string_value(json_object_get(e, key));
    return s ? s : "";
}

static int cell_cmp(const char *sa, const char *ma, long na, const char *sb, const char *mb, long nb)
{
    int c = strcmp(sa, sb);
    if (!c)
        c = strcmp(ma, mb);
    if (!c)
        c = (na > nb) - (na < nb);
    return c;
}

static int cmp_cells(const void *a, const void *b)
{
    const agg_cell *x = a, *y = b;
    return cell_cmp(x->species, x->model, x->n, y->species, y->model, y->n);
}

int aggregate_group(const ledger *led, agg_cells *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->cells = calloc(led->n ? led->n : 1, sizeof *out->cells);
    json_t **slots = calloc(led->n ? led->n : 1, sizeof *slots);
    if (!out->cells || !slots) {
        free(slots);
        free(out->cells);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory aggregating %zu tasks", led->n);
    }
    out->slots = slots; /* every cell's tasks are a contiguous range of this array */
    for (size_t i = 0; i < led->n; i++) {
        json_t *e = led->entries[i];
        const char *sp = str_of(e, "species"), *m = str_of(e, "model");
        long n = (long)json_integer_value(json_object_get(e, "n"));
        agg_cell *c = NULL;
        for (size_t j = 0; j < out->n && !c; j++)
            if (!cell_cmp(out->cells[j].species, out->cells[j].model, out->cells[j].n, sp, m, n))
                c = &out->cells[j];
        if (!c) {
            c = &out->cells[out->n++];
            c->species = sp, c->model = m, c->n = n;
        }
        if (strcmp(str_of(e, "status"), "ok"))
            c->n_failed++;
        else
            c->n_tasks++;
    }
    qsort(out->cells, out->n, sizeof *out->cells, cmp_cells);
    size_t at = 0;
    for (size_t j = 0; j < out->n; j++) {
        out->cells[j].tasks = slots + at;
        at += out->cells[j].n_tasks;
        out->cells[j].n_tasks = 0;
    }
    for (size_t i = 0; i < led->n; i++) {
        json_t *e = led->entries[i];
        if (strcmp(str_of(e, "status"), "ok"))
            continue;
        agg_cell key = {.species = str_of(e, "species"), .model = str_of(e, "model"),
                        .n = (long)json_integer_value(json_object_get(e, "n"))};
        agg_cell *c = bsearch(&key, out->cells, out->n, sizeof *out->cells, cmp_cells);
        c->tasks[c->n_tasks++] = e;
    }
    return MLAC_OK;
}

void aggregate_cells_release(agg_cells *c)
{
    if (!c || !c->cells)
        return;
    free(c->slots);
    free(c->cells);
    c->cells = NULL;
    c->n = 0;
}

size_t aggregate_metric_values(const agg_cell *c, const char *metric, double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_tasks; i++) {
        json_t *v = json_object_get(json_object_get(c->tasks[i], "metrics"), metric);
        if (json_is_number(v) && isfinite(json_number_value(v)))
            out[k++] = json_number_value(v);
    }
    return k;
}

int aggregate_pooled_scores(store *out, const char *run_id, const agg_cell *c, int repeat, predictions *pooled,
                            mlac_err *err)
{
    memset(pooled, 0, sizeof *pooled);
    int rc = MLAC_OK;
    for (size_t i = 0; i < c->n_tasks && !rc; i++) {
        json_t *e = c->tasks[i];
        if (json_integer_value(json_object_get(e, "repeat")) != repeat)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/predictions/%s/%s/n%05ld_r%d_f%d.csv", run_id, c->species, c->model, c->n,
                 repeat, (int)json_integer_value(json_object_get(e, "fold")));
        buf b;
        buf_init(&b, 256u << 20);
        rc = store_read(out, path, &b, err);
        if (!rc)
            rc = predictions_parse(b.data, b.len, path, pooled, err);
        buf_release(&b);
    }
    return rc;
}

/* DeLong interval of the pooled out-of-fold scores, averaged over repeats. */
static int pooled_delong(store *out, const char *run_id, const agg_cell *c, stats_delong *res, mlac_err *err)
{
    int max_repeat = -1;
    for (size_t i = 0; i < c->n_tasks; i++) {
        int r = (int)json_integer_value(json_object_get(c->tasks[i], "repeat"));
        max_repeat = r > max_repeat ? r : max_repeat;
    }
    double auc = 0, var = 0;
    int used = 0;
    for (int r = 0; r <= max_repeat; r++) {
        predictions p;
        int rc = aggregate_pooled_scores(out, run_id, c, r, &p, err);
        stats_delong d;
        mlac_err ignore;
        int drc = !rc && p.n ? stats_delong_auc(p.score, p.label, p.n, 0.95, &d, &ignore) : MLAC_EINVAL;
        if (drc == MLAC_OK) {
            auc += d.auc, var += d.var;
            used++;
        } else if (drc == MLAC_ENOMEM) { /* only a degenerate cell goes without its interval */
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory computing the DeLong interval of %s/%s n=%ld", c->species,
                           c->model, c->n);
        }
        predictions_release(&p);
        if (rc)
            return rc;
    }
    memset(res, 0, sizeof *res);
    res->auc = res->lo = res->hi = NAN;
    if (!used)
        return MLAC_OK;
    res->auc = auc / used;
    res->var = var / used;
    res->se = sqrt(res->var);
    double z = stats_norm_quantile(0.975);
    res->lo = res->auc - z * res->se;
    res->hi = res->auc + z * res->se;
    stats_clip_interval(&res->lo, &res->hi, 0, 1);
    return MLAC_OK;
}

static void put_num(buf *b, double v)
{
    if (isfinite(v))
        buf_printf(b, NULL, ",%.6f", v);
    else
        buf_puts(b, ",", NULL);
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *requested_of(const agg_cell *c, int *capped)
{
    *capped = 0;
    json_t *req = c->n_tasks ? json_object_get(c->tasks[0], "n_requested") : NULL;
    if (c->n_tasks)
        *capped = json_is_true(json_object_get(c->tasks[0], "capped"));
    return req ? json_incref(req) : json_array();
}

static int summarise_cell(store *out, const char *run_id, const agg_cell *c, buf *csv, json_t *rows, mlac_err *err)
{
    stats_delong dl;
    int rc = pooled_delong(out, run_id, c, &dl, err);
    if (rc)
        return rc;
    int capped;
    json_t *req = requested_of(c, &capped);
    double *vals = malloc((c->n_tasks ? c->n_tasks : 1) * sizeof *vals);
    if (!vals) {
        json_decref(req);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory summarising");
    }
    for (size_t m = 0; aggregate_metrics[m]; m++) {
        const char *metric = aggregate_metrics[m];
        int is_auc = !strcmp(metric, "roc_auc");
        size_t k = aggregate_metric_values(c, metric, vals);
        stats_summary s;
        stats_summarise(vals, k, 0.95, &s);
        const char *method = "t";
        if (strcmp(metric, "log_loss"))
            stats_clip_interval(&s.ci_lo, &s.ci_hi, 0, 1);
        else if (isfinite(s.ci_lo) && s.ci_lo < 0)
            s.ci_lo = 0;
        if (is_auc && k < 2 && isfinite(dl.lo)) {
            s.ci_lo = dl.lo, s.ci_hi = dl.hi;
            method = "delong";
        }
        /* one row per requested size the cell answers: n_requested stays a number */
        size_t n_req = json_array_size(req);
        for (size_t q = 0; q < (n_req ? n_req : 1) && !rc; q++) {
            long r = n_req ? (long)json_integer_value(json_array_get(req, q)) : c->n;
            csv_quote(csv, c->species, NULL), buf_puts(csv, ",", NULL), csv_quote(csv, c->model, NULL);
            buf_printf(csv, NULL, ",%ld,%ld,%s,%s", c->n, r, r > c->n ? "true" : "false", metric);
            put_num(csv, s.mean), put_num(csv, s.std), put_num(csv, s.ci_lo), put_num(csv, s.ci_hi);
            buf_printf(csv, NULL, ",%s,%zu,%zu", k ? method : "", k, c->n_failed);
            put_num(csv, is_auc ? dl.auc : NAN), put_num(csv, is_auc ? dl.lo : NAN), put_num(csv, is_auc ? dl.hi : NAN);
            rc = buf_puts(csv, "\n", err);
        }
        json_t *row = json_pack("{s:s, s:s, s:I, s:O, s:b, s:s, s:o, s:o, s:o, s:o, s:s, s:I, s:I}", "species",
                                c->species, "model", c->model, "n", (json_int_t)c->n, "n_requested", req, "capped",
                                capped, "metric", metric, "mean", jnum(s.mean), "std", jnum(s.std), "ci_low",
                                jnum(s.ci_lo), "ci_high", jnum(s.ci_hi), "ci_method", k ? method : "", "count",
                                (json_int_t)k, "failed", (json_int_t)c->n_failed);
        int bad = !row;
        if (is_auc && row)
            bad = json_object_set_new(row, "pooled_auc", jnum(dl.auc)) |
                  json_object_set_new(row, "delong_low", jnum(dl.lo)) |
                  json_object_set_new(row, "delong_high", jnum(dl.hi));
        if (json_array_append_new(rows, row) || bad) { /* a row with a key missing is never written */
            if (!rc)
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory summarising %s/%s n=%ld", c->species, c->model, c->n);
            break;
        }
    }
    free(vals);
    json_decref(req);
    return rc;
}

static int write_summary(store *out, const char *run_id, const agg_cells *cells, mlac_err *err)
{
    buf csv;
    buf_init(&csv, 0);
    json_t *rows = json_array();
    int rc = rows ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "out of memory summarising");
    if (!rc)
        rc = buf_puts(&csv,
                      "species,model,n,n_requested,capped,metric,mean,std,ci_low,ci_high,ci_method,count,failed,"
                      "pooled_auc,delong_low,delong_high\n",
                      err);
    for (size_t i = 0; !rc && i < cells->n; i++)
        rc = summarise_cell(out, run_id, &cells->cells[i], &csv, rows, err);
    char path[512];
    if (!rc) {
        snprintf(path, sizeof path, "%s/summary.csv", run_id);
        rc = store_write(out, path, csv.data, csv.len, err);
    }
    if (!rc) {
        json_t *doc = json_pack("{s:s, s:O}", "run_id", run_id, "rows", rows);
        json_alloc_begin(); /* jansson's json_dumps may drop a key it could not write */
        char *text = json_dumps_whole(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        snprintf(path, sizeof path, "%s/summary.json", run_id);
        rc = text ? store_write_str(out, path, text, err) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise the summary");
        free(text);
        json_decref(doc);
    }
    json_decref(rows);
    buf_release(&csv);
    return rc;
}

/* Every finished line is checked against its predictions (ledger_line_verify) before anything
 * is computed: a line that fails is refused, naming it; lines of an older mlac are counted and
 * reported once as unverified. */
static int verify_lines(store *out, const char *run_id, const ledger *led, mlac_err *err)
{
    size_t old = 0;
    for (size_t i = 0; i < led->n; i++) {
        const char *status = json_string_value(json_object_get(led->entries[i], "status"));
        if (!status || strcmp(status, "ok"))
            continue;
        char where[700];
        ledger_where(led, led->entries[i], where, sizeof where);
        int unverified = 0;
        int rc = ledger_line_verify(out, run_id, where, led->entries[i], &unverified, err);
        if (rc) {
            if (err && rc == MLAC_EFORMAT) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                mlac_errf(err, rc, "%.900s; rerun the experiment to redo the task", msg);
            }
            return rc;
        }
        old += (size_t)unverified;
    }
    if (old)
        log_warn("%s: %zu finished tasks were written by an older mlac without a predictions checksum; their "
                 "predictions were checked for row count and metrics only (unverified)", run_id, old);
    return MLAC_OK;
}

int aggregate_run(store *out, const char *run_id, const ledger *led, mlac_err *err)
{
    agg_cells cells = {0};
    int rc = verify_lines(out, run_id, led, err);
    if (rc)
        return rc;
    rc = aggregate_group(led, &cells, err);
    if (!rc)
        rc = write_summary(out, run_id, &cells, err);
    if (!rc)
        rc = aggregate_significance(out, run_id, &cells, err);
    if (!rc)
        rc = aggregate_curves(out, run_id, &cells, err);
    aggregate_cells_release(&cells);
    return rc;
}
