/* test_layers.c — every layer kernel against PyTorch (tests/fixtures/nn/layers.json, made by
 * tests/fixtures/gen/nn.py in float64), the fast path's oneDNN convolution (a one-convolution
 * network through net_fast.c; these geometries have < 16 output channels, so plain layout)
 * against the naive one and against PyTorch, gradients against central finite differences, and Adam/AdamW trajectories.
 * Tolerance: relative (max |error| / max |reference|) 1e-5 for forward values, 1e-4 for
 * gradients, 1e-7 (the fixture's 10 printed digits) for ReLU and max pool, which only select;
 * finite differences (float32, h = 1e-2) within 1e-2 of the largest gradient.
 */
#include "test.h"
#include "nn_testutil.h"

#include <string.h>

#include "nn/adam.h"
#include "nn/layers.h"
#include "nn/net.h"

#define TOL_FWD 1e-5
#define TOL_GRAD 1e-4

static json_t *root;

#define CHECK_REL(got, n, key, tol)                                                      \
    do {                                                                                 \
        double e_ = tu_relerr_json((got), (n), json_object_get(c, key));                 \
        CHECK_MSG(e_ <= (tol), "%s: %s relative error %.3g", name, key, e_);              \
    } while (0)

static void conv_geom_from(json_t *c, nn_conv_geom *g, int *bias)
{
    json_t *a = json_object_get(c, "geom");
    *g = (nn_conv_geom){.n = tu_int(a, 0), .c = tu_int(a, 1), .h = tu_int(a, 2), .w = tu_int(a, 3),
                        .k = tu_int(a, 4), .r = tu_int(a, 5), .s = tu_int(a, 5),
                        .stride = tu_int(a, 6), .pad = tu_int(a, 7), .groups = tu_int(a, 8)};
    *bias = tu_int(a, 9);
    nn_conv_geom_finish(g);
}

static double conv_loss(const float *x, const float *w, const float *b, const float *dy,
                        const nn_conv_geom *g, float *out)
{
    conv2d_forward_naive(out, x, w, b, g);
    double l = 0;
    for (size_t i = 0; i < (size_t)g->n * g->k * g->oh * g->ow; i++)
        l += (double)out[i] * dy[i];
    return l;
}

/* The fast path on a network of one convolution (geometry g, batch g->n): out = forward(x);
 * backward(dy) twice, so dw and db (may be NULL) hold twice the gradient; dx once. */
static void conv_fast_net(float *out, float *dx, float *dw, float *db, const float *x,
                          const float *w, const float *b, const float *dy, const nn_conv_geom *g)
{
    mlac_err err = {0};
    nn_net *net = NULL;
    size_t nx = (size_t)g->n * g->c * g->h * g->w, nw = (size_t)g->k * (g->c / g->groups) * g->r * g->s;
    size_t ny = (size_t)g->n * g->k * g->oh * g->ow;
    CHECK_OK(nn_net_new(&net, g->c, g->h, g->w, &err), &err);
    CHECK(nn_conv(net, 0, g->k, g->r, g->stride, g->pad, g->groups, b != NULL, "conv") > 0);
    CHECK_OK(nn_net_finish(net, &err), &err);
    nn_net_want_input_grad(net, 1);
    CHECK_OK(nn_net_plan(net, g->n, &err), &err);
    CHECK(!net->slots[net->ops[0].out].blocked);
    int pw = nn_param_find(net, "conv.weight"), pb = nn_param_find(net, "conv.bias");
    CHECK(pw >= 0 && net->pinfo[pw].count == nw && (b == NULL) == (pb < 0));
    memcpy(net->params + net->pinfo[pw].off, w, nw * sizeof(float));
    if (b)
        memcpy(net->params + net->pinfo[pb].off, b, (size_t)g->k * sizeof(float));
    nn_net_params_changed(net);
    nn_zero_grad(net);
    CHECK_OK(nn_forward(net, x, g->n, 1, NULL, &err), &err);
    memcpy(out, nn_output(net), ny * sizeof(float));
    CHECK_OK(nn_backward(net, dy, g->n, &err), &err);
    CHECK_OK(nn_backward(net, dy, g->n, &err), &err);
    memcpy(dx, nn_input_grad(net), nx * sizeof(float));
    memcpy(dw, net->grads + net->pinfo[pw].off, nw * sizeof(float));
    if (db)
        memcpy(db, net->grads + net->pinfo[pb].off, (size_t)g->k * sizeof(float));
    nn_net_free(net);
}

