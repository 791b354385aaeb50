/* test_degenerate.c — runs that are not a tidy full grid still render sensibly:
 *   one      one model, one size, one finished fold: a single point, a DeLong interval;
 *   failed   every task failed: no points, crosses and "failed" marks, a complete report;
 *   perfect  AUC 1.0 everywhere: points on the top edge, zero-length error bars;
 *   partial  only spec.json and a torn tasks.jsonl: the learning curve is computed from the
 *            tasks, and matches scipy's Student t summary (tests/fixtures/report/expected.json);
 *   capped   (in basic) the capped size is marked in the heatmap, and the header lists the sizes
 *            that ran and what was capped (issue 13);
 * and a folder with no run, or a bad run id, is an error that names it. */
#include "report/chart_model.h"
#include "report/report.h"
#include "report/report_data.h"
#include "report/svg.h"
#include "report_testutil.h"
#include "test.h"

#include <jansson.h>
#include <math.h>

typedef struct rendered {
    char tmp[1024];
    char *html;
    report_run run;
    int loaded;
} rendered;

/* Copies the fixture, renders its report and loads the run again for inspection. */
static void render(const char *name, rendered *out)
{
    memset(out, 0, sizeof *out);
    CHECK(tu_fixture_copy(name, out->tmp, sizeof out->tmp) == 0);
    mlac_err err = {0};
    CHECK_OK(report_write_run(out->tmp, "run1", &err), &err);
    char path[1200];
    snprintf(path, sizeof path, "%s/run1/report/index.html", out->tmp);
    out->html = tu_read(path);
    CHECK_MSG(out->html != NULL, "%s: no index.html", name);
    if (!out->html)
        out->html = strdup("");
    store *st = NULL;
    CHECK_OK(store_open(out->tmp, &st, &err), &err);
    out->loaded = st && report_run_load(st, "run1", &out->run, &err) == MLAC_OK;
    CHECK(out->loaded);
    store_free(st);
}

static void release(rendered *r)
{
    free(r->html);
    if (r->loaded)
        report_run_release(&r->run);
    tu_rm_tree(r->tmp);
}

static char *file_of(const rendered *r, const char *rel)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/run1/%s", r->tmp, rel);
    return tu_read(path);
}

static void check_one(void)
{
    rendered r;
    render("one", &r);
    chart_model c;
    mlac_err err = {0};
    CHECK_OK(chart_build(&r.run, 0, -1, &c, &err), &err);
    CHECK(c.n_series == 1 && c.series[0].n_pts == 1 && c.has_data);
    if (c.n_series == 1 && c.series[0].n_pts == 1) {
        const chart_point *p = &c.series[0].pts[0];
        CHECK(isfinite(p->y_lo) && p->y_lo > p->y && p->y_hi < p->y); /* DeLong interval around the mean */
        CHECK(strstr(p->tip, "DeLong") != NULL);
        /* a single size sits in the middle of the axis */
        CHECK_NEAR(p->x, (c.x0 + c.x1) / 2, 1e-9);
    }
    CHECK(strstr(c.note, "DeLong for one fold") != NULL);
    chart_release(&c);
    CHECK(strstr(r.html, "significance.csv is missing") != NULL);
    CHECK(strstr(r.html, "curves.csv is missing") != NULL);
    char *sig = file_of(&r, "report/significance.csv");
    CHECK(sig == NULL); /* nothing to copy */
    free(sig);
    char *svg = file_of(&r, "report/coyote_roc_auc.svg");
    CHECK(svg && tu_count(svg, "<polyline class=\"line\"") == 1 && tu_count(svg, "<line class=\"err\"") == 1);
    free(svg);
    release(&r);
}

static void check_failed(void)
{
    rendered r;
    render("failed", &r);
    chart_model c;
    mlac_err err = {0};
    CHECK_OK(chart_build(&r.run, 0, -1, &c, &err), &err);
    CHECK(!c.has_data && c.n_series == 2);
    for (size_t i = 0; i < c.n_series; i++) {
        CHECK(c.series[i].n_pts == 0 && c.series[i].n_failed == 2);
        CHECK(!strcmp(c.series[i].legend_sub, "all 4 tasks failed"));
    }
    chart_release(&c);
    char *svg = file_of(&r, "report/coyote_roc_auc.svg");
    CHECK(svg && strstr(svg, "no finished task: nothing to plot") && tu_count(svg, "<g class=\"failed\"") == 4);
    free(svg);
    char *png = file_of(&r, "report/coyote_roc_auc.png");
    CHECK(png != NULL);
    free(png);
    CHECK(strstr(r.html, "8 of 8 tasks failed") != NULL);
    CHECK(strstr(r.html, "svm: out of memory") != NULL);
    CHECK(tu_count(r.html, ">failed</td>") == 4);       /* every heatmap cell */
    CHECK(strstr(r.html, "no finished task") != NULL); /* the answer card */
    CHECK(strstr(r.html, "No paired comparisons") != NULL);
    char *csv = file_of(&r, "report/summary.csv");
    CHECK(csv && strstr(csv, "coyote,svm,5,5,false,roc_auc,,,,,,0,2,,,") != NULL);
    free(csv);
    char *tasks = file_of(&r, "report/tasks.csv");
    CHECK(tasks && tu_count(tasks, "\n") == 9 && tu_count(tasks, ",failed,") == 8);
    free(tasks);
    release(&r);
}

