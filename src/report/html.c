/* html.c — index.html: head, header with the run at a glance, the sections, the script
 * (see html.h). */
#include "report/html.h"
#include "report/report_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list_json(buf *b, json_t *arr, mlac_err *err)
{
    size_t i;
    json_t *v;
    int rc = MLAC_OK;
    json_array_foreach(arr, i, v)
    {
        if (!rc && i)
            rc = buf_puts(b, ", ", err);
        if (!rc && json_is_string(v))
            rc = report_esc(b, json_string_value(v), err);
        else if (!rc)
            rc = buf_printf(b, err, "%lld", (long long)json_integer_value(v));
    }
    return rc;
}

/* The sizes the results were measured at (n_effective, ascending), then each requested size that
 * was capped and the size it ran at: " · sizes 100, 160 (capped: 500 → 160, 1000 → 160)". */
static int sizes_run(const report_run *r, buf *b, mlac_err *err)
{
    long ns[64]; /* a combined report may hold more sizes than one spec: the rest is "..." */
    size_t k = 0;
    int more = 0;
    for (size_t i = 0; i < r->n_cells; i++) {
        size_t j = 0;
        while (j < k && ns[j] != r->cells[i].n)
            j++;
        if (j == k && k < sizeof ns / sizeof ns[0])
            ns[k++] = r->cells[i].n;
        else if (j == k)
            more = 1;
    }
    for (size_t i = 1; i < k; i++) /* insertion sort: a handful of sizes */
        for (size_t j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
            long t = ns[j];
            ns[j] = ns[j - 1];
            ns[j - 1] = t;
        }
    int rc = buf_puts(b, " \xc2\xb7 sizes ", err);
    for (size_t i = 0; !rc && i < k; i++)
        rc = buf_printf(b, err, "%s%ld", i ? ", " : "", ns[i]);
    if (!rc && more)
        rc = buf_puts(b, ", \xe2\x80\xa6", err);
    long seen[64][2]; /* (requested, n) pairs already printed */
    size_t n_seen = 0;
    int more_capped = 0;
    for (size_t i = 0; !rc && i < r->n_cells; i++) {
        const report_cell *c = &r->cells[i];
        if (!c->capped)
            continue;
        const char *p = c->requested;
        while (!rc && *p) {
            char *end;
            long q = strtol(p, &end, 10);
            if (end == p)
                break;
            p = end;
            size_t j = 0;
            while (j < n_seen && !(seen[j][0] == q && seen[j][1] == c->n))
                j++;
            if (q <= c->n || j < n_seen)
                continue;
            if (n_seen == sizeof seen / sizeof seen[0]) {
                more_capped = 1;
                continue;
            }
            seen[n_seen][0] = q;
            seen[n_seen][1] = c->n;
            rc = buf_printf(b, err, "%s%ld \xe2\x86\x92 %ld", n_seen ? ", " : " (capped: ", q, c->n);
            n_seen++;
        }
    }
    if (!rc && more_capped)
        rc = buf_puts(b, ", \xe2\x80\xa6", err);
    return rc || !n_seen ? rc : buf_puts(b, ")", err);
}

static int glance(const report_run *r, buf *b, mlac_err *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < r->n_tasks; i++)
        failed += !r->tasks[i].ok;
    int rc = buf_puts(b, "<p class=\"sub\">run <code>", err);
    rc = rc ? rc : report_esc(b, r->run_id, err);
    rc = rc ? rc : buf_printf(b, err, "</code> \xc2\xb7 %zu species \xc2\xb7 %zu model%s", r->species.n, r->models.n,
                              r->models.n == 1 ? "" : "s");
    json_t *sizes = json_object_get(r->spec, "training_sizes");
    if (!rc && r->n_cells)
        rc = sizes_run(r, b, err);
    else if (!rc && json_is_array(sizes)) { /* no results yet: what was asked for */
        rc = buf_puts(b, " \xc2\xb7 sizes requested ", err);
        rc = rc ? rc : list_json(b, sizes, err);
    }
    json_t *folds = json_object_get(r->spec, "cv_folds"), *reps = json_object_get(r->spec, "repeats");
    if (!rc && json_is_integer(folds) && json_is_integer(reps))
        rc = buf_printf(b, err, " \xc2\xb7 %lld folds \xc3\x97 %lld repeat%s", (long long)json_integer_value(folds),
                        (long long)json_integer_value(reps), json_integer_value(reps) == 1 ? "" : "s");
    rc = rc ? rc : buf_printf(b, err, " \xc2\xb7 %zu task%s finished", r->n_tasks, r->n_tasks == 1 ? "" : "s");
    if (!rc && failed)
        rc = buf_printf(b, err, " (<span class=\"bad\">%zu failed</span>)", failed);
    json_t *ver = json_object_get(r->spec, "mlac_version");
    if (!rc && json_is_string(ver)) {
        rc = buf_puts(b, " \xc2\xb7 mlac ", err);
        rc = rc ? rc : report_esc(b, json_string_value(ver), err);
    }
    return rc ? rc : buf_puts(b, "</p>\n", err);
}