static void test_conv(const char *name)
{
    json_t *c = json_object_get(root, name);
    nn_conv_geom g;
    int bias;
    conv_geom_from(c, &g, &bias);
    size_t nx = (size_t)g.n * g.c * g.h * g.w, nw = (size_t)g.k * (g.c / g.groups) * g.r * g.s;
    size_t ny = (size_t)g.n * g.k * g.oh * g.ow;
    char key[64];
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(g.k * 4), *dy = malloc(ny * 4);
    snprintf(key, sizeof key, "%s.x", name), tu_hfill(x, nx, key, -1, 1);
    snprintf(key, sizeof key, "%s.w", name), tu_hfill(w, nw, key, -0.5, 0.5);
    snprintf(key, sizeof key, "%s.b", name), tu_hfill(b, g.k, key, -0.5, 0.5);
    snprintf(key, sizeof key, "%s.dy", name), tu_hfill(dy, ny, key, -1, 1);
    CHECK(json_array_size(json_object_get(c, "out")) == ny);
    for (int fast = 0; fast < 2; fast++) {
        float *out = calloc(ny, 4), *dx = calloc(nx, 4), *dw = calloc(nw, 4), *db = calloc(g.k, 4);
        /* twice: the gradients must add (the network's input gradient is written, not added) */
        if (fast) {
            conv_fast_net(out, dx, dw, bias ? db : NULL, x, w, bias ? b : NULL, dy, &g);
        } else {
            conv2d_forward_naive(out, x, w, bias ? b : NULL, &g);
            conv2d_backward_naive(dx, dw, bias ? db : NULL, dy, x, w, &g);
            conv2d_backward_naive(dx, dw, bias ? db : NULL, dy, x, w, &g);
        }
        for (size_t i = 0; fast == 0 && i < nx; i++)
            dx[i] *= 0.5f;
        for (size_t i = 0; i < nw; i++)
            dw[i] *= 0.5f;
        for (int i = 0; i < g.k; i++)
            db[i] *= 0.5f;
        CHECK_REL(out, ny, "out", TOL_FWD);
        CHECK_REL(dx, nx, "dx", TOL_GRAD);
        CHECK_REL(dw, nw, "dw", TOL_GRAD);
        if (bias)
            CHECK_REL(db, (size_t)g.k, "db", TOL_GRAD);
        free(out), free(dx), free(dw), free(db);
    }
    /* finite differences on a few input and weight coordinates (the loss is linear in each) */
    float *tmp = malloc(ny * 4), *dx = calloc(nx, 4), *dw = calloc(nw, 4);
    conv2d_backward_naive(dx, dw, NULL, dy, x, w, &g);
    double maxg = 0;
    for (size_t i = 0; i < nx; i++)
        maxg = fmax(maxg, fabs(dx[i]));
    for (int t = 0; t < 6; t++) {
        size_t i = (size_t)t * (nx - 1) / 5;
        float keep = x[i];
        x[i] = keep + 1e-2f;
        double lp = conv_loss(x, w, bias ? b : NULL, dy, &g, tmp);
        x[i] = keep - 1e-2f;
        double lm = conv_loss(x, w, bias ? b : NULL, dy, &g, tmp);
        x[i] = keep;
        CHECK_MSG(fabs((lp - lm) / 2e-2 - dx[i]) <= 1e-2 * maxg, "%s: fd dx[%zu]", name, i);
        size_t j = (size_t)t * (nw - 1) / 5;
        keep = w[j];
        w[j] = keep + 1e-2f;
        lp = conv_loss(x, w, bias ? b : NULL, dy, &g, tmp);
        w[j] = keep - 1e-2f;
        lm = conv_loss(x, w, bias ? b : NULL, dy, &g, tmp);
        w[j] = keep;
        CHECK_MSG(fabs((lp - lm) / 2e-2 - dw[j]) <= 1e-2 * fmax(maxg, fabs(dw[j])), "%s: fd dw[%zu]",
                  name, j);
    }
    free(tmp), free(dx), free(dw);
    free(x), free(w), free(b), free(dy);
}

