/* test_curve_fit.c — src/stats/curve_fit.h against scipy.optimize.curve_fit
 * (tests/fixtures/stats/curve.json), plus the edge cases.
 *
 * Tolerances: a, b, c 1e-4 relative (the brief's bar; scipy ran with tolerances 1e-15, the
 * measured agreement is printed); weighted residual 1e-6 relative (1e-20 absolute for the
 * exact 3-point case); n* 1e-3 relative, and "not reached" must agree. Edge cases: flat,
 * decreasing and all-1.0 curves fit with b = 0 and flat = 1; two sizes are refused; the
 * n* bootstrap is deterministic for a seed and brackets the point estimate.
 */
#include "stats/curve_fit.h"
#include "fixture_json.h"

static double worst_param, worst_rss, worst_nstar;

static void check_case(const json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    size_t k, k2, nt;
    double *n = fx_doubles(json_object_get(c, "n"), &k);
    double *y = fx_doubles(json_object_get(c, "y"), &k2);
    double *w = json_is_array(json_object_get(c, "w")) ? fx_doubles(json_object_get(c, "w"), &k2)
                                                       : NULL;
    double *targets = fx_doubles(json_object_get(c, "targets"), &nt);
    curve_points pts = {n, y, w, NULL, k};
    curve_fit f;
    mlac_err err = {0};
    CHECK_OK(curve_fit_power(&pts, &f, &err), &err);
    CHECK_REL(f.a, fx_get(c, "a"), 1e-4, 0, &worst_param, name);
    CHECK_REL(f.b, fx_get(c, "b"), 1e-4, 0, &worst_param, name);
    CHECK_REL(f.c, fx_get(c, "c"), 1e-4, 0, &worst_param, name);
    CHECK_REL(f.rss, fx_get(c, "rss"), 1e-6, 1e-20, &worst_rss, name);
    CHECK(!f.flat && f.n_min == n[0] && f.n_max == n[k - 1]);
    for (size_t i = 0; i < nt; i++) {
        double ns, ref = fx_num(json_array_get(json_object_get(c, "n_star"), i));
        int reached = curve_target_n(&f, targets[i], &ns);
        CHECK_MSG(reached == isfinite(ref), "%s target %g: reached %d", name, targets[i], reached);
        CHECK_REL(ns, ref, 1e-3, 0, &worst_nstar, name);
    }
    free(n), free(y), free(w), free(targets);
}

static void test_edges(void)
{
    double n[5] = {10, 25, 50, 100, 200}, flat[5] = {0.8, 0.8, 0.8, 0.8, 0.8};
    double down[5] = {0.9, 0.85, 0.83, 0.8, 0.77}, ones[5] = {1, 1, 1, 1, 1}, ns;
    curve_points pts = {n, flat, NULL, NULL, 5};
    curve_fit f;
    mlac_err err = {0};
    CHECK_OK(curve_fit_power(&pts, &f, &err), &err);
    CHECK(f.flat && f.b == 0 && fabs(f.a - 0.8) < 1e-12 && f.rss < 1e-20);
    CHECK(curve_target_n(&f, 0.9, &ns) == 0 && ns == INFINITY);
    CHECK(curve_target_n(&f, 0.7, &ns) == 1 && ns == 0.0); /* above target everywhere */
    pts.y = down;
    CHECK_OK(curve_fit_power(&pts, &f, &err), &err);
    CHECK(f.flat && f.b == 0 && fabs(f.a - 0.83) < 1e-12); /* the mean level */
    pts.y = ones;
    CHECK_OK(curve_fit_power(&pts, &f, &err), &err);
    CHECK(f.flat && f.a == 1.0 && f.b == 0 && f.rss == 0);
    CHECK(curve_target_n(&f, 0.9, &ns) == 1 && ns == 0.0);
    CHECK(curve_target_n(&f, 1.0, &ns) == 0);
    pts.k = 2;
    CHECK(curve_fit_power(&pts, &f, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "at least 3 distinct training sizes, got 2") != NULL);
    double rep_n[4] = {10, 10, 50, 50};
    curve_points rep = {rep_n, flat, NULL, NULL, 4};
    CHECK(curve_fit_power(&rep, &f, &err) == MLAC_EINVAL);
    double bad_y[5] = {0.6, NAN, 0.7, 0.8, 0.9}, neg_w[5] = {1, 1, -1, 1, 1};
    curve_points bad = {n, bad_y, NULL, NULL, 5};
    CHECK(curve_fit_power(&bad, &f, &err) == MLAC_EINVAL && strstr(err.msg, "point 1"));
    bad.y = down, bad.w = neg_w;
    CHECK(curve_fit_power(&bad, &f, &err) == MLAC_EINVAL && strstr(err.msg, "weight 2"));
}

