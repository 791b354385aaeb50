/* test_claims.c — the report says only what its numbers support (issue 13, item 7). Each case
 * is a small run folder written here (spec.json, tasks.jsonl with known per-fold AUCs, and a
 * curves.csv whose fit contradicts the measurements where that is the point), rendered, and the
 * page read back:
 *   a measured mean of 0.921 at n = 19 is "reached at n = 19" though the fit says not reached;
 *   AUC 1.000 everywhere is "reached at n = 5", never "not reached";
 *   an exact 3-parameter fit on 3 sizes forecasting 625 from n <= 150 gives no number;
 *   with 4 sizes, 625 from n <= 150 (beyond 4x) is "not reached" with the reason, 400 is a
 *   forecast marked as extrapolation, 1 (below the smallest size, 10) is not an answer;
 *   2 sizes is "no fit" saying that 4 are needed;
 *   the stand-in embedder is named beside birdnet (page and chart legend);
 *   seven models at one size get markers that do not overlap. */
#include "report/chart_model.h"
#include "report/report.h"
#include "report/report_claims.h"
#include "report/report_data.h"
#include "report/svg.h"
#include "report_testutil.h"
#include "test.h"

#include <jansson.h>
#include <math.h>

typedef struct model_case {
    const char *model;
    const long *sizes;
    const double *means; /* per size: folds get means - 0.01, means, means + 0.01 */
    size_t k;
    const char *curve;   /* "a,b,c,rmse,n_needed,n_low,n_high,status" for target 0.9, or NULL */
} model_case;

static void put(const char *dir, const char *rel, const char *text)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    mlac_err err = {0};
    CHECK_OK(fs_mkdir_parent(path, &err), &err);
    CHECK_OK(fs_write_atomic(path, text, strlen(text), &err), &err);
}

/* Writes dir/run1 with one species "canid", 3 folds, the given models; returns the html. */
static char *render(char *dir, size_t dn, const model_case *mc, size_t n_models, const char *embedder)
{
    CHECK(tu_tmpdir(dir, dn) == 0);
    json_t *models = json_array();
    for (size_t m = 0; m < n_models; m++)
        json_array_append_new(models, json_string(mc[m].model));
    json_t *spec = json_pack("{s:o, s:[s], s:i, s:i, s:s}", "models", models, "species", "canid", "cv_folds", 3,
                             "repeats", 1, "run_id", "run1");
    if (embedder)
        json_object_set_new(spec, "embedding", json_pack("{s:{s:s}}", "birdnet", "embedder", embedder));
    char *text = json_dumps(spec, JSON_INDENT(1));
    put(dir, "run1/spec.json", text);
    free(text);
    json_decref(spec);
    buf tasks, curves;
    buf_init(&tasks, 0);
    buf_init(&curves, 0);
    buf_puts(&curves, "species,model,target,a,b,c,rmse,n_needed,n_low,n_high,status,max_n\n", NULL);
    for (size_t m = 0; m < n_models; m++) {
        for (size_t i = 0; i < mc[m].k; i++)
            for (int f = 0; f < 3; f++) {
                double auc = fmin(1.0, mc[m].means[i] + 0.01 * (f - 1) * (mc[m].means[i] < 1.0));
                buf_printf(&tasks, NULL, "{\"task_id\":\"canid/%s/n%05ld/r0/f%d\",\"species\":\"canid\",\"model\":"
                           "\"%s\",\"n\":%ld,\"n_effective\":%ld,\"fold\":%d,\"repeat\":0,\"status\":\"ok\","
                           "\"metrics\":{\"roc_auc\":%.6f}}\n", mc[m].model, mc[m].sizes[i], f, mc[m].model,
                           mc[m].sizes[i], mc[m].sizes[i], f, auc);
            }
        if (mc[m].curve)
            buf_printf(&curves, NULL, "canid,%s,0.90,%s,%ld\n", mc[m].model, mc[m].curve, mc[m].sizes[mc[m].k - 1]);
    }
    buf_append(&tasks, "", 1, NULL); /* NUL-terminated for put() */
    buf_append(&curves, "", 1, NULL);
    put(dir, "run1/tasks.jsonl", tasks.data);
    put(dir, "run1/curves.csv", curves.data);
    buf_release(&tasks);
    buf_release(&curves);
    mlac_err err = {0};
    CHECK_OK(report_write_run(dir, "run1", &err), &err);
    char path[1400];
    snprintf(path, sizeof path, "%s/run1/report/index.html", dir);
    char *html = tu_read(path);
    CHECK(html != NULL);
    return html ? html : strdup("");
}