static double bn_loss(float *out, float *mean, float *rstd, const float *x, const float *gam,
                      const float *bet, const float *dy, int n, int ch, int hw)
{
    batchnorm_forward_train(out, mean, rstd, NULL, NULL, x, gam, bet, n, ch, hw, 0.1f, 1e-5f);
    double l = 0;
    for (size_t i = 0; i < (size_t)n * ch * hw; i++)
        l += (double)out[i] * dy[i];
    return l;
}

static void test_bn(const char *name)
{
    json_t *c = json_object_get(root, name);
    json_t *s = json_object_get(c, "shape");
    int n = tu_int(s, 0), ch = tu_int(s, 1), hw = tu_int(s, 2) * tu_int(s, 3);
    int train = (int)json_integer_value(json_object_get(c, "train"));
    size_t nx = (size_t)n * ch * hw;
    char key[64];
    float *x = malloc(nx * 4), *dy = malloc(nx * 4), *out = malloc(nx * 4), *dx = calloc(nx, 4);
    float gam[16], bet[16], rm[16], rv[16], mean[16], rstd[16], dg[16] = {0}, dbt[16] = {0};
    snprintf(key, sizeof key, "%s.x", name), tu_hfill(x, nx, key, -2, 3);
    snprintf(key, sizeof key, "%s.dy", name), tu_hfill(dy, nx, key, -1, 1);
    snprintf(key, sizeof key, "%s.gamma", name), tu_hfill(gam, ch, key, 0.5, 1.5);
    snprintf(key, sizeof key, "%s.beta", name), tu_hfill(bet, ch, key, -0.5, 0.5);
    snprintf(key, sizeof key, "%s.rm", name), tu_hfill(rm, ch, key, -0.2, 0.2);
    snprintf(key, sizeof key, "%s.rv", name), tu_hfill(rv, ch, key, 0.5, 1.5);
    if (train) {
        batchnorm_forward_train(out, mean, rstd, rm, rv, x, gam, bet, n, ch, hw, 0.1f, 1e-5f);
    } else {
        batchnorm_forward_eval(out, x, gam, bet, rm, rv, n, ch, hw, 1e-5f);
        memcpy(mean, rm, sizeof mean);
        batchnorm_eval_rstd(rstd, rv, ch, 1e-5f);
    }
    batchnorm_backward(dx, dg, dbt, dy, x, mean, rstd, gam, n, ch, hw, train);
    CHECK_REL(out, nx, "out", TOL_FWD);
    CHECK_REL(dx, nx, "dx", TOL_GRAD);
    CHECK_REL(dg, (size_t)ch, "dgamma", TOL_GRAD);
    CHECK_REL(dbt, (size_t)ch, "dbeta", TOL_GRAD);
    CHECK_REL(rm, (size_t)ch, "running_mean", TOL_FWD);
    CHECK_REL(rv, (size_t)ch, "running_var", TOL_FWD);
    if (train) { /* finite differences through the batch statistics */
        double maxg = 0;
        for (size_t i = 0; i < nx; i++)
            maxg = fmax(maxg, fabs(dx[i]));
        for (int t = 0; t < 8; t++) {
            size_t i = (size_t)t * (nx - 1) / 7;
            float keep = x[i];
            x[i] = keep + 1e-2f;
            double lp = bn_loss(out, mean, rstd, x, gam, bet, dy, n, ch, hw);
            x[i] = keep - 1e-2f;
            double lm = bn_loss(out, mean, rstd, x, gam, bet, dy, n, ch, hw);
            x[i] = keep;
            CHECK_MSG(fabs((lp - lm) / 2e-2 - dx[i]) <= 1e-2 * maxg, "%s: fd dx[%zu] %g vs %g", name,
                      i, (lp - lm) / 2e-2, dx[i]);
        }
        int k = 1;
        float keep = gam[k];
        gam[k] = keep + 1e-2f;
        double lp = bn_loss(out, mean, rstd, x, gam, bet, dy, n, ch, hw);
        gam[k] = keep - 1e-2f;
        double lm = bn_loss(out, mean, rstd, x, gam, bet, dy, n, ch, hw);
        gam[k] = keep;
        CHECK_NEAR((lp - lm) / 2e-2, dg[k], 1e-2 * fabs(dg[k]) + 1e-3);
    }
    free(x), free(dy), free(out), free(dx);
}

