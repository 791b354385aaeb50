/* test_intervals.c — src/stats/intervals.h against scipy / numpy
 * (tests/fixtures/stats/intervals.json).
 *
 * Tolerances: t interval mean/std 1e-12 relative, bounds 1e-9 (scipy.stats.t.interval,
 * whose t.ppf is itself only good to ~1e-9; see test_dist.c); DeLong AUC
 * 1e-12 (sklearn), variance 1e-10 relative and CI bounds 1e-9 (O(m n) DeLong 1988 in numpy,
 * itself cross-checked there against a rankdata fast DeLong); paired DeLong AUCs 1e-12,
 * variance of the difference 1e-10, z and p-value 1e-9; percentile 1e-14 (numpy). The
 * bootstrap has no reference implementation: it is checked for determinism, for
 * containing the AUC, and for a width within 25% of the DeLong interval on 400 clips.
 */
#include "stats/intervals.h"
#include "stats/metrics.h"
#include "stats/rank.h"
#include "fixture_json.h"

static double worst_tci, worst_delong, worst_paired, worst_pct;

static void test_t_ci(const json_t *arr)
{
    CHECK(json_array_size(arr) >= 5);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        size_t k;
        double *x = fx_doubles(json_object_get(c, "x"), &k);
        stats_summary s;
        stats_summarise(x, k, fx_get(c, "level"), &s);
        CHECK(s.k == k);
        CHECK_REL(s.mean, fx_get(c, "mean"), 1e-12, 0, &worst_tci, "t ci mean");
        CHECK_REL(s.std, fx_get(c, "std"), 1e-12, 0, &worst_tci, "t ci std");
        CHECK_REL(s.ci_lo, fx_get(c, "lo"), 1e-9, 0, &worst_tci, "t ci lo");
        CHECK_REL(s.ci_hi, fx_get(c, "hi"), 1e-9, 0, &worst_tci, "t ci hi");
        free(x);
    }
}

static void test_t_ci_edges(void)
{
    double one[1] = {0.8}, same[4] = {0.7, 0.7, 0.7, 0.7}, hi[3] = {0.99, 1.0, 0.97};
    stats_summary s;
    stats_summarise(one, 1, 0.95, &s);
    CHECK(s.mean == 0.8 && isnan(s.std) && isnan(s.ci_lo) && isnan(s.ci_hi));
    stats_summarise(one, 0, 0.95, &s);
    CHECK(isnan(s.mean) && s.k == 0);
    stats_summarise(same, 4, 0.95, &s);
    CHECK(s.std == 0 && s.ci_lo == 0.7 && s.ci_hi == 0.7);
    stats_summarise(hi, 3, 0.95, &s);
    CHECK(s.ci_hi > 1.0); /* not clipped by the summary ... */
    stats_clip_interval(&s.ci_lo, &s.ci_hi, 0.0, 1.0);
    CHECK(s.ci_hi == 1.0 && s.ci_lo > 0.9); /* ... only by the caller */
    double lo = NAN, up = 1.2;
    stats_clip_interval(&lo, &up, 0.0, 1.0);
    CHECK(isnan(lo) && up == 1.0);
}

static void test_delong(const json_t *arr)
{
    CHECK(json_array_size(arr) >= 4);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(c, "name"));
        size_t n, n_y;
        double *s = fx_doubles(json_object_get(c, "score"), &n);
        int *y = fx_ints(json_object_get(c, "y"), &n_y);
        stats_delong d;
        mlac_err err = {0};
        CHECK_OK(stats_delong_auc(s, y, n, 0.95, &d, &err), &err);
        CHECK_REL(d.auc, fx_get(c, "auc"), 1e-12, 0, &worst_delong, name);
        CHECK_REL(d.auc, metric_roc_auc(s, y, n), 1e-14, 0, &worst_delong, name);
        CHECK_REL(d.var, fx_get(c, "var"), 1e-10, 1e-300, &worst_delong, name);
        CHECK_REL(d.se * d.se, d.var, 1e-14, 1e-300, &worst_delong, name);
        CHECK_REL(d.lo, fx_get(c, "lo"), 1e-9, 0, &worst_delong, name);
        CHECK_REL(d.hi, fx_get(c, "hi"), 1e-9, 0, &worst_delong, name);
        CHECK(d.lo >= 0 && d.hi <= 1 && d.n_pos + d.n_neg == n);
        free(s);
        free(y);
    }
}

static void test_paired(const json_t *arr)
{
    CHECK(json_array_size(arr) >= 3);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(c, "name"));
        size_t n, n2, n_y;
        double *s1 = fx_doubles(json_object_get(c, "score1"), &n);
        double *s2 = fx_doubles(json_object_get(c, "score2"), &n2);
        int *y = fx_ints(json_object_get(c, "y"), &n_y);
        stats_delong_test t;
        mlac_err err = {0};
        CHECK_OK(stats_delong_paired(s1, s2, y, n, &t, &err), &err);
        CHECK_REL(t.auc1, fx_get(c, "auc1"), 1e-12, 0, &worst_paired, name);
        CHECK_REL(t.auc2, fx_get(c, "auc2"), 1e-12, 0, &worst_paired, name);
        CHECK_REL(t.var_diff, fx_get(c, "var_diff"), 1e-10, 0, &worst_paired, name);
        CHECK_REL(t.z, fx_get(c, "z"), 1e-9, 0, &worst_paired, name);
        CHECK_REL(t.p, fx_get(c, "p"), 1e-9, 0, &worst_paired, name);
        /* the same scores twice: no difference */
        CHECK_OK(stats_delong_paired(s1, s1, y, n, &t, &err), &err);
        CHECK(t.diff == 0 && t.z == 0 && t.p == 1.0);
        free(s1), free(s2), free(y);
    }
}

