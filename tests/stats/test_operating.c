/* test_operating.c — operating points (precision at recall, recall at precision, the threshold
 * for a recall), Brier score, ECE with its reliability bins and the Platt fit, against
 * scikit-learn 1.2 on tests/fixtures/stats/operating.json (tests/fixtures/gen/operating.py). */
#include "fixture_json.h"
#include "stats/calibration.h"
#include "stats/operating.h"
#include "test.h"

static void test_against_sklearn(void)
{
    json_t *fx = fx_load("stats/operating.json");
    CHECK(fx != NULL);
    if (!fx)
        return;
    json_t *targets = json_object_get(fx, "targets"), *cases = json_object_get(fx, "cases");
    CHECK(json_array_size(cases) == 6);
    double worst = 0, worst_platt = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        size_t n, n2, n3;
        int *y = fx_ints(json_object_get(c, "y"), &n);
        double *score = fx_doubles(json_object_get(c, "score"), &n2);
        double *prob = fx_doubles(json_object_get(c, "prob"), &n3);
        const char *name = json_string_value(json_object_get(c, "name"));
        CHECK(n == n2 && n == n3 && n > 0);
        char label[160];
        for (size_t k = 0; k < 3; k++) {
            double t = fx_num(json_array_get(targets, k)), p_at = NAN;
            snprintf(label, sizeof label, "%s precision at recall %g", name, t);
            CHECK_REL(op_precision_at_recall(score, y, n, t),
                      fx_num(json_array_get(json_object_get(c, "precision_at_recall"), k)), 1e-12, 0, &worst, label);
            snprintf(label, sizeof label, "%s recall at precision %g", name, t);
            CHECK_REL(op_recall_at_precision(score, y, n, t),
                      fx_num(json_array_get(json_object_get(c, "recall_at_precision"), k)), 1e-12, 0, &worst, label);
            snprintf(label, sizeof label, "%s threshold for recall %g", name, t);
            CHECK_REL(op_threshold_for_recall(score, y, n, t, &p_at),
                      fx_num(json_array_get(json_object_get(c, "threshold_for_recall"), k)), 1e-12, 0, &worst, label);
            CHECK_REL(p_at, fx_num(json_array_get(json_object_get(c, "precision_at_threshold"), k)), 1e-12, 0, &worst,
                      label);
        }
        snprintf(label, sizeof label, "%s brier", name);
        CHECK_REL(calib_brier(prob, y, n), fx_get(c, "brier"), 1e-12, 1e-15, &worst, label);
        snprintf(label, sizeof label, "%s ece", name);
        CHECK_REL(calib_ece(prob, y, n), fx_get(c, "ece"), 1e-10, 1e-15, &worst, label);
        reliability r;
        mlac_err err;
        CHECK_OK(calib_reliability(prob, y, n, &r, &err), &err);
        json_t *counts = json_object_get(c, "bin_count"), *mp = json_object_get(c, "bin_mean_prob"),
               *fp = json_object_get(c, "bin_frac_pos");
        size_t j = 0; /* sklearn lists the non-empty bins only */
        for (int b = 0; b < CALIB_BINS; b++) {
            CHECK_MSG(r.count[b] == (size_t)json_integer_value(json_array_get(counts, (size_t)b)), "%s bin %d count", name, b);
            if (!r.count[b])
                continue;
            snprintf(label, sizeof label, "%s bin %d", name, b);
            CHECK_REL(r.mean_prob[b], fx_num(json_array_get(mp, j)), 1e-12, 1e-15, &worst, label);
            CHECK_REL(r.frac_pos[b], fx_num(json_array_get(fp, j)), 1e-12, 1e-15, &worst, label);
            j++;
        }
        CHECK(j == json_array_size(mp));
        double a, b;
        CHECK_OK(calib_platt_fit(score, y, n, &a, &b, &err), &err);
        snprintf(label, sizeof label, "%s platt A", name);
        /* sklearn stops BFGS at gtol 1e-5; both sit at the same optimum of a convex loss */
        CHECK_REL(a, fx_get(c, "platt_a"), 2e-3, 1e-4, &worst_platt, label);
        snprintf(label, sizeof label, "%s platt B", name);
        CHECK_REL(b, fx_get(c, "platt_b"), 2e-3, 1e-4, &worst_platt, label);
        double pa = calib_platt_apply(score[0], a, b), pb = calib_platt_apply(score[0], fx_get(c, "platt_a"), fx_get(c, "platt_b"));
        CHECK_NEAR(pa, pb, 1e-4);
        free(y), free(score), free(prob);
    }
    printf("worst relative error: %.3g (operating points, Brier, ECE), %.3g (Platt)\n", worst, worst_platt);
    json_decref(fx);
}

static void test_edges(void)
{
    double s[4] = {0.9, 0.8, 0.7, 0.1}, p[4] = {0.9, 0.8, 0.7, 1.5};
    int y[4] = {1, 1, 0, 0}, none[4] = {0, 0, 0, 0};
    CHECK(op_precision_at_recall(s, y, 4, 0.8) == 1.0);
    CHECK(isnan(op_precision_at_recall(s, none, 4, 0.8))); /* no positives */
    CHECK(op_recall_at_precision(s, y, 4, 0.95) == 1.0);
    double at;
    CHECK(op_threshold_for_recall(s, y, 4, 0.5, &at) == 0.9 && at == 1.0);
    CHECK(isnan(calib_brier(p, y, 4)));  /* a probability above 1 */
    CHECK(isnan(calib_ece(s, y, 0)));
    double a, b;
    mlac_err err;
    CHECK(calib_platt_fit(s, none, 4, &a, &b, &err) == MLAC_EINVAL && strstr(err.msg, "both classes"));
    CHECK(calib_platt_apply(1e6, 1, 0) >= 0 && calib_platt_apply(-1e6, 1, 0) <= 1); /* no overflow */
}

int main(void)
{
    test_against_sklearn();
    test_edges();
    TEST_MAIN_END();
}