static int nav(const report_run *r, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<nav>", err);
    for (size_t s = 0; !rc && s < r->species.n; s++) {
        char stem[256];
        report_file_stem(r->species.items[s], stem, sizeof stem);
        rc = buf_printf(b, err, "<a href=\"#sp-%s\">", stem);
        rc = rc ? rc : report_esc(b, r->species.items[s], err);
        rc = rc ? rc : buf_puts(b, "</a>", err);
    }
    return rc ? rc : buf_puts(b, "<a href=\"#timing\">time and memory</a><a href=\"#run\">the run</a></nav>\n", err);
}

static int notes(const report_run *r, buf *b, mlac_err *err)
{
    if (!r->notes.n)
        return MLAC_OK;
    int rc = buf_puts(b, "<div class=\"notes\">", err);
    for (size_t i = 0; !rc && i < r->notes.n; i++) {
        rc = buf_puts(b, "<div class=\"note\">", err);
        rc = rc ? rc : report_esc(b, r->notes.items[i], err);
        rc = rc ? rc : buf_puts(b, "</div>", err);
    }
    return rc ? rc : buf_puts(b, "</div>\n", err);
}

int html_write_report(store *st, const report_run *r, buf *out, mlac_err *err)
{
    int rc = buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                           "<link rel=\"icon\" href=\"data:,\">\n<title>",
                      err);
    rc = rc ? rc : buf_puts(out, "ROC-AUC learning curves \xe2\x80\x94 ", err);
    rc = rc ? rc : report_esc(out, r->run_id, err);
    rc = rc ? rc : buf_printf(out, err, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n<body>\n",
                              html_css, html_js_guard);
    rc = rc ? rc : buf_puts(out, "<div id=\"js-errors\" hidden></div>\n<header>\n<h1>ROC-AUC learning curves</h1>\n",
                            err);
    rc = rc ? rc : glance(r, out, err);
    rc = rc ? rc : nav(r, out, err);
    rc = rc ? rc : buf_puts(out, "</header>\n", err);
    rc = rc ? rc : notes(r, out, err);
    rc = rc ? rc : buf_puts(out, "<main>\n", err);
    if (!rc && !r->species.n)
        rc = buf_puts(out, "<section><div class=\"card\"><p>No species to show: the run has no results yet.</p>"
                           "</div></section>\n",
                      err);
    else if (!rc)
        rc = html_glance_card(r, out, err);
    for (size_t s = 0; !rc && s < r->species.n; s++)
        rc = html_species_section(st, r, (int)s, out, err);
    rc = rc ? rc : html_timing_section(r, out, err);
    rc = rc ? rc : html_failures_section(r, out, err);
    rc = rc ? rc : html_flagged_section(r, out, err);
    rc = rc ? rc : html_run_section(r, out, err);
    rc = rc ? rc : buf_puts(out, "</main>\n<footer>Made by mlac report from the run folder alone; self-contained, "
                                 "works offline.</footer>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n"
                                 "<div id=\"js-status\"></div>\n",
                            err);
    rc = rc ? rc : buf_printf(out, err, "<script>\n%s</script>\n</body>\n</html>\n", html_js_main);
    return rc;
}