static void test_percentile(const json_t *j)
{
    size_t n, nq;
    double *x = fx_doubles(json_object_get(j, "data"), &n);
    double *q = fx_doubles(json_object_get(j, "q"), &nq);
    for (size_t i = 0; i < nq; i++)
        CHECK_REL(stats_percentile_sorted(x, n, q[i]),
                  fx_num(json_array_get(json_object_get(j, "value"), i)), 1e-14, 0, &worst_pct,
                  "percentile");
    free(x), free(q);
    double inf2[3] = {1.0, INFINITY, INFINITY};
    CHECK(stats_percentile_sorted(inf2, 3, 25) == INFINITY);
    CHECK(stats_percentile_sorted(inf2, 3, 0) == 1.0 && isnan(stats_percentile_sorted(inf2, 0, 5)));
}

/* Bootstrap on the "continuous_400" DeLong case. */
static void test_bootstrap(const json_t *arr)
{
    const json_t *c = json_array_get(arr, 1);
    size_t n, n_y;
    double *s = fx_doubles(json_object_get(c, "score"), &n);
    int *y = fx_ints(json_object_get(c, "y"), &n_y);
    stats_bootstrap a, b, other;
    stats_delong d;
    mlac_err err = {0};
    CHECK_OK(stats_auc_bootstrap(s, y, n, 2000, 0.95, 7, &a, &err), &err);
    CHECK_OK(stats_auc_bootstrap(s, y, n, 2000, 0.95, 7, &b, &err), &err);
    CHECK_OK(stats_auc_bootstrap(s, y, n, 2000, 0.95, 8, &other, &err), &err);
    CHECK_OK(stats_delong_auc(s, y, n, 0.95, &d, &err), &err);
    CHECK(a.lo == b.lo && a.hi == b.hi && a.auc == d.auc && a.n_boot == 2000);
    CHECK(a.lo != other.lo || a.hi != other.hi);
    CHECK(a.lo < a.auc && a.auc < a.hi);
    double ratio = (a.hi - a.lo) / (d.hi - d.lo);
    CHECK_MSG(ratio > 0.75 && ratio < 1.25, "bootstrap / delong width ratio %g", ratio);
    free(s), free(y);
    double sep[6] = {0.1, 0.2, 0.3, 0.7, 0.8, 0.9};
    int ys[6] = {0, 0, 0, 1, 1, 1};
    CHECK_OK(stats_auc_bootstrap(sep, ys, 6, 100, 0.95, 1, &a, &err), &err);
    CHECK(a.auc == 1.0 && a.lo == 1.0 && a.hi == 1.0);
    int one[6] = {1, 1, 1, 1, 1, 1};
    CHECK(stats_auc_bootstrap(sep, one, 6, 100, 0.95, 1, &a, &err) == MLAC_EINVAL);
    CHECK(stats_auc_bootstrap(sep, ys, 6, 100, 1.5, 1, &a, &err) == MLAC_EINVAL);
}

static void test_delong_errors(void)
{
    double s[5] = {0.1, 0.4, 0.35, 0.8, NAN};
    int y[5] = {0, 0, 1, 1, 1}, y3[5] = {0, 1, 1, 1, 1};
    stats_delong d;
    stats_delong_test t;
    mlac_err err = {0};
    CHECK(stats_delong_auc(s, y, 5, 0.95, &d, &err) == MLAC_EINVAL && strstr(err.msg, "nan"));
    CHECK(isnan(d.auc));
    CHECK(stats_delong_auc(s, y3, 4, 0.95, &d, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "at least 2 positives and 2 negatives") != NULL);
    CHECK(stats_delong_paired(s, s, y3, 4, &t, &err) == MLAC_EINVAL && isnan(t.p));
    CHECK_OK(stats_delong_auc(s, y, 4, 0.95, &d, &err), &err);
    CHECK(d.auc == 0.75 && d.n_pos == 2 && d.n_neg == 2);
}

int main(void)
{
    json_t *root = fx_load("stats/intervals.json");
    CHECK(root != NULL);
    test_t_ci(json_object_get(root, "t_ci"));
    test_t_ci_edges();
    test_delong(json_object_get(root, "delong"));
    test_paired(json_object_get(root, "paired"));
    test_percentile(json_object_get(root, "percentile"));
    test_bootstrap(json_object_get(root, "delong"));
    json_decref(root);
    test_delong_errors();
    printf("worst relative error: t ci %.3g, delong %.3g, paired delong %.3g, percentile %.3g\n",
           worst_tci, worst_delong, worst_paired, worst_pct);
    TEST_MAIN_END();
}
