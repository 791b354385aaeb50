/* conv2d_dnnl.c — convolution forward, backward-data and backward-weights on oneDNN 2.6.
 *
 * One process-wide CPU engine; per conv op a linked list of per-batch-size plans, each with
 * its three primitives over plain NCHW / (G)OIHW memory, the memory objects (their data handles
 * are pointed at the caller's buffers at every call) and scratch for the gradients oneDNN
 * overwrites (we add). Nothing is allocated after a batch size's first step.
 */
#include "nn/conv_fast.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct nn_conv_plan {
    nn_conv_geom g;                   /* batch g.n */
    dnnl_stream_t stream;
    dnnl_primitive_t fwd, bwd_data, bwd_w;
    dnnl_memory_t src, wei, bias, dst; /* forward; src/dst double as diff memories below */
    dnnl_memory_t dsrc, dwei, dbias, ddst;
    float *dw_tmp;                    /* (K, C/G, R, S) + (K) */
    float *din_tmp;                   /* (N, C, H, W) */
    struct nn_conv_plan *next;
} nn_conv_plan;

static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_init(void)
{
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
}

void conv_fast_free(nn_conv_plan *p)
{
    while (p) {
        nn_conv_plan *next = p->next;
        dnnl_primitive_t prims[] = {p->fwd, p->bwd_data, p->bwd_w};
        for (int i = 0; i < 3; i++)
            if (prims[i])
                dnnl_primitive_destroy(prims[i]);
        dnnl_memory_t mems[] = {p->src, p->wei, p->bias, p->dst, p->dsrc, p->dwei, p->dbias, p->ddst};
        for (int i = 0; i < 8; i++)
            if (mems[i])
                dnnl_memory_destroy(mems[i]);
        if (p->stream)
            dnnl_stream_destroy(p->stream);
        free(p->dw_tmp);
        free(p->din_tmp);
        free(p);
        p = next;
    }
}

static int md_init(dnnl_memory_desc_t *md, const nn_conv_geom *g, int which)
{
    dnnl_dims_t d;
    switch (which) {
    case 0: /* src */
        d[0] = g->n, d[1] = g->c, d[2] = g->h, d[3] = g->w;
        return dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_nchw);
    case 1: /* weights */
        if (g->groups > 1) {
            d[0] = g->groups, d[1] = g->k / g->groups, d[2] = g->c / g->groups, d[3] = g->r,
            d[4] = g->s;
            return dnnl_memory_desc_init_by_tag(md, 5, d, dnnl_f32, dnnl_goihw);
        }
        d[0] = g->k, d[1] = g->c, d[2] = g->r, d[3] = g->s;
        return dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_oihw);
    case 2: /* bias */
        d[0] = g->k;
        return dnnl_memory_desc_init_by_tag(md, 1, d, dnnl_f32, dnnl_x);
    default: /* dst */
        d[0] = g->n, d[1] = g->k, d[2] = g->oh, d[3] = g->ow;
        return dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_nchw);
    }
}

static int plan_create(nn_conv_plan **out, const nn_conv_geom *g, mlac_err *err)
{
    pthread_once(&engine_once, engine_init);
    if (engine_status != dnnl_success)
        return mlac_errf(err, MLAC_EUNAVAIL, "cannot create the oneDNN cpu engine (status %d)",
                         (int)engine_status);
    nn_conv_plan *p = calloc(1, sizeof *p);
    if (!p)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory planning a convolution");
    p->g = *g;
    dnnl_memory_desc_t src, wei, bias, dst;
    dnnl_dims_t strides = {g->stride, g->stride}, pad = {g->pad, g->pad};
    /* oneDNN's right padding: whatever makes the output size come out as PyTorch's */
    dnnl_dims_t pad_r = {(g->oh - 1) * g->stride + g->r - g->h - g->pad,
                         (g->ow - 1) * g->stride + g->s - g->w - g->pad};
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_status_t st = dnnl_success;
    size_t wcount = (size_t)g->k * (g->c / g->groups) * g->r * g->s;
    p->dw_tmp = malloc((wcount + (size_t)g->k) * sizeof(float));
    p->din_tmp = malloc((size_t)g->n * g->c * g->h * g->w * sizeof(float));
    if (!p->dw_tmp || !p->din_tmp) {
        conv_fast_free(p);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory planning a convolution");
    }
#define TRY(x)                                  \
    do {                                        \
        if ((st = (x)) != dnnl_success)         \
            goto out;                           \
    } while (0)
    TRY(md_init(&src, g, 0));
    TRY(md_init(&wei, g, 1));
    TRY(md_init(&bias, g, 2));
    TRY(md_init(&dst, g, 3));
    TRY(dnnl_stream_create(&p->stream, engine, dnnl_stream_default_flags));
    TRY(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training, dnnl_convolution_direct,
                                           &src, &wei, &bias, &dst, strides, pad, pad_r));
    TRY(dnnl_primitive_desc_create(&fpd, &cd, NULL, engine, NULL));
    TRY(dnnl_primitive_create(&p->fwd, fpd));
    TRY(dnnl_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &src, &wei, &dst,
                                                 strides, pad, pad_r));
    TRY(dnnl_primitive_desc_create(&pd, &cd, NULL, engine, fpd));
    TRY(dnnl_primitive_create(&p->bwd_data, pd));
    dnnl_primitive_desc_destroy(pd);
    pd = NULL;
    TRY(dnnl_convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &src, &wei, &bias,
                                                    &dst, strides, pad, pad_r));
    TRY(dnnl_primitive_desc_create(&pd, &cd, NULL, engine, fpd));
    TRY(dnnl_primitive_create(&p->bwd_w, pd));
    TRY(dnnl_memory_create(&p->src, &src, engine, DNNL_MEMORY_NONE));
    TRY(dnnl_memory_create(&p->wei, &wei, engine, DNNL_MEMORY_NONE));
    TRY(dnnl_memory_create(&p->bias, &bias, engine, DNNL_MEMORY_NONE));
    TRY(dnnl_memory_create(&p->dst, &dst, engine, DNNL_MEMORY_NONE));
    TRY(dnnl_memory_create(&p->dsrc, &src, engine, p->din_tmp));
    TRY(dnnl_memory_create(&p->dwei, &wei, engine, p->dw_tmp));
    TRY(dnnl_memory_create(&p->dbias, &bias, engine, p->dw_tmp + wcount));
    TRY(dnnl_memory_create(&p->ddst, &dst, engine, DNNL_MEMORY_NONE));
