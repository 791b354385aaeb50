/* html_run.c — the run-wide sections of index.html: time and memory per model, failed tasks,
 * tasks flagged with a warning (constant scores),
 * and the run's spec, versions and data fingerprint with links to the exports (see html.h). */
#include "report/html.h"
#include "report/palette.h"
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double task_num(const report_task *t, const char *key)
{
    json_t *v = json_object_get(t->j, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

typedef struct model_cost {
    int ok, failed;
    double train, predict;   /* sums over finished tasks, seconds */
    double peak_kb;          /* largest peak RSS reported */
} model_cost;

static int timing_table(const report_run *r, const model_cost *cost, buf *b, mlac_err *err)
{
    double longest = 0;
    for (size_t m = 0; m < r->models.n; m++)
        if (cost[m].ok)
            longest = fmax(longest, cost[m].train / cost[m].ok);
    int rc = buf_puts(b, "<div class=\"scroll\"><table><tr><th class=\"l\">model</th><th>tasks</th><th>failed</th>"
                         "<th class=\"l\">mean training time</th><th>mean scoring time</th><th>total compute</th>"
                         "<th>peak memory</th></tr>\n",
                      err);
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        const model_cost *c = &cost[m];
        if (!c->ok && !c->failed)
            continue;
        palette_style ps = palette_for(&r->models, m);
        double mean_train = c->ok ? c->train / c->ok : NAN;
        rc = buf_printf(b, err, "<tr><td class=\"l\"><span class=\"sw\" style=\"background:%s\"></span>", ps.hex);
        rc = rc ? rc : report_esc(b, r->models.items[m], err);
        rc = rc ? rc : buf_printf(b, err, "</td><td>%d</td><td%s>%d</td>", c->ok + c->failed,
                                  c->failed ? " class=\"bad\"" : "", c->failed);
        char t1[32], t2[32], t3[32];
        report_fmt_seconds(mean_train, t1, sizeof t1);
        report_fmt_seconds(c->ok ? c->predict / c->ok : NAN, t2, sizeof t2);
        report_fmt_seconds(c->ok ? c->train + c->predict : NAN, t3, sizeof t3);
        if (!rc && isfinite(mean_train))
            rc = buf_printf(b, err, "<td class=\"l\">%s<span class=\"bar\" style=\"width:%.0fpx\"></span></td>", t1,
                            longest > 0 ? 1 + 120 * mean_train / longest : 1);
        else if (!rc)
            rc = buf_puts(b, "<td class=\"l\">\xe2\x80\x93</td>", err);
        rc = rc ? rc : buf_printf(b, err, "<td>%s</td><td>%s</td>", t2, t3);
        rc = rc ? rc : buf_printf(b, err, "<td>%.0f MB</td></tr>\n", c->peak_kb / 1024);
    }
    return rc ? rc : buf_puts(b, "</table></div>\n", err);
}

/* Mean training seconds by model (rows) and size (columns), over all species. */
static int timing_by_size(const report_run *r, buf *b, mlac_err *err)
{
    long sizes[64];
    size_t k = 0;
    for (size_t i = 0; i < r->n_tasks && k < 64; i++) {
        size_t j = 0;
        while (j < k && sizes[j] != r->tasks[i].n)
            j++;
        if (j == k && r->tasks[i].ok)
            sizes[k++] = r->tasks[i].n;
    }
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && sizes[j] < sizes[j - 1]; j--) {
            long t = sizes[j];
            sizes[j] = sizes[j - 1], sizes[j - 1] = t;
        }
    if (k < 2)
        return MLAC_OK;
    int rc = buf_puts(b, "<h3 style=\"margin-top:14px\">Mean training time by size</h3><div class=\"scroll\">"
                         "<table><tr><th class=\"l\">model</th>",
                      err);
    for (size_t j = 0; !rc && j < k; j++)
        rc = buf_printf(b, err, "<th>n = %ld</th>", sizes[j]);
    rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        rc = buf_puts(b, "<tr><td class=\"l\">", err);
        rc = rc ? rc : report_esc(b, r->models.items[m], err);
        rc = rc ? rc : buf_puts(b, "</td>", err);
        for (size_t j = 0; !rc && j < k; j++) {
            double sum = 0;
            int cnt = 0;
            for (size_t i = 0; i < r->n_tasks; i++) {
                const report_task *t = &r->tasks[i];
                double v = task_num(t, "train_seconds");
                if (t->ok && t->model == (int)m && t->n == sizes[j] && isfinite(v))
                    sum += v, cnt++;
            }
            char v[32];
            rc = buf_printf(b, err, "<td>%s</td>", report_fmt_seconds(cnt ? sum / cnt : NAN, v, sizeof v));
        }
        rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    }
    return rc ? rc : buf_puts(b, "</table></div>\n", err);
}

