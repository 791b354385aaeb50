/* fast_pool.c — the fast path's pooling ops: max pool on oneDNN (forward training, so backward
 * always has its workspace, and backward), and the global average pool, on a blocked kernel
 * for nChw16c input (output plain (N, C)) or the plain kernel of pool.c.
 */
#include "nn/fast_op.h"

static dnnl_status_t maxpool_plan(fast_op *o, const nn_net *net, const nn_op *op, int n, int ns)
{
    (void)ns;
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_engine_t engine = fast_engine(NULL);
    const_dnnl_primitive_attr_t attr = fast_scratchpad_attr();
    dnnl_status_t st;
    dnnl_pooling_desc_t pdsc;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_dims_t str, pl, pr, ker = {g.r, g.s};
    fast_pads(&g, str, pl, pr);
    FAST_TRY(fast_act_md(&o->md[M_SRC], &net->slots[op->in], n));
    FAST_TRY(fast_act_md(&o->md[M_DST], &net->slots[op->out], n));
    o->md[M_DSRC] = o->md[M_SRC], o->md[M_DDST] = o->md[M_DST];
    FAST_TRY(dnnl_pooling_forward_desc_init(&pdsc, dnnl_forward_training, dnnl_pooling_max,
                                            &o->md[M_SRC], &o->md[M_DST], str, ker, pl, pr));
    FAST_TRY(dnnl_primitive_desc_create(&fpd, &pdsc, attr, engine, NULL));
    FAST_TRY(dnnl_primitive_create(&o->fwd, fpd));
    fast_note_scratchpad(o, 0, fpd);
    o->md[M_WS] = *fast_query_md(fpd, dnnl_query_workspace_md);
    if (!(o->ws = fast_alloc_md(&o->md[M_WS]))) {
        st = dnnl_out_of_memory;
        goto out;
    }
    FAST_TRY(dnnl_pooling_backward_desc_init(&pdsc, dnnl_pooling_max, &o->md[M_SRC],
                                             &o->md[M_DST], str, ker, pl, pr));
    FAST_TRY(dnnl_primitive_desc_create(&pd, &pdsc, attr, engine, fpd));
    FAST_TRY(dnnl_primitive_create(&o->bwd, pd));
    fast_note_scratchpad(o, 1, pd);
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    return st;
}

static int maxpool_forward_op(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r,
                              mlac_err *err)
{
    (void)train, (void)r;
    fast_arg a[] = {{DNNL_ARG_SRC, M_SRC, fast_act(f->net, op->in)},
                    {DNNL_ARG_DST, M_DST, fast_act(f->net, op->out)},
                    {DNNL_ARG_WORKSPACE, M_WS, o->ws}};
    return fast_exec(f, o, o->fwd, a, 3, err);
}

static int maxpool_backward_op(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    nn_net *net = f->net;
    if (!net->slots[op->in].needs_grad)
        return MLAC_OK;
    int add = 0, rc;
    float *dx = fast_grad_dst(net, op->in, &add);
    fast_arg a[] = {{DNNL_ARG_DIFF_DST, M_DDST, dy}, {DNNL_ARG_WORKSPACE, M_WS, o->ws},
                    {DNNL_ARG_DIFF_SRC, M_DSRC, dx}};
    if (!(rc = fast_exec(f, o, o->bwd, a, 3, err)) && add)
        nn_axpy(fast_dact(net, op->in), dx, fast_len(net, op->in, f->n));
    return rc;
}

const fast_op_kind fast_maxpool_kind = {maxpool_plan, maxpool_forward_op, maxpool_backward_op};

/* ---- global average pool ----------------------------------------------------------------- */

/* Global average pool of a blocked (N, C/16, H, W, 16) input into plain (N, C). */
static void gap_blocked_forward(float *out, const float *in, int n, int c, int hw)
{
    int cb = (c + 15) / 16;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        const float *x = in + (size_t)p * hw * 16;
        float acc[16] = {0};
        for (int j = 0; j < hw; j++)
            for (int l = 0; l < 16; l++)
                acc[l] += x[(size_t)j * 16 + l];
        int b = p / cb, c0 = (p % cb) * 16;
        for (int l = 0; l < 16 && c0 + l < c; l++)
            out[(size_t)b * c + c0 + l] = acc[l] / (float)hw;
    }
}

/* din (blocked) = or += dout (N, C) / HW; padding lanes stay zero. */
static void gap_blocked_backward(float *din, const float *dout, int n, int c, int hw, int add)
{
    int cb = (c + 15) / 16;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        float *dx = din + (size_t)p * hw * 16;
        float d[16] = {0};
        int b = p / cb, c0 = (p % cb) * 16;
        for (int l = 0; l < 16 && c0 + l < c; l++)
            d[l] = dout[(size_t)b * c + c0 + l] / (float)hw;
        for (int j = 0; j < hw; j++)
            for (int l = 0; l < 16; l++)
                dx[(size_t)j * 16 + l] = add ? dx[(size_t)j * 16 + l] + d[l] : d[l];
    }
}

static int gap_forward(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r, mlac_err *err)
{
    (void)o, (void)train, (void)r, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in];
    if (si->blocked)
        gap_blocked_forward(fast_act(net, op->out), fast_act(net, op->in), f->n, si->c,
                            si->h * si->w);
    else
        avgpool_global_forward(fast_act(net, op->out), fast_act(net, op->in), f->n, si->c,
                               si->h * si->w);
    return MLAC_OK;
}

static int gap_backward(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in];
    if (!si->needs_grad)
        return MLAC_OK;
    if (si->blocked) {
        int first = !net->ginit[op->in];
        net->ginit[op->in] = 1;
        gap_blocked_backward(fast_dact(net, op->in), dy, f->n, si->c, si->h * si->w, !first);
    } else {
        avgpool_global_backward(fast_grad_acc(net, op->in, f->n), dy, f->n, si->c, si->h * si->w);
    }
    return MLAC_OK;
}

const fast_op_kind fast_gap_kind = {NULL, gap_forward, gap_backward};
