/* test_logistic.c — the L2 logistic regression head against scikit-learn.
 *
 * Reference (tests/fixtures/gen/embed.py, scikit-learn 1.2): LogisticRegression(C, lbfgs,
 * tol=1e-12) run to convergence on standardised data, for a wide case (80 clips x 300
 * features, like an embedding), a tall one (400 x 24, C = 0.05) and a tiny one (12 x 5,
 * C = 10). Coefficients, intercept and test probabilities must agree to COEF_TOL; mlac's
 * objective must be no worse than sklearn's (both are at the same unique minimum, sklearn's
 * own gradient there is up to ~2e-4), and the objective itself must equal the one numpy
 * computed at sklearn's solution.
 */
#include "core/npy.h"
#include "ml/logistic.h"
#include "test.h"

#include <jansson.h>

#define COEF_TOL 1e-4

static double *load(const char *name, size_t *n, size_t *cols)
{
    char rel[128];
    snprintf(rel, sizeof rel, "embed/%s.npy", name);
    npy_array a;
    mlac_err err = {0};
    if (npy_load(test_fixture(rel), &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    *n = a.shape[0];
    if (cols)
        *cols = a.ndim > 1 ? a.shape[1] : 1;
    return a.data; /* owned by the caller now */
}

static void check_case(const char *name, json_t *meta)
{
    char key[64];
    size_t n, d, nte, k;
    snprintf(key, sizeof key, "lr_%s_xtr", name);
    double *x = load(key, &n, &d);
    snprintf(key, sizeof key, "lr_%s_ytr", name);
    double *yd = load(key, &k, NULL);
    snprintf(key, sizeof key, "lr_%s_xte", name);
    double *xte = load(key, &nte, NULL);
    snprintf(key, sizeof key, "lr_%s_coef", name);
    double *coef = load(key, &k, NULL);
    snprintf(key, sizeof key, "lr_%s_intercept", name);
    double *icpt = load(key, &k, NULL);
    snprintf(key, sizeof key, "lr_%s_prob", name);
    double *prob_ref = load(key, &k, NULL);
    json_t *m = json_object_get(json_object_get(meta, "logistic"), name);
    CHECK(x && yd && xte && coef && icpt && prob_ref && m);
    if (!x || !yd || !xte || !coef || !icpt || !prob_ref || !m)
        return;
    double C = json_real_value(json_object_get(m, "C"));
    int *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        y[i] = (int)yd[i];

    /* the objective at sklearn's solution, as numpy computed it */
    double f_ref = json_real_value(json_object_get(m, "objective"));
    double f_at_sk = logistic_objective(x, y, n, d, C, coef, icpt[0], NULL);
    CHECK_NEAR(f_at_sk, f_ref, 1e-9 * fabs(f_ref));

    logistic_options o;
    logistic_options_default(&o);
    o.C = C;
    logistic_model lr = {0};
    mlac_err err = {0};
    CHECK_OK(logistic_fit(&lr, x, y, n, d, &o, &err), &err);
    CHECK_MSG(lr.converged, "%s: not converged after %d iterations (|g| %g)", name, lr.n_iter, lr.grad_max);
    double worst = 0, scale = 1;
    for (size_t j = 0; lr.w && j < d; j++) {
        worst = fmax(worst, fabs(lr.w[j] - coef[j]));
        scale = fmax(scale, fabs(coef[j]));
    }
    CHECK_MSG(worst <= COEF_TOL * scale, "%s: coef max diff %g", name, worst);
    CHECK_MSG(fabs(lr.b - icpt[0]) <= COEF_TOL * scale, "%s: intercept %g vs %g", name, lr.b, icpt[0]);
    double *prob = malloc(nte * sizeof *prob), *score = malloc(nte * sizeof *score), pw = 0;
    logistic_predict(&lr, xte, nte, prob, score);
    for (size_t i = 0; i < nte; i++) {
        pw = fmax(pw, fabs(prob[i] - prob_ref[i]));
        CHECK(fabs(1.0 / (1.0 + exp(-score[i])) - prob[i]) < 1e-15);
    }
    CHECK_MSG(pw <= COEF_TOL, "%s: probability max diff %g", name, pw);
    double f_ours = logistic_objective(x, y, n, d, C, lr.w, lr.b, NULL);
    CHECK_MSG(f_ours <= f_at_sk + 1e-12 * fabs(f_at_sk), "%s: objective %.15g above sklearn's %.15g", name, f_ours,
              f_at_sk);
    printf("%s: %d Newton iterations, coef diff %.2g, prob diff %.2g, objective %.12g (sklearn %.12g)\n", name,
           lr.n_iter, worst, pw, f_ours, f_at_sk);

    /* the same fit again is bit-identical */
    logistic_model lr2 = {0};
    CHECK_OK(logistic_fit(&lr2, x, y, n, d, &o, &err), &err);
    CHECK(lr2.w && lr.w && !memcmp(lr.w, lr2.w, d * sizeof(double)) && lr.b == lr2.b);
    logistic_release(&lr2);
    logistic_release(&lr);
    free(y);
    free(prob);
    free(score);
    free(x);
    free(yd);
    free(xte);
    free(coef);
    free(icpt);
    free(prob_ref);
}

static void check_gradient(void)
{
    /* the gradient of logistic_objective against central differences */
    double x[4 * 3] = {0.5, -1, 2, 1.5, 0.2, -0.3, -2, 1, 0.1, 0.7, 0.7, -1.2};
    int y[4] = {1, 0, 1, 0};
    double w[3] = {0.3, -0.2, 0.5}, b = 0.1, g[4], C = 2.5, h = 1e-6;
    logistic_objective(x, y, 4, 3, C, w, b, g);
    for (int j = 0; j < 4; j++) {
        double wp[3], wm[3], bp = b, bm = b;
        memcpy(wp, w, sizeof w);
        memcpy(wm, w, sizeof w);
        if (j < 3)
            wp[j] += h, wm[j] -= h;
        else
            bp += h, bm -= h;
        double fd = (logistic_objective(x, y, 4, 3, C, wp, bp, NULL) - logistic_objective(x, y, 4, 3, C, wm, bm, NULL)) /
                    (2 * h);
        CHECK_NEAR(g[j], fd, 1e-7);
    }
}

static void check_bad_input(void)
{
    double x[4] = {1, 2, 3, 4};
    int y[4] = {0, 1, 2, 0};
    logistic_model lr = {0};
    logistic_options o;
    logistic_options_default(&o);
    mlac_err err = {0};
    CHECK(logistic_fit(&lr, x, y, 4, 1, &o, &err) == MLAC_EINVAL && strstr(err.msg, "row 2"));
    y[2] = 1;
    o.C = 0;
    CHECK(logistic_fit(&lr, x, y, 4, 1, &o, &err) == MLAC_EINVAL && strstr(err.msg, "C"));
    o.C = 1;
    CHECK(logistic_fit(&lr, x, y, 0, 1, &o, &err) == MLAC_EINVAL);
    /* one class only: no crash, a finite model that predicts that class */
    int same[4] = {1, 1, 1, 1};
    CHECK_OK(logistic_fit(&lr, x, same, 4, 1, &o, &err), &err);
    double p;
    logistic_predict(&lr, x, 1, &p, NULL);
    CHECK(isfinite(lr.b) && p > 0.5);
    logistic_release(&lr);
    double w[1] = {NAN};
    CHECK(logistic_set(&lr, w, 0, 1, &err) == MLAC_EINVAL);
}

int main(void)
{
    json_error_t jerr;
    json_t *meta = json_load_file(test_fixture("embed/meta.json"), 0, &jerr);
    CHECK_MSG(meta != NULL, "meta.json: %s", jerr.text);
    check_case("wide", meta);
    check_case("tall", meta);
    check_case("tiny", meta);
    check_gradient();
    check_bad_input();
    json_decref(meta);
    TEST_MAIN_END();
}