#undef TRY
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    if (st != dnnl_success) {
        conv_fast_free(p);
        return mlac_errf(err, MLAC_EINTERNAL,
                         "oneDNN cannot plan a %dx%d convolution %d->%d (groups %d, batch %d): status %d",
                         g->r, g->s, g->c, g->k, g->groups, g->n, (int)st);
    }
    *out = p;
    return MLAC_OK;
}

/* The plan for this batch size, created and linked in on first use. */
static nn_conv_plan *plan_get(nn_conv_plan **head, const nn_conv_geom *g, mlac_err *err)
{
    for (nn_conv_plan *p = *head; p; p = p->next)
        if (p->g.n == g->n)
            return p;
    nn_conv_plan *p = NULL;
    if (plan_create(&p, g, err))
        return NULL;
    p->next = *head;
    *head = p;
    return p;
}

static int run(nn_conv_plan *p, dnnl_primitive_t prim, int nargs, const dnnl_exec_arg_t *args,
               mlac_err *err)
{
    dnnl_status_t st = dnnl_primitive_execute(prim, p->stream, nargs, args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(p->stream);
    if (st != dnnl_success)
        return mlac_errf(err, MLAC_EINTERNAL, "oneDNN convolution failed: status %d", (int)st);
    return MLAC_OK;
}

int conv_fast_forward(nn_conv_plan **plan, float *out, const float *in, const float *w,
                      const float *b, const nn_conv_geom *g, mlac_err *err)
{
    nn_conv_plan *p = plan_get(plan, g, err);
    if (!p)
        return err ? err->code : MLAC_EINTERNAL;
    float *zb = p->dw_tmp + (size_t)g->k * (g->c / g->groups) * g->r * g->s;
    if (!b) {
        memset(zb, 0, (size_t)g->k * sizeof(float));
        b = zb;
    }
    dnnl_memory_set_data_handle(p->src, (void *)in);
    dnnl_memory_set_data_handle(p->wei, (void *)w);
    dnnl_memory_set_data_handle(p->bias, (void *)b);
    dnnl_memory_set_data_handle(p->dst, out);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, p->src}, {DNNL_ARG_WEIGHTS, p->wei},
                              {DNNL_ARG_BIAS, p->bias}, {DNNL_ARG_DST, p->dst}};
    return run(p, p->fwd, 4, args, err);
}

static void add_into(float *y, const float *x, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

int conv_fast_backward(nn_conv_plan **plan, float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, const nn_conv_geom *g, mlac_err *err)
{
    nn_conv_plan *p = plan_get(plan, g, err);
    if (!p)
        return err ? err->code : MLAC_EINTERNAL;
    int rc;
    size_t wcount = (size_t)g->k * (g->c / g->groups) * g->r * g->s;
    dnnl_memory_set_data_handle(p->src, (void *)in);
    dnnl_memory_set_data_handle(p->ddst, (void *)dout);
    if (dw || db) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, p->src}, {DNNL_ARG_DIFF_DST, p->ddst},
                                  {DNNL_ARG_DIFF_WEIGHTS, p->dwei}, {DNNL_ARG_DIFF_BIAS, p->dbias}};
        if ((rc = run(p, p->bwd_w, 4, args, err)))
            return rc;
        if (dw)
            add_into(dw, p->dw_tmp, wcount);
        if (db)
            add_into(db, p->dw_tmp + wcount, (size_t)g->k);
    }
    if (din) {
        dnnl_memory_set_data_handle(p->wei, (void *)w);
        dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, p->ddst}, {DNNL_ARG_WEIGHTS, p->wei},
                                  {DNNL_ARG_DIFF_SRC, p->dsrc}};
        if ((rc = run(p, p->bwd_data, 3, args, err)))
            return rc;
        add_into(din, p->din_tmp, (size_t)g->n * g->c * g->h * g->w);
    }
    return MLAC_OK;
}