/* (N, C, HW) -> (N, ceil(C/16), HW, 16), padding lanes 0 */
static void to_blocked(float *d, const float *s, int n, int c, int hw)
{
    int cb = (c + 15) / 16;
    memset(d, 0, (size_t)n * cb * 16 * hw * sizeof(float));
    for (int i = 0; i < n; i++)
        for (int k = 0; k < c; k++)
            for (int j = 0; j < hw; j++)
                d[(((size_t)i * cb + k / 16) * hw + j) * 16 + k % 16] = s[((size_t)i * c + k) * hw + j];
}

/* max |blocked - plain| over the real lanes; padding lanes must be exactly 0 */
static double blocked_err(const float *b, const float *p, int n, int c, int hw, int *pad_ok)
{
    int cb = (c + 15) / 16;
    double e = 0;
    *pad_ok = 1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < cb * 16; k++)
            for (int j = 0; j < hw; j++) {
                float v = b[(((size_t)i * cb + k / 16) * hw + j) * 16 + k % 16];
                if (k >= c)
                    *pad_ok &= v == 0.0f;
                else
                    e = fmax(e, fabs(v - p[((size_t)i * c + k) * hw + j]));
            }
    return e;
}

/* The fast path's batch norm on the blocked layout (with and without a fused ReLU / ReLU6)
 * against the plain reference kernels followed by relu_forward / relu_backward, training and
 * evaluation, on a channel count that leaves padding lanes (24 -> 32). */
