/* test_mlp_head.c — the one-hidden-layer MLP head: its gradient against central finite
 * differences (every parameter, with weight decay on), learning a problem no linear head can
 * (XOR of two signs), early stopping keeping the best validation epoch, determinism for a seed,
 * and bad input.
 */
#include "core/rng.h"
#include "ml/logistic.h"
#include "ml/mlp_head.h"
#include "stats/metrics.h"
#include "test.h"

static void test_gradient(void)
{
    const size_t D = 7, H = 5, N = 9;
    mlp_head m = {0};
    mlac_err err = {0};
    CHECK_OK(mlp_init(&m, D, H, 123, &err), &err);
    rng r;
    rng_seed(&r, 99);
    double x[9 * 7];
    int y[9];
    for (size_t i = 0; i < N * D; i++)
        x[i] = rng_normal(&r);
    for (size_t i = 0; i < N; i++)
        y[i] = (int)(i % 2);
    for (size_t i = 0; i < m.n_params; i++) /* biases away from 0 too */
        m.params[i] += 0.1 * rng_normal(&r);
    double alpha = 0.7, *g = malloc(m.n_params * sizeof *g), worst = 0;
    double f0 = mlp_loss_grad(&m, x, y, N, alpha, g);
    CHECK(isfinite(f0));
    const double h = 1e-6;
    for (size_t i = 0; i < m.n_params; i++) {
        double keep = m.params[i];
        m.params[i] = keep + h;
        double fp = mlp_loss_grad(&m, x, y, N, alpha, NULL);
        m.params[i] = keep - h;
        double fm = mlp_loss_grad(&m, x, y, N, alpha, NULL);
        m.params[i] = keep;
        double fd = (fp - fm) / (2 * h);
        worst = fmax(worst, fabs(fd - g[i]) / fmax(1e-3, fabs(fd) + fabs(g[i])));
    }
    printf("mlp gradient: worst relative error %.3g over %zu parameters\n", worst, m.n_params);
    CHECK_MSG(worst < 1e-6, "gradient check: relative error %g", worst);
    /* with alpha = 0 the decay term and its gradient vanish */
    double *g0 = malloc(m.n_params * sizeof *g0);
    double l0 = mlp_loss_grad(&m, x, y, N, 0.0, g0);
    double decay = 0;
    for (size_t i = 0; i < D * H; i++)
        decay += m.params[i] * m.params[i];
    for (size_t j = 0; j < H; j++)
        decay += m.params[D * H + H + j] * m.params[D * H + H + j];
    CHECK_NEAR(f0 - l0, 0.5 * alpha * decay / N, 1e-12);
    CHECK_NEAR(g[0] - g0[0], alpha * m.params[0] / N, 1e-12);
    free(g);
    free(g0);
    mlp_release(&m);
}

/* XOR of the signs of two features, plus 6 noise features. */
static void xor_data(size_t n, unsigned long long seed, double *x, int *y)
{
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 8; j++)
            x[i * 8 + j] = rng_normal(&r);
        y[i] = (x[i * 8] > 0) != (x[i * 8 + 1] > 0);
    }
}