static int load(const char *dir, report_run *r)
{
    store *st = NULL;
    mlac_err err = {0};
    int ok = store_open(dir, &st, &err) == MLAC_OK && report_run_load(st, "run1", r, &err) == MLAC_OK;
    CHECK_OK(ok ? MLAC_OK : MLAC_EINVAL, &err);
    store_free(st);
    return ok;
}

/* The glance row text of the species (from "<td class=\"l\">canid" to the end of the row). */
static const char *glance(const char *html)
{
    const char *p = strstr(html, "id=\"answer\"");
    return p ? p : "";
}

static int in_glance(const char *html, const char *needle)
{
    const char *g = glance(html), *end = strstr(g, "</section>");
    const char *p = strstr(g, needle);
    return p && (!end || p < end);
}

static void check_reached_measured(void)
{
    static const long sizes[] = {10, 19};
    static const double means[] = {0.80, 0.921};
    /* the fit claims a plateau of 0.89: "not reached", contradicted by the measurement */
    model_case mc[] = {{"svm", sizes, means, 2, "0.89,1,1,0.01,Inf,Inf,Inf,not_reached"}};
    char dir[512];
    char *html = render(dir, sizeof dir, mc, 1, NULL);
    CHECK(in_glance(html, "reached at n = 19"));
    CHECK(!in_glance(html, "not reached"));
    CHECK(strstr(html, ">reached at n = 19</td>") != NULL); /* the fits table too */
    report_run r;
    if (load(dir, &r)) {
        report_claim c;
        report_claim_for(&r, 0, 0, 0.9, &c);
        CHECK(c.kind == CLAIM_OBSERVED && c.n_observed == 19);
        CHECK_NEAR(c.mean_observed, 0.921, 1e-9);
        report_claim_for(&r, 0, 0, 0.95, &c); /* 0.921 < 0.95: not observed, and no row: no fit */
        CHECK(c.kind == CLAIM_NO_FIT && strstr(c.why, "4 or more sizes"));
        report_run_release(&r);
    }
    free(html);
    tu_rm_tree(dir);
}

static void check_perfect(void)
{
    static const long sizes[] = {5, 10, 15};
    static const double ones[] = {1.0, 1.0, 1.0};
    model_case mc[] = {{"random_forest", sizes, ones, 3, ",,,,,,,fit_failed"}, {"svm", sizes, ones, 3, NULL}};
    char dir[512];
    char *html = render(dir, sizeof dir, mc, 2, NULL);
    CHECK(in_glance(html, "reached at n = 5"));
    CHECK(!in_glance(html, "not reached"));
    free(html);
    tu_rm_tree(dir);
}

static void check_fits(void)
{
    static const long s3[] = {50, 100, 150}, s4[] = {10, 50, 100, 150}, s2[] = {50, 150};
    static const double m3[] = {0.70, 0.78, 0.82}, m4[] = {0.62, 0.70, 0.78, 0.82}, m2[] = {0.70, 0.82};
    model_case mc[] = {
        {"random_forest", s3, m3, 3, "0.95,3,0.5,0,625,500,800,ok"},  /* exact: no number */
        {"svm", s4, m4, 4, "0.95,3,0.5,0.004,625,500,800,ok"},        /* beyond 4 x 150 = 600 */
        {"vgg", s4, m4, 4, "0.95,3,0.5,0.004,400,300,550,ok"},        /* a forecast */
        {"mobilenet", s4, m4, 4, "0.95,3,0.5,0.004,1,0.5,2,ok"},      /* below the smallest size */
        {"resnet", s2, m2, 2, ",,,,,,,fit_failed"},                   /* too few sizes */
    };
    char dir[512];
    char *html = render(dir, sizeof dir, mc, 5, NULL);
    report_run r;
    if (load(dir, &r)) {
        report_claim c;
        int rf = report_index(&r.models, "random_forest"), svm = report_index(&r.models, "svm");
        int vgg = report_index(&r.models, "vgg"), mob = report_index(&r.models, "mobilenet");
        int res = report_index(&r.models, "resnet");
        report_claim_for(&r, 0, rf, 0.9, &c);
        CHECK(c.kind == CLAIM_EXACT_FIT);
        CHECK(!report_fit_usable(&r, 0, rf) && report_fit_usable(&r, 0, svm));
        report_claim_for(&r, 0, svm, 0.9, &c);
        CHECK(c.kind == CLAIM_NOT_REACHED && strstr(c.why, "beyond 4x"));
        report_claim_for(&r, 0, vgg, 0.9, &c);
        CHECK(c.kind == CLAIM_FORECAST && c.n_fit == 400);
        report_claim_for(&r, 0, mob, 0.9, &c);
        CHECK(c.kind == CLAIM_BELOW_DATA && c.n_min == 10);
        report_claim_for(&r, 0, res, 0.9, &c);
        CHECK(c.kind == CLAIM_NO_FIT && c.n_sizes == 2);
        chart_model ch; /* the exact fit is not drawn; a 4-size fit is */
        mlac_err err = {0};
        CHECK_OK(chart_build(&r, 0, -1, &ch, &err), &err);
        for (size_t i = 0; i < ch.n_series; i++)
            CHECK(ch.series[i].has_fit == (ch.series[i].model == svm || ch.series[i].model == vgg ||
                                           ch.series[i].model == mob));
        chart_release(&ch);
        report_run_release(&r);
    }
    CHECK(strstr(html, "exact fit on 3 sizes: no forecast") != NULL);
    CHECK(strstr(html, ">625<") == NULL && strstr(html, ">1 <") == NULL); /* neither is given as a number */
    CHECK(strstr(html, "no forecast that far") != NULL);
    CHECK(strstr(html, ">400 <small") != NULL && strstr(html, "forecast (extrapolation)") != NULL);
    CHECK(strstr(html, "below n = 10, extrapolation") != NULL);
    CHECK(strstr(html, "(2 of 4 sizes needed)") != NULL);
    CHECK(strstr(html, "needs mean AUCs at 4 or more sizes; this model has 2") != NULL);
    /* the glance card: the forecast of vgg, never the 1 of mobilenet or the 625 */
    CHECK(in_glance(html, ": 400 clips per class"));
    CHECK(in_glance(html, "forecast: extrapolated"));
    free(html);
    tu_rm_tree(dir);
}