static void test_bn_blocked(void)
{
    const int n = 3, c = 24, hw = 5;
    size_t np = (size_t)n * c * hw, nb = (size_t)n * 32 * hw;
    float *x = malloc(np * 4), *dy = malloc(np * 4), *y = malloc(np * 4), *dx = malloc(np * 4);
    float *dyr = malloc(np * 4);
    float *xb = malloc(nb * 4), *dyb = malloc(nb * 4), *yb = malloc(nb * 4), *dxb = malloc(nb * 4);
    float g[24], b[24], rm[24], rv[24], rm2[24], rv2[24], mean[24], rstd[24], mean2[24], rstd2[24];
    float dg[24], db[24], dg2[24], db2[24], ss[64];
    double *work = malloc(batchnorm_blocked_work(n, c) * sizeof(double));
    tu_hfill(x, np, "bnb.x", -2, 3);
    tu_hfill(dy, np, "bnb.dy", -1, 1);
    tu_hfill(g, 24, "bnb.g", 0.5, 1.5);
    tu_hfill(b, 24, "bnb.b", -0.5, 0.5);
    to_blocked(xb, x, n, c, hw);
    to_blocked(dyb, dy, n, c, hw);
    const float caps[3] = {-1, 0, 1};
    for (int train = 0; train < 2; train++)
        for (int ci = 0; ci < 3; ci++) {
            float cap = caps[ci];
            for (int k = 0; k < c; k++)
                rm[k] = rm2[k] = 0.1f * k, rv[k] = rv2[k] = 1 + 0.05f * k;
            memset(dg, 0, sizeof dg), memset(db, 0, sizeof db);
            memset(dg2, 0, sizeof dg2), memset(db2, 0, sizeof db2);
            if (train) {
                batchnorm_forward_train(y, mean, rstd, rm, rv, x, g, b, n, c, hw, 0.1f, 1e-5f);
                batchnorm_blocked_forward_train(yb, mean2, rstd2, rm2, rv2, ss, work, xb, g, b, n, c,
                                                hw, 0.1f, 1e-5f, cap);
            } else {
                batchnorm_forward_eval(y, x, g, b, rm, rv, n, c, hw, 1e-5f);
                batchnorm_blocked_forward_eval(yb, ss, xb, g, b, rm, rv, n, c, hw, 1e-5f, cap);
                memcpy(mean, rm, sizeof mean), memcpy(mean2, rm, sizeof mean);
                batchnorm_eval_rstd(rstd, rv, c, 1e-5f);
                memcpy(rstd2, rstd, sizeof rstd);
            }
            memcpy(dyr, dy, np * 4);
            if (cap >= 0) {
                relu_forward(y, y, np, cap);
                relu_backward(dyr, dyr, y, np, cap); /* in place: dyr = dy * mask */
            }
            int pad_ok;
            double ey = blocked_err(yb, y, n, c, hw, &pad_ok);
            CHECK_MSG(ey <= 1e-6 && pad_ok, "bn blocked train %d cap %g: out error %.3g, padding %s",
                      train, cap, ey, pad_ok ? "zero" : "NOT zero");
            double es = 0;
            for (int k = 0; k < c; k++)
                es = fmax(es, fabs(mean[k] - mean2[k]) + fabs(rstd[k] - rstd2[k]) +
                                  fabs(rm[k] - rm2[k]) + fabs(rv[k] - rv2[k]));
            CHECK_MSG(es <= 1e-6, "bn blocked train %d: statistics error %.3g", train, es);
            memset(dx, 0, np * 4);
            batchnorm_backward(dx, dg, db, dyr, x, mean, rstd, g, n, c, hw, train);
            for (int add = 0; add < 2; add++) {
                if (add) /* add = 1 must add onto what is there: start from dx itself */
                    to_blocked(dxb, dx, n, c, hw);
                batchnorm_blocked_backward(dxb, dg2, db2, work, dyb, xb, mean2, rstd2, g, ss, n, c,
                                           hw, train, add, cap);
                if (add)
                    for (size_t i = 0; i < np; i++)
                        dx[i] *= 2;
                double ex = blocked_err(dxb, dx, n, c, hw, &pad_ok);
                CHECK_MSG(ex <= 1e-5 && pad_ok, "bn blocked train %d cap %g add %d: dx error %.3g",
                          train, cap, add, ex);
            }
            double eg = 0;
            for (int k = 0; k < c; k++)
                eg = fmax(eg, fabs(2 * dg[k] - dg2[k]) + fabs(2 * db[k] - db2[k]));
            CHECK_MSG(eg <= 1e-4, "bn blocked train %d cap %g: dgamma/dbeta error %.3g", train, cap,
                      eg);
        }
    free(x), free(dy), free(y), free(dx), free(dyr), free(xb), free(dyb), free(yb), free(dxb);
    free(work);
}

static void test_act(const char *name)
{
    json_t *c = json_object_get(root, name);
    size_t n = 0;
    float *x = tu_floats(json_object_get(c, "x"), &n);
    float cap = (float)json_number_value(json_object_get(c, "cap"));
    float *out = malloc(n * 4), *dy = malloc(n * 4), *dx = calloc(n, 4);
    char key[64];
    snprintf(key, sizeof key, "%s.dy", name), tu_hfill(dy, n, key, -1, 1);
    relu_forward(out, x, n, cap);
    relu_backward(dx, dy, out, n, cap);
    CHECK_REL(out, n, "out", 1e-7);
    CHECK_REL(dx, n, "dx", 1e-7);
    /* in place: the same buffers for input and output, and for their gradients */
    relu_forward(x, x, n, cap);
    relu_backward(dy, dy, x, n, cap);
    CHECK_REL(x, n, "out", 1e-7);
    CHECK_REL(dy, n, "dx", 1e-7);
    free(x), free(out), free(dy), free(dx);
}