static void test_learns_xor(void)
{
    enum { N = 600, NT = 300 };
    double *x = malloc(N * 8 * sizeof *x), *xt = malloc(NT * 8 * sizeof *xt), *p = malloc(NT * sizeof *p);
    int *y = malloc(N * sizeof *y), *yt = malloc(NT * sizeof *yt);
    xor_data(N, 1, x, y);
    xor_data(NT, 2, xt, yt);
    mlp_options o;
    mlp_options_default(&o);
    o.lr = 0.01;
    o.seed = 5;
    mlp_head m = {0};
    mlac_err err = {0};
    CHECK_OK(mlp_fit(&m, x, y, N, 8, &o, &err), &err);
    CHECK_OK(mlp_predict(&m, xt, NT, p, NULL, &err), &err);
    double auc = metric_roc_auc(p, yt, NT);
    /* a linear head cannot separate XOR */
    logistic_model lr = {0};
    CHECK_OK(logistic_fit(&lr, x, y, N, 8, NULL, &err), &err);
    double *pl = malloc(NT * sizeof *pl);
    logistic_predict(&lr, xt, NT, pl, NULL);
    double auc_lr = metric_roc_auc(pl, yt, NT);
    printf("xor: mlp test AUC %.3f after %d epochs (best %d), logistic %.3f\n", auc, m.epochs, m.best_epoch, auc_lr);
    CHECK_MSG(auc > 0.95, "mlp test AUC %.3f", auc);
    CHECK(auc_lr < 0.7);
    /* the same seed gives the same network; another seed another */
    mlp_head m2 = {0};
    CHECK_OK(mlp_fit(&m2, x, y, N, 8, &o, &err), &err);
    CHECK(m2.params && m.params && !memcmp(m.params, m2.params, m.n_params * sizeof(double)));
    o.seed = 6;
    CHECK_OK(mlp_fit(&m2, x, y, N, 8, &o, &err), &err);
    CHECK(m2.params && m.params && memcmp(m.params, m2.params, m.n_params * sizeof(double)));
    /* saved parameters predict the same */
    mlp_head m3 = {0};
    double *p3 = malloc(NT * sizeof *p3);
    CHECK_OK(mlp_set(&m3, 8, m.hidden, m.params, &err), &err);
    CHECK_OK(mlp_predict(&m3, xt, NT, p3, NULL, &err), &err);
    CHECK(!memcmp(p, p3, NT * sizeof *p));
    mlp_release(&m);
    mlp_release(&m2);
    mlp_release(&m3);
    logistic_release(&lr);
    free(x);
    free(xt);
    free(p);
    free(p3);
    free(pl);
    free(y);
    free(yt);
}

static void test_early_stop(void)
{
    /* labels unrelated to the inputs: validation loss stops improving early */
    enum { N = 200 };
    double x[N * 8];
    int y[N];
    xor_data(N, 3, x, y);
    rng r;
    rng_seed(&r, 4);
    for (size_t i = 0; i < N; i++)
        y[i] = rng_uniform(&r) < 0.5;
    mlp_options o;
    mlp_options_default(&o);
    o.lr = 0.01;
    o.patience = 5;
    o.max_epochs = 500;
    o.val_fraction = 0.2;
    mlp_head m = {0};
    mlac_err err = {0};
    CHECK_OK(mlp_fit(&m, x, y, N, 8, &o, &err), &err);
    CHECK_MSG(m.epochs < 500, "ran %d epochs", m.epochs);
    /* the kept epoch is the one with the lowest validation loss, and training stopped
     * exactly `patience` epochs after it */
    int best = 0;
    for (int e = 1; e < m.epochs; e++)
        if (m.history[e].val_loss < m.history[best].val_loss)
            best = e;
    CHECK(m.best_epoch == best + 1);
    CHECK(m.epochs == m.best_epoch + o.patience);
    CHECK(isfinite(m.history[0].val_auc));
    mlp_release(&m);
    /* too few clips for a validation split: trains every epoch */
    double xs[4 * 8] = {0};
    int ys[4] = {0, 1, 0, 1};
    for (int i = 0; i < 32; i++)
        xs[i] = (i % 3) - 1.0;
    o.max_epochs = 7;
    o.val_fraction = 0.1;
    int one_each[3] = {0, 1, 1};
    CHECK_OK(mlp_fit(&m, xs, one_each, 3, 8, &o, &err), &err);
    CHECK(m.epochs == 7 && m.best_epoch == 7 && isnan(m.history[0].val_loss));
    mlp_release(&m);
    (void)ys;
}

static void test_bad(void)
{
    double x[8] = {0};
    int y[2] = {0, 3};
    mlp_options o;
    mlp_options_default(&o);
    mlp_head m = {0};
    mlac_err err = {0};
    CHECK(mlp_fit(&m, x, y, 2, 4, &o, &err) == MLAC_EINVAL && strstr(err.msg, "row 1"));
    y[1] = 1;
    o.lr = 0;
    CHECK(mlp_fit(&m, x, y, 2, 4, &o, &err) == MLAC_EINVAL);
    double p;
    CHECK(mlp_predict(&m, x, 1, &p, NULL, &err) == MLAC_EINVAL);
    double params[3 * 2 + 2 * 2 + 1] = {0};
    params[2] = NAN;
    CHECK(mlp_set(&m, 3, 2, params, &err) == MLAC_EINVAL);
}

int main(void)
{
    test_gradient();
    test_learns_xor();
    test_early_stop();
    test_bad();
    TEST_MAIN_END();
}