static void check_perfect(void)
{
    rendered r;
    render("perfect", &r);
    chart_model c;
    mlac_err err = {0};
    CHECK_OK(chart_build(&r.run, 0, -1, &c, &err), &err);
    CHECK_NEAR(c.ymin, 0.5, 1e-12);
    size_t pts = 0;
    for (size_t i = 0; i < c.n_series; i++)
        for (size_t k = 0; k < c.series[i].n_pts; k++, pts++) {
            const chart_point *p = &c.series[i].pts[k];
            CHECK_NEAR(p->y, CHART_TOP + CHART_HEADROOM, 1e-9);
            CHECK_NEAR(p->y_lo, CHART_TOP + CHART_HEADROOM, 1e-9);
            CHECK_NEAR(p->y_hi, CHART_TOP + CHART_HEADROOM, 1e-9);
        }
    CHECK(pts == 6);
    chart_release(&c);
    CHECK(tu_count(r.html, ">1.000<small>1.00\xe2\x80\x93" "1.00</small>") == 6);
    CHECK(strstr(r.html, "AUC 1.000 (n = 15)") != NULL); /* pooled ROC at the largest size */
    release(&r);
}

static void check_partial(void)
{
    rendered r;
    render("partial", &r);
    char *text = tu_read(test_fixture("report/expected.json"));
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    json_t *want = json_object_get(doc, "partial_summary");
    CHECK(json_array_size(want) == 4);
    CHECK(r.run.summary_from_tasks && r.run.torn_lines == 1 && r.run.n_tasks == 12);
    size_t i;
    json_t *w;
    json_array_foreach(want, i, w)
    {
        int sp = report_index(&r.run.species, json_string_value(json_object_get(w, "species")));
        int m = report_index(&r.run.models, json_string_value(json_object_get(w, "model")));
        const report_cell *c = report_find_cell(&r.run, sp, m, (long)json_integer_value(json_object_get(w, "n")));
        CHECK(c != NULL);
        if (!c)
            continue;
        CHECK_NEAR(c->mean, json_number_value(json_object_get(w, "mean")), 1e-12);
        CHECK_NEAR(c->ci_lo, json_number_value(json_object_get(w, "ci_low")), 1e-9);
        CHECK_NEAR(c->ci_hi, json_number_value(json_object_get(w, "ci_high")), 1e-9);
        CHECK(c->count == json_integer_value(json_object_get(w, "count")));
    }
    CHECK(strstr(r.html, "summary.json is missing") != NULL);
    CHECK(strstr(r.html, "1 unreadable line in tasks.jsonl") != NULL);
    char *sum = file_of(&r, "report/summary.json");
    CHECK(sum && strstr(sum, "\"ci_method\": \"t\"") != NULL);
    free(sum);
    json_decref(doc);
    free(text);
    release(&r);
}

static void check_capped(void)
{
    rendered r;
    render("basic", &r);
    CHECK(strstr(r.html, "<th data-tip=\"requested 40, capped at the 30 clips per class available\">n = 30*</th>"));
    int sp = report_index(&r.run.species, "bullfrog");
    const report_cell *c = report_find_cell(&r.run, sp, report_index(&r.run.models, "vgg"), 30);
    CHECK(c && c->capped && c->requested_max == 40 && !strcmp(c->requested, "40"));
    /* issue 13: the header lists the sizes that ran and what was capped, not the requested list
     * (spec.json asks for 10, 20, 40; bullfrog has clips for 30 only) */
    const char *sub = strstr(r.html, "<p class=\"sub\">"), *sub_end = sub ? strstr(sub, "</p>") : NULL;
    CHECK(sub && sub_end);
    if (sub && sub_end) {
        const char *want = " \xc2\xb7 sizes 10, 20, 30, 40 (capped: 40 \xe2\x86\x92 30) \xc2\xb7 ";
        const char *at = strstr(sub, want);
        CHECK_MSG(at && at < sub_end, "header: %.*s", (int)(sub_end - sub), sub);
    }
    /* the answer card names the best model of each species */
    CHECK(strstr(r.html, "<h3>At a glance</h3>") != NULL);
    release(&r);
}

static void check_errors(void)
{
    char tmp[1024];
    CHECK(tu_tmpdir(tmp, sizeof tmp) == 0);
    mlac_err err = {0};
    CHECK(report_write_run(tmp, "nothing", &err) == MLAC_ENOTFOUND);
    CHECK(strstr(err.msg, "nothing") != NULL && strstr(err.msg, "spec.json") != NULL);
    CHECK(report_write_run(tmp, "../x", &err) == MLAC_EINVAL);
    report_options o = {.png_dpi = 5000};
    CHECK(report_write_run_opts(tmp, "x", &o, &err) == MLAC_EINVAL);
    tu_rm_tree(tmp);
}

int main(void)
{
    check_one();
    check_failed();
    check_perfect();
    check_partial();
    check_capped();
    check_errors();
    TEST_MAIN_END();
}