static void test_maxpool(const char *name)
{
    json_t *c = json_object_get(root, name);
    json_t *a = json_object_get(c, "geom");
    nn_conv_geom g = {.n = tu_int(a, 0), .c = tu_int(a, 1), .h = tu_int(a, 2), .w = tu_int(a, 3),
                      .k = tu_int(a, 1), .r = tu_int(a, 4), .s = tu_int(a, 4), .stride = tu_int(a, 5),
                      .pad = tu_int(a, 6), .groups = 1};
    CHECK(nn_conv_geom_finish(&g) == 0);
    size_t nx = (size_t)g.n * g.c * g.h * g.w, ny = (size_t)g.n * g.c * g.oh * g.ow;
    char key[64];
    float *x = malloc(nx * 4), *dy = malloc(ny * 4), *out = malloc(ny * 4), *dx = calloc(nx, 4);
    int32_t *am = malloc(ny * 4);
    snprintf(key, sizeof key, "%s.x", name), tu_hfill(x, nx, key, -1, 1);
    snprintf(key, sizeof key, "%s.dy", name), tu_hfill(dy, ny, key, -1, 1);
    maxpool_forward(out, am, x, &g);
    maxpool_backward(dx, dy, am, &g);
    CHECK_REL(out, ny, "out", 1e-7);
    CHECK_REL(dx, nx, "dx", TOL_GRAD);
    free(x), free(dy), free(out), free(dx), free(am);
}

static void test_gap_linear(void)
{
    const char *name = "gap";
    json_t *c = json_object_get(root, name);
    json_t *s = json_object_get(c, "shape");
    int n = tu_int(s, 0), ch = tu_int(s, 1), hw = tu_int(s, 2) * tu_int(s, 3);
    float x[120], dy[6], out[6], dx[120] = {0};
    tu_hfill(x, (size_t)n * ch * hw, "gap.x", -1, 1);
    tu_hfill(dy, (size_t)n * ch, "gap.dy", -1, 1);
    avgpool_global_forward(out, x, n, ch, hw);
    avgpool_global_backward(dx, dy, n, ch, hw);
    CHECK_REL(out, (size_t)n * ch, "out", TOL_FWD);
    CHECK_REL(dx, (size_t)n * ch * hw, "dx", TOL_GRAD);

    name = "linear";
    c = json_object_get(root, name);
    s = json_object_get(c, "shape");
    int ni = tu_int(s, 1), no = tu_int(s, 2);
    n = tu_int(s, 0);
    float lx[21], lw[35], lb[5], ldy[15], lout[15], ldx[21] = {0}, ldw[35] = {0}, ldb[5] = {0};
    tu_hfill(lx, (size_t)n * ni, "linear.x", -1, 1);
    tu_hfill(lw, (size_t)no * ni, "linear.w", -0.5, 0.5);
    tu_hfill(lb, (size_t)no, "linear.b", -0.5, 0.5);
    tu_hfill(ldy, (size_t)n * no, "linear.dy", -1, 1);
    linear_forward(lout, lx, lw, lb, n, ni, no);
    linear_backward(ldx, ldw, ldb, ldy, lx, lw, n, ni, no);
    CHECK_REL(lout, (size_t)n * no, "out", TOL_FWD);
    CHECK_REL(ldx, (size_t)n * ni, "dx", TOL_GRAD);
    CHECK_REL(ldw, (size_t)no * ni, "dw", TOL_GRAD);
    CHECK_REL(ldb, (size_t)no, "db", TOL_GRAD);
}