static void check_embedder(void)
{
    static const long sizes[] = {10, 20};
    static const double means[] = {0.7, 0.8};
    model_case mc[] = {{"birdnet", sizes, means, 2, NULL}};
    char dir[512];
    char *html = render(dir, sizeof dir, mc, 1, "/x/build/stand_in_embedder --model birdnet");
    CHECK(strstr(html, "test stand-in embedder") != NULL);
    CHECK(strstr(html, "stand_in_embedder --model birdnet") != NULL);
    CHECK(strstr(html, "(stand-in embedder)") != NULL); /* beside the name in the tables */
    char path[1400];
    snprintf(path, sizeof path, "%s/run1/report/canid_roc_auc.svg", dir);
    char *svg = tu_read(path);
    CHECK(svg && strstr(svg, "embedder: stand-in") != NULL); /* and in the chart's legend */
    free(svg);
    free(html);
    tu_rm_tree(dir);
}

static void check_seven_models(void)
{
    static const char *const names[] = {"random_forest", "svm", "vgg", "mobilenet", "resnet", "birdnet", "perch"};
    static const long sizes[] = {10, 20, 40, 80};
    static const double means[] = {0.7, 0.75, 0.8, 0.82};
    model_case mc[7];
    for (int m = 0; m < 7; m++)
        mc[m] = (model_case){names[m], sizes, means, 4, NULL};
    char dir[512];
    char *html = render(dir, sizeof dir, mc, 7, NULL);
    report_run r;
    if (load(dir, &r)) {
        chart_model ch;
        mlac_err err = {0};
        CHECK_OK(chart_build(&r, 0, -1, &ch, &err), &err);
        CHECK(ch.n_series == 7);
        /* the widest marker (a triangle) is 2 x 1.25 x 0.866 r wide: neighbours at one size must be
         * further apart than that, and a size's group must not reach the next size's */
        double width = 2 * 1.25 * 0.866 * CHART_MARKER_R;
        for (size_t i = 0; i < 4; i++)
            for (size_t a = 0; a + 1 < ch.n_series; a++) {
                const chart_series *s = &ch.series[a], *t = &ch.series[a + 1];
                CHECK(s->n_pts == 4 && t->n_pts == 4);
                if (s->n_pts == 4 && t->n_pts == 4)
                    CHECK_MSG(t->pts[i].x - s->pts[i].x > width, "size %zu: %.2f vs %.2f", i, s->pts[i].x,
                              t->pts[i].x);
            }
        for (size_t i = 0; i + 1 < 4; i++) /* last model at size i left of the first at size i + 1 */
            CHECK(ch.series[6].pts[i].x + width < ch.series[0].pts[i + 1].x);
        for (size_t a = 0; a < ch.n_series; a++) /* and no two share colour and marker */
            for (size_t b = 0; b < a; b++)
                CHECK(ch.series[a].rgb != ch.series[b].rgb || ch.series[a].marker != ch.series[b].marker ||
                      ch.series[a].dashed != ch.series[b].dashed);
        chart_release(&ch);
        report_run_release(&r);
    }
    free(html);
    tu_rm_tree(dir);
}

int main(void)
{
    check_reached_measured();
    check_perfect();
    check_fits();
    check_embedder();
    check_seven_models();
    TEST_MAIN_END();
}
