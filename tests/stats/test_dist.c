/* test_dist.c — src/stats/dist.h against scipy.stats (tests/fixtures/stats/dist.json).
 *
 * Tolerances: t quantiles over df 1..200, large and fractional df and p from 1e-12 to
 * 1 - 1e-6: 1e-12 relative (1e-15 absolute near 0) against 40-digit mpmath values for
 * df <= 1000, 1e-10 beyond (cancellation in the continued fraction at df ~ 1e6), 1e-8
 * against scipy.stats.t.ppf (scipy 1.10 is itself off by up to ~5e-9 there); two-sided
 * p-values 1e-12 against mpmath for df <= 1000, 1e-10 beyond; 1e-9 relative against
 * scipy for the t CDF, tails and two-sided p-values, the normal CDF and quantile, and
 * I_x(a, b). Also round trips cdf(quantile(p)) = p and the bad-argument NaNs.
 */
#include "stats/dist.h"
#include "fixture_json.h"

#define TOL 1e-9
#define TOL_EXACT 1e-12 /* against mpmath at 40 digits */
#define TOL_SCIPY 1e-8  /* scipy 1.10's t.ppf itself is off by up to 5e-9 near df 200 */

static double worst_ppf, worst_ppf_exact, worst_cdf, worst_p2_exact, worst_norm, worst_beta;

/* t quantiles against 40-digit mpmath (TOL_EXACT) and against scipy (TOL_SCIPY). */
static void test_t_ppf(const json_t *j)
{
    size_t n_df, n_p;
    double *df = fx_doubles(json_object_get(j, "df"), &n_df);
    double *p = fx_doubles(json_object_get(j, "p"), &n_p);
    const json_t *val = json_object_get(j, "value"), *exact = json_object_get(j, "exact");
    CHECK(n_df >= 200 && json_array_size(val) == n_df && json_array_size(exact) == n_df);
    for (size_t a = 0; a < n_df; a++)
        for (size_t b = 0; b < n_p; b++) {
            char label[64];
            double q = stats_t_quantile(p[b], df[a]);
            snprintf(label, sizeof label, "t_ppf(%g, df %g)", p[b], df[a]);
            CHECK_REL(q, fx_num(json_array_get(json_array_get(exact, a), b)),
                      df[a] <= 1000 ? TOL_EXACT : 1e-10, 1e-15, &worst_ppf_exact, label);
            CHECK_REL(q, fx_num(json_array_get(json_array_get(val, a), b)), TOL_SCIPY, 1e-15,
                      &worst_ppf, label);
        }
    free(df);
    free(p);
}

static void test_t_cdf(const json_t *j)
{
    size_t n_df, n_t;
    double *df = fx_doubles(json_object_get(j, "df"), &n_df);
    double *t = fx_doubles(json_object_get(j, "t"), &n_t);
    for (size_t a = 0; a < n_df; a++)
        for (size_t b = 0; b < n_t; b++) {
            char label[64];
            snprintf(label, sizeof label, "t=%g df=%g", t[b], df[a]);
            const json_t *cdf = json_array_get(json_object_get(j, "cdf"), a);
            const json_t *sf = json_array_get(json_object_get(j, "sf"), a);
            const json_t *p2 = json_array_get(json_object_get(j, "p2"), a);
            CHECK_REL(stats_t_cdf(t[b], df[a]), fx_num(json_array_get(cdf, b)), TOL, 0, &worst_cdf,
                      label);
            CHECK_REL(stats_t_sf(t[b], df[a]), fx_num(json_array_get(sf, b)), TOL, 0, &worst_cdf,
                      label);
            CHECK_REL(stats_t_p2(t[b], df[a]), fx_num(json_array_get(p2, b)), TOL, 0, &worst_cdf,
                      label);
            const json_t *ex = json_array_get(json_object_get(j, "exact_p2"), a);
            CHECK_REL(stats_t_p2(t[b], df[a]), fx_num(json_array_get(ex, b)),
                      df[a] <= 1000 ? TOL_EXACT : 1e-10, 0, &worst_p2_exact, label);
        }
    free(df);
    free(t);
}

static void test_norm(const json_t *root)
{
    const json_t *c = json_object_get(root, "norm_cdf"), *q = json_object_get(root, "norm_ppf");
    size_t n;
    double *z = fx_doubles(json_object_get(c, "z"), &n);
    for (size_t i = 0; i < n; i++)
        CHECK_REL(stats_norm_cdf(z[i]), fx_num(json_array_get(json_object_get(c, "value"), i)), TOL,
                  0, &worst_norm, "norm cdf");
    free(z);
    double *p = fx_doubles(json_object_get(q, "p"), &n);
    for (size_t i = 0; i < n; i++)
        CHECK_REL(stats_norm_quantile(p[i]), fx_num(json_array_get(json_object_get(q, "value"), i)),
                  TOL, 1e-15, &worst_norm, "norm ppf");
    free(p);
}

static void test_beta(const json_t *arr)
{
    CHECK(json_array_size(arr) > 0);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        double x = fx_get(c, "x");
        CHECK_REL(stats_beta_inc(fx_get(c, "a"), fx_get(c, "b"), x, 1.0 - x), fx_get(c, "value"),
                  TOL, 0, &worst_beta, "beta_inc");
    }
}

static void test_round_trip_and_bad(void)
{
    static const double ps[] = {1e-8, 0.01, 0.3, 0.5, 0.7, 0.975, 0.9999};
    for (int df = 1; df <= 60; df += 7)
        for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
            CHECK_NEAR(stats_t_cdf(stats_t_quantile(ps[i], df), df) / ps[i], 1.0, 1e-12);
    CHECK(isnan(stats_t_quantile(1.5, 3)) && isnan(stats_t_quantile(0.5, 0)));
    CHECK(isnan(stats_t_quantile(NAN, 3)) && isnan(stats_t_cdf(NAN, 3)));
    CHECK(stats_t_quantile(1, 4) == INFINITY && stats_t_quantile(0, 4) == -INFINITY);
    CHECK(stats_t_cdf(INFINITY, 2) == 1.0 && stats_t_p2(-INFINITY, 2) == 0.0);
    CHECK(isnan(stats_beta_inc(-1, 1, 0.5, 0.5)) && isnan(stats_norm_quantile(-0.1)));
    CHECK(stats_beta_inc(2, 3, 0, 1) == 0 && stats_beta_inc(2, 3, 1, 0) == 1);
    CHECK(stats_t_p2(1e200, 5) == 0.0 && stats_t_cdf(-1e200, 5) == 0.0);
    CHECK_NEAR(stats_t_quantile(0.975, INFINITY), stats_norm_quantile(0.975), 0);
    CHECK_NEAR(stats_t_cdf(1.5, INFINITY), stats_norm_cdf(1.5), 1e-16);
}

int main(void)
{
    json_t *root = fx_load("stats/dist.json");
    CHECK(root != NULL);
    test_t_ppf(json_object_get(root, "t_ppf"));
    test_t_cdf(json_object_get(root, "t_cdf"));
    test_norm(root);
    test_beta(json_object_get(root, "beta_inc"));
    json_decref(root);
    test_round_trip_and_bad();
    printf("worst relative error: t ppf %.3g (scipy) %.3g (mpmath), t cdf/sf/p2 %.3g (scipy), "
           "p2 %.3g (mpmath), normal %.3g, beta %.3g\n",
           worst_ppf, worst_ppf_exact, worst_cdf, worst_p2_exact, worst_norm, worst_beta);
    TEST_MAIN_END();
}