static void test_target_rule(void)
{
    curve_fit f = {.a = 0.95, .b = 1.0, .c = 0.5, .n_max = 100};
    double ns;
    CHECK(curve_target_n(&f, 0.85, &ns) == 1 && fabs(ns - 100.0) < 1e-9); /* (1/0.1)^2 */
    CHECK(curve_target_n(&f, 0.9, &ns) == 1 && fabs(ns - 400.0) < 1e-9);  /* 4 x n_max */
    CHECK(curve_target_n(&f, 0.93, &ns) == 0 && ns == INFINITY);          /* 2500 > 10 x */
    CHECK(curve_target_n(&f, 0.95, &ns) == 0);
    double w[3] = {0, 0, 0}, var[3] = {0.01, 0, 1e-9};
    curve_weights_from_var(var, 3, 1e-6, w);
    CHECK(w[0] == 100 && w[1] == 1e6 && w[2] == 1e6);
}

static void test_bootstrap(const json_t *c)
{
    size_t k, k2;
    double *n = fx_doubles(json_object_get(c, "n"), &k);
    double *y = fx_doubles(json_object_get(c, "y"), &k2);
    double sd[6] = {0.03, 0.02, 0.015, 0.01, 0.007, 0.005}, w[6];
    for (size_t i = 0; i < 6; i++)
        w[i] = 1 / (sd[i] * sd[i]);
    curve_points pts = {n, y, w, sd, k};
    curve_nstar_ci a, b;
    mlac_err err = {0};
    CHECK(k == 6);
    CHECK_OK(curve_nstar_bootstrap(&pts, 0.9, 300, 0.9, 11, &a, &err), &err);
    CHECK_OK(curve_nstar_bootstrap(&pts, 0.9, 300, 0.9, 11, &b, &err), &err);
    CHECK(a.lo == b.lo && a.hi == b.hi && a.frac_reached == b.frac_reached && a.n_boot == 300);
    CHECK_MSG(a.lo < a.n_star && a.n_star < a.hi, "n* %g not in [%g, %g]", a.n_star, a.lo, a.hi);
    CHECK(a.frac_reached > 0.5 && a.frac_reached <= 1.0);
    pts.sd = NULL; /* residual-based noise */
    CHECK_OK(curve_nstar_bootstrap(&pts, 0.9, 200, 0.9, 11, &b, &err), &err);
    CHECK(b.lo <= b.n_star && b.n_star <= b.hi);
    pts.k = 3;
    CHECK(curve_nstar_bootstrap(&pts, 0.9, 200, 0.9, 11, &b, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "more than 3 points") != NULL);
    free(n), free(y);
}

int main(void)
{
    json_t *root = fx_load("stats/curve.json");
    CHECK(root != NULL);
    const json_t *cases = json_object_get(root, "cases");
    CHECK(json_array_size(cases) >= 4);
    for (size_t i = 0; i < json_array_size(cases); i++)
        check_case(json_array_get(cases, i));
    test_bootstrap(json_array_get(cases, 1)); /* weighted_6 */
    json_decref(root);
    test_edges();
    test_target_rule();
    printf("worst relative error vs scipy: a/b/c %.3g, rss %.3g, n* %.3g\n", worst_param,
           worst_rss, worst_nstar);
    TEST_MAIN_END();
}