int html_timing_section(const report_run *r, buf *out, mlac_err *err)
{
    model_cost *cost = calloc(r->models.n ? r->models.n : 1, sizeof *cost);
    if (!cost)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the timing table");
    for (size_t i = 0; i < r->n_tasks; i++) {
        const report_task *t = &r->tasks[i];
        if (t->model < 0)
            continue;
        model_cost *c = &cost[t->model];
        double tr = task_num(t, "train_seconds"), pr = task_num(t, "predict_seconds"), kb = task_num(t, "peak_rss_kb");
        if (t->ok) {
            c->ok++;
            c->train += isfinite(tr) ? tr : 0;
            c->predict += isfinite(pr) ? pr : 0;
        } else {
            c->failed++;
        }
        if (isfinite(kb))
            c->peak_kb = fmax(c->peak_kb, kb);
    }
    int rc = buf_puts(out, "<section id=\"timing\"><h2>Time and memory</h2><div class=\"card\">\n", err);
    if (!r->n_tasks)
        rc = rc ? rc : buf_puts(out, "<p class=\"caption\">No task has finished.</p>", err);
    else {
        rc = rc ? rc : timing_table(r, cost, out, err);
        rc = rc ? rc : timing_by_size(r, out, err);
        rc = rc ? rc : buf_puts(out, "<p class=\"caption\">Wall-clock time per task (fit, then scoring the test "
                                     "fold); peak memory is the largest resident set reported by the process "
                                     "running the task.</p>",
                                err);
    }
    free(cost);
    return rc ? rc : buf_puts(out, "</div></section>\n", err);
}

int html_failures_section(const report_run *r, buf *out, mlac_err *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < r->n_tasks; i++)
        failed += !r->tasks[i].ok;
    if (!failed)
        return MLAC_OK;
    int rc = buf_printf(out, err, "<section id=\"failures\"><h2>Failed tasks</h2><div class=\"card\"><details%s>"
                                  "<summary>%zu of %zu tasks failed</summary><div class=\"scroll\"><table>"
                                  "<tr><th class=\"l\">task</th><th class=\"l\">error</th></tr>\n",
                        failed <= 20 ? " open" : "", failed, r->n_tasks);
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        if (r->tasks[i].ok)
            continue;
        const char *id = json_string_value(json_object_get(r->tasks[i].j, "task_id"));
        const char *e = json_string_value(json_object_get(r->tasks[i].j, "error"));
        rc = buf_puts(out, "<tr><td class=\"l\"><code>", err);
        rc = rc ? rc : report_esc(out, id ? id : "?", err);
        rc = rc ? rc : buf_puts(out, "</code></td><td class=\"wrap\">", err);
        rc = rc ? rc : report_esc(out, e ? e : "(no message)", err);
        rc = rc ? rc : buf_puts(out, "</td></tr>\n", err);
    }
    return rc ? rc : buf_puts(out, "</table></div></details></div></section>\n", err);
}

