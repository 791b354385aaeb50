/* test_svg.c — the headline chart's SVG from a known summary (tests/fixtures/report/basic):
 * points and error-bar ends at the coordinates of the documented scale (chart_model.h),
 * recomputed here from summary.json read directly; one polyline per model; the legend;
 * markers, capped and failed marks; linear and log axes; escaping of names from the data. */
#include "core/csv.h"
#include "report/chart_model.h"
#include "report/report_data.h"
#include "report/svg.h"
#include "report/report_util.h"
#include "report_testutil.h"
#include "test.h"

#include <jansson.h>
#include <math.h>

#define TOL 0.006 /* coordinates are printed with 2 decimals */

typedef struct expect_pt {
    long n;
    double mean, lo, hi;
} expect_pt;

/* ROC-AUC rows of one species and model from summary.json, ascending n. */
static size_t expected_points(json_t *summary, const char *species, const char *model, expect_pt *out)
{
    size_t k = 0, i;
    json_t *row;
    json_array_foreach(json_object_get(summary, "rows"), i, row)
    {
        if (strcmp(json_string_value(json_object_get(row, "metric")), "roc_auc") ||
            strcmp(json_string_value(json_object_get(row, "species")), species) ||
            strcmp(json_string_value(json_object_get(row, "model")), model))
            continue;
        out[k].n = (long)json_integer_value(json_object_get(row, "n"));
        json_t *m = json_object_get(row, "mean"), *lo = json_object_get(row, "ci_low"), *hi = json_object_get(row, "ci_high");
        out[k].mean = json_is_number(m) ? json_number_value(m) : NAN;
        out[k].lo = json_is_number(lo) ? json_number_value(lo) : NAN;
        out[k].hi = json_is_number(hi) ? json_number_value(hi) : NAN;
        k++;
    }
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && out[b].n < out[b - 1].n; b--) {
            expect_pt t = out[b];
            out[b] = out[b - 1], out[b - 1] = t;
        }
    return k;
}

/* The documented scale, written out independently of chart_model.c. */
typedef struct scale {
    int xlog;
    double d0, d1, ymin;
} scale;

static double ex_x(const scale *s, double n, int k, int K)
{
    double x0 = CHART_LEFT, x1 = CHART_WIDTH - CHART_RIGHT;
    double l = s->xlog ? log10(n) : n;
    return x0 + (l - s->d0) / (s->d1 - s->d0) * (x1 - x0) + CHART_DODGE * (k - (K - 1) / 2.0);
}

static double ex_y(const scale *s, double v)
{
    double y0 = CHART_TOP, y1 = CHART_HEIGHT - CHART_BOTTOM;
    return y1 - (v - s->ymin) / (1.0 - s->ymin) * (y1 - y0 - CHART_HEADROOM);
}

static scale make_scale(int xlog, double nmin, double nmax, double lowest)
{
    scale s = {.xlog = xlog};
    double lo = xlog ? log10(nmin) : nmin, hi = xlog ? log10(nmax) : nmax;
    double pad = CHART_PAD_FRAC * (hi - lo);
    s.d0 = lo - pad, s.d1 = hi + pad;
    s.ymin = floor(10 * lowest) / 10;
    if (s.ymin > 0.5)
        s.ymin = 0.5;
    if (s.ymin < 0)
        s.ymin = 0;
    return s;
}

/* The text of <g class="series" data-model="model"> ... up to the next series group. */
static const char *series_text(const char *svg, const char *model, size_t *len)
{
    char key[200];
    snprintf(key, sizeof key, "<g class=\"series\" data-model=\"%s\"", model);
    const char *p = strstr(svg, key);
    if (!p)
        return NULL;
    const char *end = strstr(p + 1, "<g class=\"series\"");
    const char *leg = strstr(p + 1, "<g class=\"leg\"");
    if (!end || (leg && leg < end))
        end = leg;
    *len = end ? (size_t)(end - p) : strlen(p);
    return p;
}

