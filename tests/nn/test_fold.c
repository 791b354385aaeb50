/* test_fold.c — batch norm folded into the convolution for eval forwards (src/nn/fast_fold.c):
 * for vgg, mobilenet (width 0.75, and 0.25 whose 8-channel layers stay plain) and resnet, with
 * and without Winograd, the folded eval output matches the unfolded fast path (net->eval_unfolded,
 * itself checked against PyTorch in test_nets.c) within 1e-5 of the largest output; every
 * convolution folds and the residual adds are absorbed where oneDNN can; the folded weights
 * follow the parameters (after an Adam step, after a training forward that moves the running
 * statistics, after a direct write announced with nn_net_params_changed); a backward after a
 * folded forward gives exactly the gradients of one after an unfolded forward; and the folded
 * output is byte-identical for 1, 2 and 4 threads.
 */
#include "test.h"
#include "nn_testutil.h"

#include <omp.h>

#include "nn/adam.h"
#include "nn/net_fast.h"
#include "nn/nets.h"

#define TOL 1e-5
enum { N = 4, OUT = 16, SIZE = 32 };

/* Parameters with batch-norm statistics far from the identity (so folding changes the weights). */
static void fill_params(nn_net *net)
{
    for (int i = 0; i < net->n_params; i++) {
        nn_param *p = &net->pinfo[i];
        float *v = net->params + p->off;
        switch (p->role) {
        case NN_P_BN_MEAN: tu_hfill(v, p->count, p->name, -0.3, 0.3); break;
        case NN_P_BN_VAR: tu_hfill(v, p->count, p->name, 0.3, 2.0); break;
        case NN_P_BN_W: tu_hfill(v, p->count, p->name, 0.5, 1.5); break;
        case NN_P_BN_B:
        case NN_P_CONV_B:
        case NN_P_LIN_B: tu_hfill(v, p->count, p->name, -0.2, 0.2); break;
        default: {
            double b = sqrt(3.0 / ((double)p->count / p->shape[0]));
            tu_hfill(v, p->count, p->name, -b, b);
        }
        }
    }
    nn_net_params_changed(net);
}

static nn_net *make_net(int arch, double width, int direct)
{
    nn_arch_params ap = {.arch = arch, .in_ch = 1, .size = SIZE, .n_out = OUT, .width = width,
                         .dropout = 0.2f};
    nn_net *net = NULL;
    mlac_err err = {0};
    CHECK_OK(nn_build(&net, &ap, &err), &err);
    if (net)
        CHECK_OK(nn_net_plan(net, N, &err), &err);
    if (net) {
        net->conv_direct = direct;
        fill_params(net);
    }
    return net;
}

/* Eval output (N, OUT) into out, folded or not. */
static int eval(nn_net *net, const float *x, int unfolded, float *out)
{
    mlac_err err = {0};
    net->eval_unfolded = unfolded;
    int rc = nn_forward(net, x, N, 0, NULL, &err);
    CHECK_OK(rc, &err);
    memcpy(out, nn_output(net), N * OUT * sizeof(float));
    net->eval_unfolded = 0;
    return rc;
}

/* Folded vs unfolded on the current parameters; returns the relative difference. */
static double compare(nn_net *net, const float *x, const char *what)
{
    float a[N * OUT], b[N * OUT];
    if (eval(net, x, 0, a) || eval(net, x, 1, b))
        return 1e9;
    double e = tu_relerr_ff(a, b, N * OUT);
    CHECK_MSG(e <= TOL, "%s: folded vs unfolded relative difference %.3g", what, e);
    return e;
}

static int count_ops(const nn_net *net, int kind)
{
    int c = 0;
    for (int i = 0; i < net->n_ops; i++)
        c += net->ops[i].kind == kind;
    return c;
}

/* One Adam step on a training batch (moves the weights and the running statistics). */
static void train_step(nn_net *net, const float *x, nn_adam *opt)
{
    mlac_err err = {0};
    float y[N] = {1, 0, 1, 0}, dl[N], dout[N * OUT];
    rng r;
    rng_seed(&r, 3);
    CHECK_OK(nn_forward(net, x, N, 1, &r, &err), &err);
    const float *o = nn_output(net);
    memset(dout, 0, sizeof dout);
    float logit[N];
    for (int i = 0; i < N; i++)
        logit[i] = o[i * OUT];
    bce_logits_forward_backward(dl, logit, y, N);
    for (int i = 0; i < N; i++)
        dout[i * OUT] = dl[i];
    nn_zero_grad(net);
    CHECK_OK(nn_backward(net, dout, N, &err), &err);
    nn_adam_step(opt, net);
}