static void test_dropout_bce(void)
{
    const char *name = "dropout";
    json_t *c = json_object_get(root, name);
    size_t n = 0;
    float *mask = tu_floats(json_object_get(c, "mask"), &n);
    float *x = malloc(n * 4), *dy = malloc(n * 4), *out = malloc(n * 4), *dx = calloc(n, 4);
    tu_hfill(x, n, "dropout.x", -1, 1);
    tu_hfill(dy, n, "dropout.dy", -1, 1);
    dropout_forward(out, x, mask, n);
    dropout_backward(dx, dy, mask, n);
    CHECK_REL(out, n, "out", TOL_FWD);
    CHECK_REL(dx, n, "dx", TOL_GRAD);
    /* the rng mask: values in {0, 2}, about half kept, reproducible for a seed */
    rng r1, r2;
    rng_seed(&r1, 5), rng_seed(&r2, 5);
    float m1[1000], m2[1000];
    dropout_mask(m1, 1000, 0.5f, &r1);
    dropout_mask(m2, 1000, 0.5f, &r2);
    int kept = 0, bad = 0;
    for (int i = 0; i < 1000; i++) {
        kept += m1[i] == 2.0f;
        bad += (m1[i] != 0.0f && m1[i] != 2.0f) || m1[i] != m2[i];
    }
    CHECK(bad == 0);
    CHECK(kept > 430 && kept < 570);
    free(mask), free(x), free(dy), free(out), free(dx);

    name = "bce";
    c = json_object_get(root, name);
    float *y = tu_floats(json_object_get(c, "y"), &n);
    float lg[9], dl[9];
    tu_hfill(lg, 9, "bce.x", -12, 12);
    lg[0] = 40, lg[1] = -40;
    double loss = bce_logits_forward_backward(dl, lg, y, (int)n);
    double want = json_number_value(json_object_get(c, "loss"));
    CHECK_NEAR(loss, want, 1e-6 * fabs(want));
    CHECK_REL(dl, n, "dx", TOL_GRAD);
    /* finite differences of the loss */
    for (int i = 0; i < 9; i++) {
        float keep = lg[i];
        lg[i] = keep + 1e-2f;
        double lp = bce_logits_forward_backward(NULL, lg, y, 9);
        lg[i] = keep - 1e-2f;
        double lm = bce_logits_forward_backward(NULL, lg, y, 9);
        lg[i] = keep;
        CHECK_NEAR((lp - lm) / 2e-2, dl[i], 1e-4);
    }
    free(y);
}

/* Adam/AdamW on a one-parameter network: a 10-value linear weight. */
static void test_adam(const char *name)
{
    json_t *c = json_object_get(root, name);
    int decoupled = (int)json_integer_value(json_object_get(c, "decoupled"));
    nn_net *net = NULL;
    mlac_err err = {0};
    CHECK_OK(nn_net_new(&net, 10, 1, 1, &err), &err);
    nn_linear(net, 0, 1, "fc");
    CHECK_OK(nn_net_finish(net, &err), &err);
    char key[64];
    float *w = net->params + net->pinfo[0].off, *g = net->grads + net->pinfo[0].off;
    snprintf(key, sizeof key, "%s.p", name), tu_hfill(w, 10, key, -1, 1);
    nn_adam opt;
    CHECK_OK(nn_adam_init(&opt, net, decoupled, &err), &err);
    json_t *steps = json_object_get(c, "steps");
    for (int t = 0; t < 5; t++) {
        snprintf(key, sizeof key, "%s.g%d", name, t);
        tu_hfill(g, 10, key, -1, 1);
        for (int i = 0; i < 10; i++)
            g[i] = (float)(g[i] * pow(10.0, t - 2));
        nn_adam_step(&opt, net);
        double e = tu_relerr_json(w, 10, json_array_get(steps, (size_t)t));
        CHECK_MSG(e <= 1e-6, "%s step %d: relative error %.3g", name, t, e);
    }
    nn_adam_release(&opt);
    nn_net_free(net);
}

int main(void)
{
    root = tu_load_json("nn/layers.json");
    CHECK(root != NULL);
    if (!root)
        TEST_MAIN_END();
    const char *convs[] = {"conv_basic", "conv_group", "conv_dw", "conv_dw1", "conv_7x7", "conv_1x1"};
    for (size_t i = 0; i < sizeof convs / sizeof *convs; i++)
        test_conv(convs[i]);
    test_bn("bn_train");
    test_bn("bn_eval");
    test_bn_blocked();
    test_act("relu");
    test_act("relu6");
    test_maxpool("maxpool_2");
    test_maxpool("maxpool_3");
    test_gap_linear();
    test_dropout_bce();
    test_adam("adam");
    test_adam("adamw");
    json_decref(root);
    TEST_MAIN_END();
}