int html_flagged_section(const report_run *r, buf *out, mlac_err *err)
{
    size_t flagged = 0;
    for (size_t i = 0; i < r->n_tasks; i++)
        flagged += r->tasks[i].ok && json_is_string(json_object_get(r->tasks[i].j, "warning"));
    if (!flagged)
        return MLAC_OK;
    int rc = buf_printf(out, err, "<section id=\"flagged\"><h2>Flagged tasks</h2><div class=\"card\"><details%s>"
                                  "<summary>%zu of %zu tasks finished with a warning (e.g. constant scores: their "
                                  "AUC of 0.5 measures nothing)</summary><div class=\"scroll\"><table>"
                                  "<tr><th class=\"l\">task</th><th class=\"l\">warning</th></tr>\n",
                        flagged <= 20 ? " open" : "", flagged, r->n_tasks);
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        const char *w = json_string_value(json_object_get(r->tasks[i].j, "warning"));
        if (!r->tasks[i].ok || !w)
            continue;
        const char *id = json_string_value(json_object_get(r->tasks[i].j, "task_id"));
        rc = buf_puts(out, "<tr><td class=\"l\"><code>", err);
        rc = rc ? rc : report_esc(out, id ? id : "?", err);
        rc = rc ? rc : buf_puts(out, "</code></td><td class=\"wrap\">", err);
        rc = rc ? rc : report_esc(out, w, err);
        rc = rc ? rc : buf_puts(out, "</td></tr>\n", err);
    }
    return rc ? rc : buf_puts(out, "</table></div></details></div></section>\n", err);
}

/* One <dt>/<dd> pair; the value is a JSON value shown compactly. */
static int kv(buf *b, const char *key, json_t *v, mlac_err *err)
{
    if (!v)
        return MLAC_OK;
    char *text = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory writing the spec");
    int rc = buf_puts(b, "<dt>", err);
    rc = rc ? rc : report_esc(b, key, err);
    rc = rc ? rc : buf_puts(b, "</dt><dd><code>", err);
    rc = rc ? rc : report_esc(b, text, err);
    rc = rc ? rc : buf_puts(b, "</code></dd>\n", err);
    free(text);
    return rc;
}

static int files_list(const report_run *r, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<p class=\"files\">Exports: <a href=\"summary.csv\">summary.csv</a><a href=\"summary.json\">"
                         "summary.json</a><a href=\"tasks.csv\">tasks.csv</a>",
                      err);
    if (!rc && r->has_sig)
        rc = buf_puts(b, "<a href=\"significance.csv\">significance.csv</a>", err);
    if (!rc && r->has_curves)
        rc = buf_puts(b, "<a href=\"curves.csv\">curves.csv</a>", err);
    rc = rc ? rc : buf_puts(b, "<br>Charts:", err);
    for (size_t s = 0; !rc && s < r->species.n; s++) {
        char stem[256];
        report_file_stem(r->species.items[s], stem, sizeof stem);
        rc = buf_printf(b, err, " <a href=\"%s_roc_auc.svg\">%s_roc_auc.svg</a><a href=\"%s_roc_auc.png\">"
                                "%s_roc_auc.png</a>",
                        stem, stem, stem, stem);
    }
    return rc ? rc : buf_puts(b, "</p>\n", err);
}

int html_run_section(const report_run *r, buf *out, mlac_err *err)
{
    static const char *const keys[] = {"run_id", "mlac_version", "data", "data_fingerprint", "models", "species",
                                       "training_sizes", "cv_folds", "repeats", "seed", "negatives",
                                       "group_by", "clip_seconds", "clip_length", "features", "threads", "max_concurrent"};
    int rc = buf_puts(out, "<section id=\"run\"><h2>The run</h2><div class=\"card\">\n", err);
    if (!r->spec)
        rc = rc ? rc : buf_puts(out, "<p class=\"caption\">spec.json is missing.</p>\n", err);
    else {
        rc = rc ? rc : buf_puts(out, "<dl class=\"kv\">\n", err);
        for (size_t i = 0; !rc && i < sizeof keys / sizeof keys[0]; i++)
            rc = kv(out, keys[i], json_object_get(r->spec, keys[i]), err);
        rc = rc ? rc : buf_puts(out, "</dl>\n", err);
    }
    rc = rc ? rc : files_list(r, out, err);
    if (!rc && r->spec) {
        char *text = json_dumps(r->spec, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = text ? buf_puts(out, "<details><summary>spec.json</summary><pre>", err)
                  : mlac_errf(err, MLAC_ENOMEM, "out of memory writing the spec");
        rc = rc ? rc : report_esc(out, text, err);
        rc = rc ? rc : buf_puts(out, "</pre></details>\n", err);
        free(text);
    }
    return rc ? rc : buf_puts(out, "</div></section>\n", err);
}