static void check_species(store *st, json_t *summary, const char *species, int xlog)
{
    static const char *const models[] = {"random_forest", "svm", "vgg"};
    report_run r;
    mlac_err err = {0};
    CHECK_OK(report_run_load(st, "run1", &r, &err), &err);
    int sp = report_index(&r.species, species);
    CHECK(sp >= 0);
    chart_model c;
    CHECK_OK(chart_build(&r, sp, xlog, &c, &err), &err);
    buf svg;
    buf_init(&svg, 0);
    CHECK_OK(svg_chart(&c, 1, &svg, &err), &err);

    expect_pt pts[3][8];
    size_t k[3];
    double nmin = 1e9, nmax = 0, lowest = 1;
    for (int m = 0; m < 3; m++) {
        k[m] = expected_points(summary, species, models[m], pts[m]);
        for (size_t i = 0; i < k[m]; i++) {
            nmin = fmin(nmin, pts[m][i].n), nmax = fmax(nmax, pts[m][i].n);
            lowest = fmin(lowest, pts[m][i].mean);
            if (isfinite(pts[m][i].lo))
                lowest = fmin(lowest, pts[m][i].lo);
        }
    }
    scale s = make_scale(xlog, nmin, nmax, lowest);
    CHECK_NEAR(c.ymin, s.ymin, 1e-12);

    CHECK(tu_count(svg.data, "<polyline class=\"line\"") == 3);
    CHECK(tu_count(svg.data, "<g class=\"series\"") == 3);
    CHECK(tu_count(svg.data, "<g class=\"leg\"") == 3);
    for (int m = 0; m < 3; m++) {
        size_t len = 0;
        const char *g = series_text(svg.data, models[m], &len);
        CHECK_MSG(g != NULL, "no series for %s", models[m]);
        if (!g)
            continue;
        char *text = strndup(g, len);
        /* the polyline through the marker centres */
        const char *pl = strstr(text, "<polyline class=\"line\"");
        const char *pp = pl ? strstr(pl, "points=\"") : NULL;
        CHECK(pp != NULL);
        char *q = pp ? (char *)pp + 8 : NULL;
        for (size_t i = 0; q && i < k[m]; i++) {
            double x = strtod(q, &q);
            q += *q == ',';
            double y = strtod(q, &q);
            CHECK_NEAR(x, ex_x(&s, pts[m][i].n, m, 3), TOL);
            CHECK_NEAR(y, ex_y(&s, pts[m][i].mean), TOL);
        }
        CHECK(q && *q == '"');
        /* error bars: x1 = x2 = the point's x, y1 = lower end, y2 = upper end */
        const char *e = text;
        for (size_t i = 0; i < k[m]; i++) {
            e = strstr(e, "<line class=\"err\"");
            CHECK_MSG(e != NULL, "%s: error bar %zu missing", models[m], i);
            if (!e)
                break;
            CHECK_NEAR(tu_attr(e, "x1"), ex_x(&s, pts[m][i].n, m, 3), TOL);
            CHECK_NEAR(tu_attr(e, "x2"), ex_x(&s, pts[m][i].n, m, 3), TOL);
            CHECK_NEAR(tu_attr(e, "y1"), ex_y(&s, pts[m][i].lo), TOL);
            CHECK_NEAR(tu_attr(e, "y2"), ex_y(&s, pts[m][i].hi), TOL);
            e++;
        }
        CHECK(tu_count(text, "<line class=\"cap\"") == 2 * (int)k[m]);
        /* random_forest's marker is a circle centred on the point */
        if (m == 0) {
            const char *circle = strstr(text, "<circle class=\"mk\"");
            CHECK(circle != NULL);
            if (circle) {
                CHECK_NEAR(tu_attr(circle, "cx"), ex_x(&s, pts[0][0].n, 0, 3), TOL);
                CHECK_NEAR(tu_attr(circle, "cy"), ex_y(&s, pts[0][0].mean), TOL);
            }
        } else {
            CHECK(strstr(text, "<polygon class=\"mk\"") != NULL);
        }
        free(text);
        char leg[200];
        snprintf(leg, sizeof leg, "<g class=\"leg\" data-model=\"%s\">", models[m]);
        CHECK_MSG(strstr(svg.data, leg) != NULL, "no legend entry for %s", models[m]);
    }
    /* x tick labels at the sizes, axis labels and title */
    char title[128];
    snprintf(title, sizeof title, ">%s: ROC-AUC learning curves</text>", species);
    CHECK(strstr(svg.data, title) != NULL);
    CHECK(strstr(svg.data, ">ROC-AUC</text>") != NULL);
    CHECK(strstr(svg.data, xlog ? ">Training clips per class (n), log scale</text>" : ">Training clips per class (n)</text>"));
    CHECK(strstr(svg.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") == svg.data);
    CHECK(strstr(svg.data, "width=\"540pt\" height=\"340pt\" viewBox=\"0 0 540 340\""));
    buf_release(&svg);
    chart_release(&c);
    report_run_release(&r);
}

/* bullfrog: n = 30 was requested as 40 (capped, open markers), one svm task failed. */
static void check_capped_and_failed(store *st)
{
    report_run r;
    mlac_err err = {0};
    CHECK_OK(report_run_load(st, "run1", &r, &err), &err);
    int sp = report_index(&r.species, "bullfrog");
    chart_model c;
    CHECK_OK(chart_build(&r, sp, -1, &c, &err), &err);
    CHECK(c.xlog == 0); /* 30 / 10 < CHART_LOG_RATIO */
    buf svg;
    buf_init(&svg, 0);
    CHECK_OK(svg_chart(&c, 1, &svg, &err), &err);
    /* three open markers (one per model at n = 30), every other marker filled */
    CHECK(tu_count(svg.data, "class=\"mk\" cx") + tu_count(svg.data, "<polygon class=\"mk\"") == 9 + 3);
    CHECK(tu_count(svg.data, "fill=\"#ffffff\" stroke=\"#") == 3);
    CHECK(strstr(svg.data, "requested 40: capped") != NULL);
    CHECK(strstr(svg.data, ">1 of 9 tasks failed</text>") != NULL);
    CHECK(strstr(svg.data, "open: capped size") != NULL);
    for (size_t i = 0; i < c.n_series; i++)
        if (!strcmp(c.series[i].name, "svm"))
            CHECK(c.series[i].failed_tasks == 1 && c.series[i].tasks == 9);
    /* the inline variant carries hover text, and no <title> per point; the fits of curves.csv are
     * not drawn: 3 sizes fit the 3 parameters exactly (report_claims.h, tests/report/test_claims.c
     * checks a 4-size fit is drawn) */
    buf in;
    buf_init(&in, 0);
    CHECK_OK(svg_chart(&c, 0, &in, &err), &err);
    CHECK(tu_count(in.data, "<polyline class=\"fit\"") == 0);
    CHECK(tu_count(in.data, "data-tip=\"random_forest \xc2\xb7 n = ") == 3);
    CHECK(strstr(in.data, "<title>") == NULL);
    CHECK(strstr(in.data, "<?xml") == NULL);
    buf_release(&in);
    buf_release(&svg);
    chart_release(&c);
    report_run_release(&r);
}

/* Names from the data are escaped; a long name is shortened in the legend on a UTF-8 boundary. */
static void check_escaping(void)
{
    report_run r;
    memset(&r, 0, sizeof r);
    mlac_err err = {0};
    strlist_init(&r.species);
    strlist_init(&r.models);
    strlist_init(&r.notes);
    strlist_push(&r.species, "frog <b>&\"'", &err);
    strlist_push(&r.models, "m<x>&\"y\"", &err);
    strlist_push(&r.models, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &err);
    report_cell cells[2];
    memset(cells, 0, sizeof cells);
    for (int i = 0; i < 2; i++) {
        cells[i].species = 0, cells[i].model = i, cells[i].n = 10 + 10 * i;
        cells[i].mean = 0.8, cells[i].ci_lo = 0.7, cells[i].ci_hi = 0.9, cells[i].count = 3;
        cells[i].std = cells[i].pooled_auc = cells[i].delong_lo = cells[i].delong_hi = NAN;
        strcpy(cells[i].ci_method, "t");
        strcpy(cells[i].requested, i ? "20" : "10");
    }
    r.cells = cells, r.n_cells = 2;
    chart_model c;
    CHECK_OK(chart_build(&r, 0, -1, &c, &err), &err);
    buf svg;
    buf_init(&svg, 0);
    CHECK_OK(svg_chart(&c, 1, &svg, &err), &err);
    CHECK(strstr(svg.data, "frog &lt;b&gt;&amp;&quot;&#39;: ROC-AUC") != NULL);
    CHECK(strstr(svg.data, "data-model=\"m&lt;x&gt;&amp;&quot;y&quot;\"") != NULL);
    CHECK(strstr(svg.data, "<b>") == NULL);
    /* 11 two-byte characters (22 bytes) shorten to 9 of them and an ellipsis */
    CHECK(strstr(svg.data, ">\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6</text>") !=
          NULL);
    buf_release(&svg);
    chart_release(&c);
    strlist_release(&r.species);
    strlist_release(&r.models);
    strlist_release(&r.notes);
}

static void check_esc(void)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    CHECK_OK(report_esc(&b, "a\x01<b>\xff\tc\n\xc3\xa9&", &err), &err);
    CHECK(!strcmp(b.data, "a&lt;b&gt;\xef\xbf\xbd\tc&#10;\xc3\xa9&amp;"));
    buf_release(&b);
    buf_init(&b, 0);
    CHECK_OK(csv_quote(&b, "plain", &err), &err);
    CHECK_OK(csv_quote(&b, "a,\"b\"", &err), &err);
    CHECK(!strcmp(b.data, "plain\"a,\"\"b\"\"\""));
    buf_release(&b);
    CHECK(report_utf8_prefix("\xc3\xa9\xc3\xa9", 3) == 2);
    char stem[32];
    report_file_stem("../a b/c", stem, sizeof stem);
    CHECK(!strcmp(stem, "_._a_b_c")); /* no leading dot, no separator */
}

int main(void)
{
    check_esc();
    mlac_err err = {0};
    store *st = NULL;
    CHECK_OK(store_open(test_fixture("report/basic"), &st, &err), &err);
    char *text = tu_read(test_fixture("report/basic/run1/summary.json"));
    json_t *summary = text ? json_loads(text, 0, NULL) : NULL;
    CHECK(summary != NULL);
    if (st && summary) {
        check_species(st, summary, "coyote", 0);
        check_species(st, summary, "coyote", 1);
        check_species(st, summary, "bullfrog", 0);
        check_capped_and_failed(st);
    }
    check_escaping();
    json_decref(summary);
    free(text);
    store_free(st);
    TEST_MAIN_END();
}
