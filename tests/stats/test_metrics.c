/* test_metrics.c — src/stats/metrics.h against scikit-learn (tests/fixtures/stats/metrics.json).
 *
 * Tolerances: 1e-12 relative for AUC, AP, accuracy, F1 and log-loss, and for every point of
 * the ROC curve (the same counts divided in the same order; only summation order differs).
 * Also: AUC against an O(n^2) pair count written here, and the error paths.
 */
#include "stats/metrics.h"
#include "fixture_json.h"

#define TOL 1e-12

static double worst_rank, worst_thr, worst_roc;

static void check_roc(const double *s, const int *y, size_t n, int drop, const json_t *ref,
                      const char *name)
{
    double *fpr, *tpr, *thr;
    size_t m, m_ref;
    mlac_err err = {0};
    CHECK_OK(metric_roc_curve(s, y, n, drop, &fpr, &tpr, &thr, &m, &err), &err);
    double *rf = fx_doubles(json_object_get(ref, "fpr"), &m_ref);
    double *rt = fx_doubles(json_object_get(ref, "tpr"), &m_ref);
    double *rh = fx_doubles(json_object_get(ref, "thr"), &m_ref);
    CHECK_MSG(m == m_ref, "%s drop=%d: %zu points, sklearn %zu", name, drop, m, m_ref);
    for (size_t i = 0; i < m && i < m_ref; i++) {
        CHECK_REL(fpr[i], rf[i], TOL, 0, &worst_roc, name);
        CHECK_REL(tpr[i], rt[i], TOL, 0, &worst_roc, name);
        CHECK_REL(thr[i], rh[i], TOL, 0, &worst_roc, name);
    }
    free(fpr), free(tpr), free(thr), free(rf), free(rt), free(rh);
}

static void check_case(const json_t *c)
{
    size_t n, n_y;
    const char *name = json_string_value(json_object_get(c, "name"));
    double *s = fx_doubles(json_object_get(c, "score"), &n);
    int *y = fx_ints(json_object_get(c, "y"), &n_y);
    CHECK(n == n_y && n > 0);
    CHECK_REL(metric_roc_auc(s, y, n), fx_get(c, "auc"), TOL, 0, &worst_rank, name);
    CHECK_REL(metric_average_precision(s, y, n), fx_get(c, "ap"), TOL, 0, &worst_rank, name);
    if (json_is_true(json_object_get(c, "probs"))) {
        task_metrics t;
        mlac_err err = {0};
        CHECK_REL(metric_accuracy(s, y, n), fx_get(c, "accuracy"), TOL, 0, &worst_thr, name);
        CHECK_REL(metric_f1(s, y, n), fx_get(c, "f1"), TOL, 0, &worst_thr, name);
        CHECK_REL(metric_log_loss(s, y, n), fx_get(c, "log_loss"), TOL, 0, &worst_thr, name);
        CHECK_OK(metrics_task(s, y, n, &t, &err), &err);
        CHECK_REL(t.roc_auc, fx_get(c, "auc"), TOL, 0, &worst_rank, name);
        CHECK_REL(t.pr_auc, fx_get(c, "ap"), TOL, 0, &worst_rank, name);
        CHECK_REL(t.accuracy, fx_get(c, "accuracy"), TOL, 0, &worst_thr, name);
        CHECK_REL(t.f1, fx_get(c, "f1"), TOL, 0, &worst_thr, name);
        CHECK_REL(t.log_loss, fx_get(c, "log_loss"), TOL, 0, &worst_thr, name);
    }
    if (json_object_get(c, "roc")) {
        check_roc(s, y, n, 0, json_object_get(c, "roc"), name);
        check_roc(s, y, n, 1, json_object_get(c, "roc_drop"), name);
    }
    free(s);
    free(y);
}

/* AUC by counting pairs, O(n^2): an independent definition. */
static double auc_pairs(const double *s, const int *y, size_t n)
{
    double num = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y[i] == 1 && y[j] == 0) {
                num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
                pairs += 1;
            }
    return num / pairs;
}

static void test_pairs(void)
{
    double s[97];
    int y[97];
    for (int i = 0; i < 97; i++) {
        s[i] = (double)((i * 37) % 11) / 10.0; /* many ties */
        y[i] = (i * 13) % 5 < 2;
    }
    CHECK_NEAR(metric_roc_auc(s, y, 97), auc_pairs(s, y, 97), 1e-14);
}

static void test_errors(void)
{
    double s[4] = {0.1, NAN, 0.3, 0.9}, good[4] = {0.1, 0.2, 0.3, 0.9}, big[4] = {0.1, 0.2, 1.5, 0};
    int y[4] = {0, 1, 0, 1}, bad_y[4] = {0, 2, 0, 1}, one[4] = {1, 1, 1, 1};
    task_metrics t;
    mlac_err err = {0};
    double *f, *tp, *th;
    size_t m;
    CHECK(isnan(metric_roc_auc(s, y, 4)));
    CHECK(isnan(metric_average_precision(good, bad_y, 4)));
    CHECK(isnan(metric_log_loss(s, y, 4)));
    CHECK(isnan(metric_accuracy(good, y, 0)));
    CHECK(isnan(metric_roc_auc(good, one, 4)));
    CHECK(metrics_task(s, y, 4, &t, &err) == MLAC_EINVAL && strstr(err.msg, "score 1"));
    CHECK(metrics_task(big, y, 4, &t, &err) == MLAC_EINVAL && strstr(err.msg, "outside [0, 1]"));
    CHECK(metrics_task(good, bad_y, 4, &t, &err) == MLAC_EINVAL && strstr(err.msg, "label 1"));
    CHECK(metrics_task(good, y, 0, &t, &err) == MLAC_EINVAL);
    CHECK(metric_roc_curve(good, one, 4, 0, &f, &tp, &th, &m, &err) == MLAC_EINVAL);
    CHECK(f == NULL && m == 0 && strstr(err.msg, "one class"));
    CHECK_OK(metrics_task(good, one, 4, &t, &err), &err);
    CHECK(isnan(t.roc_auc) && t.pr_auc == 1.0 && t.accuracy == 0.25);
}

int main(void)
{
    json_t *root = fx_load("stats/metrics.json");
    CHECK(root != NULL);
    json_t *cases = json_object_get(root, "cases");
    CHECK(json_array_size(cases) >= 10);
    for (size_t i = 0; i < json_array_size(cases); i++)
        check_case(json_array_get(cases, i));
    json_decref(root);
    test_pairs();
    test_errors();
    printf("worst relative error: auc/ap %.3g, acc/f1/log-loss %.3g, roc curve %.3g\n",
           worst_rank, worst_thr, worst_roc);
    TEST_MAIN_END();
}