/* The gradients of an eval-mode backward after a folded and after an unfolded forward. */
static void check_backward(nn_net *net, const float *x, const char *what)
{
    mlac_err err = {0};
    float dout[N * OUT], out[N * OUT];
    tu_hfill(dout, N * OUT, "fold.dout", -1, 1);
    size_t nx = (size_t)N * SIZE * SIZE;
    float *g = malloc(net->n_floats * sizeof(float)), *dx = malloc(nx * sizeof(float));
    nn_net_want_input_grad(net, 1);
    for (int pass = 0; pass < 2; pass++) {
        if (eval(net, x, pass == 0, out))
            break;
        nn_zero_grad(net);
        CHECK_OK(nn_backward(net, dout, N, &err), &err);
        if (pass == 0) {
            memcpy(g, net->grads, net->n_floats * sizeof(float));
            memcpy(dx, nn_input_grad(net), nx * sizeof(float));
        } else {
            CHECK_MSG(memcmp(g, net->grads, net->n_floats * sizeof(float)) == 0,
                      "%s: weight gradients after a folded forward differ", what);
            CHECK_MSG(memcmp(dx, nn_input_grad(net), nx * sizeof(float)) == 0,
                      "%s: input gradient after a folded forward differs", what);
        }
    }
    nn_net_want_input_grad(net, 0);
    free(g);
    free(dx);
}

static void test_arch(int arch, double width, int direct, const float *x)
{
    char what[64];
    snprintf(what, sizeof what, "%s w%.2f %s", nn_arch_name(arch), width,
             direct ? "direct" : "winograd");
    nn_net *net = make_net(arch, width, direct);
    if (!net)
        return;
    double e0 = compare(net, x, what);
    int adds = 0, folded = nn_fast_folded_count(net, N, &adds);
    int convs = count_ops(net, NN_CONV), n_add = count_ops(net, NN_ADD);
    CHECK_MSG(folded == convs, "%s: %d of %d convolutions folded", what, folded, convs);
    /* oneDNN's Winograd kernel takes no binary post-op: resnet's 3x3 identity adds stay ops */
    int want_adds = arch == NN_ARCH_RESNET && !direct ? 3 : n_add;
    CHECK_MSG(adds == want_adds, "%s: %d of %d residual adds absorbed (want %d)", what, adds,
              n_add, want_adds);

    /* the folded weights follow an Adam step and the running statistics it moved */
    float before[N * OUT], after[N * OUT];
    eval(net, x, 0, before);
    nn_adam opt;
    mlac_err err = {0};
    CHECK_OK(nn_adam_init(&opt, net, 0, &err), &err);
    opt.lr = 1e-2;
    train_step(net, x, &opt);
    double e1 = compare(net, x, what);
    eval(net, x, 0, after);
    CHECK_MSG(tu_relerr_ff(after, before, N * OUT) > 1e-3, "%s: an Adam step did not move the "
              "eval output", what);
    /* ... and a direct write, announced */
    int k = nn_param_find(net, arch == NN_ARCH_RESNET ? "bn1.running_var" : "features.0.1.running_var");
    if (k < 0)
        k = nn_param_find(net, "features.1.running_var");
    CHECK(k >= 0);
    if (k >= 0) {
        for (size_t j = 0; j < net->pinfo[k].count; j++)
            net->params[net->pinfo[k].off + j] *= 4.0f;
        nn_net_params_changed(net);
    }
    double e2 = compare(net, x, what);
    check_backward(net, x, what);
    nn_adam_release(&opt);
    printf("%s: %d/%d convolutions folded, %d/%d adds absorbed; folded vs unfolded %.2g, after "
           "Adam %.2g, after a write %.2g\n", what, folded, convs, adds, n_add, e0, e1, e2);
    nn_net_free(net);
}

/* The folded output with 1, 2 and 4 threads (primitives are made for the thread count). */
static void test_threads(int arch, int direct, const float *x)
{
    float ref[N * OUT], got[N * OUT];
    int team = omp_get_max_threads(), threads[] = {1, 2, 4};
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(threads[t]);
        nn_net *net = make_net(arch, 0.75, direct);
        if (!net)
            continue;
        if (!eval(net, x, 0, t ? got : ref) && t)
            CHECK_MSG(memcmp(ref, got, sizeof ref) == 0, "%s: folded eval with 1 and %d threads "
                      "differs by %.3g (%s)", nn_arch_name(arch), threads[t],
                      tu_relerr_ff(got, ref, N * OUT), direct ? "direct" : "winograd");
        nn_net_free(net);
    }
    omp_set_num_threads(team);
}

int main(void)
{
    static float x[N * SIZE * SIZE];
    tu_hfill(x, N * SIZE * SIZE, "fold.x", -1, 1);
    for (int direct = 0; direct < 2; direct++) {
        test_arch(NN_ARCH_VGG, 1.0, direct, x);
        test_arch(NN_ARCH_MOBILENET, 0.75, direct, x);
        test_arch(NN_ARCH_RESNET, 1.0, direct, x);
    }
    test_arch(NN_ARCH_MOBILENET, 0.25, 0, x);
    for (int arch = 0; arch < 3; arch++)
        for (int direct = 0; direct < 2; direct++)
            test_threads(arch, direct, x);
    TEST_MAIN_END();
}
