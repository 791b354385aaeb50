/* test_train.c — the training loop's epoch selection (nn/train.h, issue 12 item 8): a small
 * validation set (fewer than min_val_per_class clips of a class) is not used — every clip trains
 * for the asked epochs and the last epoch is kept; val_fraction 0 does the same; with a large
 * enough validation set the selected epoch is never before min_epochs and early stopping waits
 * `patience` epochs after it. A tiny conv - BN - ReLU - pool - linear network on 16x16 images.
 */
#include "test.h"

#include "nn/train.h"

#define S 16
enum { N = 40 };

static void make_images(float *x, int *y, rng *r)
{
    for (int i = 0; i < N; i++) {
        y[i] = i % 2;
        for (int j = 0; j < S * S; j++)
            x[i * S * S + j] = (float)rng_normal(r) + (y[i] && j / S == 5 ? 2.0f : 0.0f);
    }
}

static nn_net *tiny_net(rng *r)
{
    nn_net *net = NULL;
    mlac_err err = {0};
    CHECK_OK(nn_net_new(&net, 1, S, S, &err), &err);
    if (!net)
        return NULL;
    int s = nn_conv(net, 0, 16, 3, 1, 1, 1, 0, "c");
    s = nn_relu(net, nn_bn(net, s, "bn"), 0);
    nn_linear(net, nn_gap(net, s), 1, "fc");
    CHECK_OK(nn_net_finish(net, &err), &err);
    CHECK_OK(nn_net_plan(net, 8, &err), &err);
    nn_net_init_params(net, r);
    return net;
}

static void run(const nn_train_opts *o, nn_train_log *log)
{
    static float x[N * S * S];
    int y[N];
    rng r;
    rng_seed(&r, 3);
    make_images(x, y, &r);
    nn_net *net = tiny_net(&r);
    mlac_err err = {0};
    if (net)
        CHECK_OK(nn_train(net, o, x, y, N, &r, log, &err), &err);
    nn_net_free(net);
}

int main(void)
{
    nn_train_opts o = {.epochs = 6, .batch_size = 8, .patience = 1, .val_fraction = 0.2,
                       .min_val_per_class = 10, .min_epochs = 3, .lr = 1e-2, .augment = 1,
                       .masks = 1, .mask_width = -1, .weight_decay = -1};
    nn_train_log log;
    /* 20 clips per class at 0.2: 4 validation clips of each class < 10 -> no validation */
    run(&o, &log);
    CHECK(log.selection == NN_SELECT_LAST_SMALL_VAL && log.n_val == 0);
    CHECK(log.n_epochs == 6 && log.best_epoch == 6 && isnan(log.best_auc));
    CHECK(isnan(log.epochs[0].val_auc) && isfinite(log.epochs[5].loss));
    nn_train_log_release(&log);
    /* no split asked */
    o.val_fraction = 0;
    run(&o, &log);
    CHECK(log.selection == NN_SELECT_LAST_NO_SPLIT && log.n_val == 0 && log.best_epoch == 6);
    nn_train_log_release(&log);
    /* 4 per class allowed: validation, selection from epoch 3, stop 1 epoch after no gain */
    o.val_fraction = 0.2, o.min_val_per_class = 4;
    run(&o, &log);
    CHECK(log.selection == NN_SELECT_VALIDATION && log.n_val == 8);
    CHECK_MSG(log.best_epoch >= 3 && log.n_epochs >= 4, "best epoch %d of %d", log.best_epoch,
              log.n_epochs);
    CHECK(isfinite(log.best_auc) && log.best_auc == log.epochs[log.best_epoch - 1].val_auc);
    for (int e = 0; e < log.n_epochs; e++)
        printf("epoch %d loss %.4f val_auc %.3f\n", e + 1, log.epochs[e].loss, log.epochs[e].val_auc);
    nn_train_log_release(&log);
    /* min_epochs beyond epochs: the last epoch is the only candidate */
    o.min_epochs = 50, o.epochs = 2;
    run(&o, &log);
    CHECK(log.selection == NN_SELECT_VALIDATION && log.best_epoch == 2 && log.n_epochs == 2);
    nn_train_log_release(&log);
    TEST_MAIN_END();
}
