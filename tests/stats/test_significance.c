/* test_significance.c — src/stats/significance.h against scipy / numpy
 * (tests/fixtures/stats/significance.json).
 *
 * Tolerances: Nadeau-Bengio mean, corrected variance and t 1e-12 relative, p-value 1e-9
 * (scipy.stats.t.sf); Holm adjusted p-values 1e-15 (a direct numpy formula). Also the
 * zero-variance convention, monotonicity and the error paths.
 */
#include "stats/significance.h"
#include "fixture_json.h"

static double worst_nb, worst_holm;

static void test_nb(const json_t *arr)
{
    CHECK(json_array_size(arr) >= 3);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        size_t J;
        double *d = fx_doubles(json_object_get(c, "d"), &J);
        stats_ttest t;
        mlac_err err = {0};
        CHECK_OK(stats_nb_ttest(d, J, fx_get(c, "n_train"), fx_get(c, "n_test"), &t, &err), &err);
        CHECK_REL(t.mean, fx_get(c, "mean"), 1e-12, 0, &worst_nb, "nb mean");
        CHECK_REL(t.var, fx_get(c, "var"), 1e-12, 0, &worst_nb, "nb var");
        CHECK_REL(t.t, fx_get(c, "t"), 1e-12, 0, &worst_nb, "nb t");
        CHECK(t.df == fx_get(c, "df"));
        CHECK_REL(t.p, fx_get(c, "p"), 1e-9, 0, &worst_nb, "nb p");
        free(d);
    }
}

static void test_nb_edges(void)
{
    double zero[4] = {0, 0, 0, 0}, same[4] = {0.1, 0.1, 0.1, 0.1}, bad[3] = {0.1, NAN, 0.2};
    stats_ttest t;
    mlac_err err = {0};
    CHECK_OK(stats_nb_ttest(zero, 4, 80, 20, &t, &err), &err);
    CHECK(t.t == 0 && t.p == 1.0); /* no difference at all */
    CHECK_OK(stats_nb_ttest(same, 4, 80, 20, &t, &err), &err);
    CHECK(t.t == INFINITY && t.p == 0.0); /* a constant non-zero difference */
    CHECK(stats_nb_ttest(same, 1, 80, 20, &t, &err) == MLAC_EINVAL && isnan(t.p));
    CHECK(strstr(err.msg, "at least 2") != NULL);
    CHECK(stats_nb_ttest(same, 4, 0, 20, &t, &err) == MLAC_EINVAL);
    CHECK(stats_nb_ttest(bad, 3, 80, 20, &t, &err) == MLAC_EINVAL && strstr(err.msg, "1"));
}

static void test_holm(const json_t *arr)
{
    CHECK(json_array_size(arr) >= 4);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        size_t m, m2;
        double *p = fx_doubles(json_object_get(c, "p"), &m);
        double *ref = fx_doubles(json_object_get(c, "adj"), &m2);
        double *adj = malloc(m * sizeof *adj);
        mlac_err err = {0};
        CHECK_OK(stats_holm(p, m, adj, &err), &err);
        for (size_t k = 0; k < m; k++) {
            CHECK_REL(adj[k], ref[k], 1e-15, 0, &worst_holm, "holm");
            CHECK(adj[k] >= p[k] && adj[k] <= 1.0);
            for (size_t l = 0; l < m; l++)
                CHECK(!(p[k] <= p[l]) || adj[k] <= adj[l]); /* monotone */
        }
        CHECK_OK(stats_holm(p, m, p, &err), &err); /* in place */
        for (size_t k = 0; k < m; k++)
            CHECK(p[k] == adj[k]);
        free(p), free(ref), free(adj);
    }
    double bad[2] = {0.1, 1.5}, out[2];
    mlac_err err = {0};
    CHECK(stats_holm(bad, 2, out, &err) == MLAC_EINVAL && strstr(err.msg, "p-value 1"));
    CHECK_OK(stats_holm(bad, 0, out, &err), &err);
}

int main(void)
{
    json_t *root = fx_load("stats/significance.json");
    CHECK(root != NULL);
    test_nb(json_object_get(root, "nb"));
    test_holm(json_object_get(root, "holm"));
    json_decref(root);
    test_nb_edges();
    printf("worst relative error: nadeau-bengio %.3g, holm %.3g\n", worst_nb, worst_holm);
    TEST_MAIN_END();
}
