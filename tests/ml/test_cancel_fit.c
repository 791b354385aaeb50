/* test_cancel_fit.c — the thread's cancel flag (core/cancel.h) stops a fit in flight: a random
 * forest (through the model interface) and the CNN training loop (nn_train) return MLAC_ECANCEL
 * with a message while the flag is set, fit normally with the flag clear or unset, and the flag
 * is the calling thread's only (another thread's fit is not stopped).
 */
#include "test.h"

#include "core/cancel.h"
#include "ml/model.h"
#include "nn/train.h"

#include <pthread.h>
#include <string.h>

#define S 8
enum { N = 24, DIM = 6 };

static void data(float *x, int *y)
{
    rng r;
    rng_seed(&r, 11);
    for (int i = 0; i < N; i++) {
        y[i] = i % 2;
        for (int j = 0; j < DIM; j++)
            x[i * DIM + j] = (float)rng_normal(&r) + (y[i] ? 1.5f : 0.0f);
    }
}

/* random_forest with 2,000 trees on 2 threads: the pool threads see the caller's flag. */
static int forest_fit_rc(mlac_err *err)
{
    float x[N * DIM];
    int y[N];
    data(x, y);
    const struct model_kind *k = model_find("random_forest");
    json_t *opts = json_pack("{s:i}", "n_trees", 2000);
    model_config cfg = {.seed = 1, .n_threads = 2, .options = opts};
    model *m = NULL;
    int rc = k->create(&cfg, &m, err);
    if (!rc)
        rc = k->fit(m, x, y, N, DIM, err);
    if (m)
        k->free(m);
    json_decref(opts);
    return rc;
}

static int train_rc(mlac_err *err)
{
    static float x[N * S * S];
    int y[N];
    rng r;
    rng_seed(&r, 3);
    for (int i = 0; i < N; i++) {
        y[i] = i % 2;
        for (int j = 0; j < S * S; j++)
            x[i * S * S + j] = (float)rng_normal(&r);
    }
    nn_net *net = NULL;
    int rc = nn_net_new(&net, 1, S, S, err);
    if (!rc) {
        int s = nn_relu(net, nn_conv(net, 0, 4, 3, 1, 1, 1, 0, "c"), 0);
        nn_linear(net, nn_gap(net, s), 1, "fc");
        rc = nn_net_finish(net, err);
    }
    if (!rc)
        rc = nn_net_plan(net, 8, err);
    nn_train_log log = {0};
    if (!rc) {
        nn_net_init_params(net, &r);
        nn_train_opts o = {.epochs = 2, .batch_size = 8, .patience = 1, .lr = 1e-2, .mask_width = -1,
                           .weight_decay = -1};
        rc = nn_train(net, &o, x, y, N, &r, &log, err);
    }
    nn_train_log_release(&log);
    nn_net_free(net);
    return rc;
}

static void *other_thread(void *arg)
{
    int *rc = arg;
    mlac_err err = {0};
    *rc = forest_fit_rc(&err); /* this thread has no flag: the main thread's must not reach it */
    return NULL;
}

int main(void)
{
    static volatile sig_atomic_t flag;
    mlac_err err = {0};
    CHECK(!cancel_requested());
    CHECK_OK(forest_fit_rc(&err), &err);
    CHECK_OK(train_rc(&err), &err);

    flag = 0;
    cancel_set_current(&flag);
    CHECK(cancel_current() == &flag && !cancel_requested());
    CHECK_OK(forest_fit_rc(&err), &err); /* a clear flag changes nothing */
    CHECK_OK(train_rc(&err), &err);

    flag = 1;
    CHECK(cancel_requested());
    err = (mlac_err){0};
    int rc = forest_fit_rc(&err);
    CHECK_MSG(rc == MLAC_ECANCEL, "forest: rc %d (%s), want MLAC_ECANCEL", rc, err.msg);
    CHECK_MSG(strstr(err.msg, "cancelled") != NULL, "forest: message '%s'", err.msg);
    err = (mlac_err){0};
    rc = train_rc(&err);
    CHECK_MSG(rc == MLAC_ECANCEL, "nn_train: rc %d (%s), want MLAC_ECANCEL", rc, err.msg);
    CHECK_MSG(strstr(err.msg, "cancelled") != NULL, "nn_train: message '%s'", err.msg);

    int other = -1;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, &other) == 0);
    pthread_join(t, NULL);
    CHECK_MSG(other == MLAC_OK, "another thread's forest: rc %d", other);

    cancel_set_current(NULL);
    CHECK(!cancel_requested());
    CHECK_OK(forest_fit_rc(&err), &err);
    TEST_MAIN_END();
}
