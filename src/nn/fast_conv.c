/* fast_conv.c — the fast path's convolution op: its plan (oneDNN forward, backward-data made
 * on first use, backward-weights per batch slice), forward and backward.
 *
 * Weights stay plain (G)OIHW in net->params; when a primitive wants another layout a reorder
 * makes a blocked copy (o->wf, o->wb) before it runs, and the blocked weight gradient is added
 * back into the plain gradient by a reorder with a sum post-op.
 * Winograd F(4x4, 3x3) is tried for 3x3 stride-1 convolutions of >= 16 channels unless the
 * network asks for direct convolutions only; oneDNN may still decline it (shape, ISA).
 * Weight gradients never depend on the thread count: the batch is cut into o->ns slices, each
 * slice's gradient is computed by a primitive made for one thread into its own buffer, the
 * slices run in parallel on the team and are summed in slice order.
 */
#include "nn/fast_op.h"

#include <omp.h>
#include <string.h>

/* Conv weights: plain (G)OIHW, as net->params holds them, or format "any" for oneDNN to pick. */
static dnnl_status_t conv_w_md(dnnl_memory_desc_t *md, const nn_conv_geom *g, int any)
{
    dnnl_dims_t d;
    int nd = 4;
    if (g->groups > 1) {
        d[0] = g->groups, d[1] = g->k / g->groups, d[2] = g->c / g->groups, d[3] = g->r,
        d[4] = g->s, nd = 5;
    } else {
        d[0] = g->k, d[1] = g->c, d[2] = g->r, d[3] = g->s;
    }
    if (any)
        return fast_any_md(md, nd, d);
    return dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, nd == 5 ? dnnl_goihw : dnnl_oihw);
}

/* Passes: forward (training), backward data, backward weights, and the folded eval forward. */
enum { PASS_FWD, PASS_BWD, PASS_BWD_W, PASS_INF };

/* The operation descriptor of pass `kind`. */
static dnnl_status_t conv_desc(dnnl_convolution_desc_t *cd, int kind, const dnnl_memory_desc_t *src,
                               const dnnl_memory_desc_t *dst, const dnnl_memory_desc_t *b,
                               const nn_conv_geom *g, dnnl_alg_kind_t alg)
{
    dnnl_dims_t strides, pl, pr;
    dnnl_memory_desc_t w;
    fast_pads(g, strides, pl, pr);
    conv_w_md(&w, g, 1);
    if (kind == PASS_FWD || kind == PASS_INF)
        /* oneDNN's Winograd inference kernel splits its work by the thread count (results
         * differ from 1 to 4 threads); its training kernel does not */
        return dnnl_convolution_forward_desc_init(cd, kind == PASS_FWD ||
                                                          alg == dnnl_convolution_winograd
                                                      ? dnnl_forward_training
                                                      : dnnl_forward_inference,
                                                  alg, src, &w, b, dst, strides, pl, pr);
    if (kind == 1)
        return dnnl_convolution_backward_data_desc_init(cd, alg, src, &w, dst, strides, pl, pr);
    return dnnl_convolution_backward_weights_desc_init(cd, alg, src, &w, b, dst, strides, pl, pr);
}

static int want_winograd(const nn_net *net, const nn_conv_geom *g)
{
    return !net->conv_direct && g->r == 3 && g->s == 3 && g->stride == 1 && g->groups == 1 &&
           g->c >= 16 && g->k >= 16;
}

static int impl_has(const_dnnl_primitive_desc_t pd, const char *what)
{
    const char *impl = NULL;
    return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
           impl && strstr(impl, what) != NULL;
}

static int is_winograd(const_dnnl_primitive_desc_t pd)
{
    return impl_has(pd, "wino");
}

/* Pass `kind`'s primitive descriptor with algorithm alg and attributes attr (NULL: the shared
 * scratchpad attribute); backward passes get the forward one as their hint. */
static dnnl_status_t conv_pd_alg(dnnl_primitive_desc_t *out, int kind, dnnl_alg_kind_t alg,
                                 const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
                                 const dnnl_memory_desc_t *bias, const nn_conv_geom *g,
                                 const_dnnl_primitive_attr_t attr)
{
    dnnl_engine_t engine = fast_engine(NULL);
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t hint = NULL;
    dnnl_status_t st = dnnl_success;
    int fwd = kind == PASS_FWD || kind == PASS_INF;
    if (!attr)
        attr = fast_scratchpad_attr();
    if (!fwd && (st = conv_desc(&cd, PASS_FWD, src, dst, bias, g, alg)) == dnnl_success)
        st = dnnl_primitive_desc_create(&hint, &cd, fast_scratchpad_attr(), engine, NULL);
    if (fwd || st == dnnl_success)
        st = conv_desc(&cd, kind, src, dst, kind == PASS_BWD ? NULL : bias, g, alg);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(out, &cd, attr, engine, hint);
    if (hint)
        dnnl_primitive_desc_destroy(hint);
    return st;
}

/* Pass `kind` over src/dst (bias: its descriptor or NULL): Winograd when wanted and oneDNN
 * implements it (*wino = 1), else direct. */
static dnnl_status_t conv_pd(dnnl_primitive_desc_t *out, int kind, const dnnl_memory_desc_t *src,
                             const dnnl_memory_desc_t *dst, const dnnl_memory_desc_t *bias,
                             const nn_conv_geom *g, int want_wino, int *wino)
{
    dnnl_status_t st = dnnl_unimplemented;
    *out = NULL;
    for (int a = want_wino ? 0 : 1; a < 2; a++) {
        dnnl_alg_kind_t alg = a == 0 ? dnnl_convolution_winograd : dnnl_convolution_direct;
        st = conv_pd_alg(out, kind, alg, src, dst, bias, g, NULL);
        if (st == dnnl_success && (a == 1 || is_winograd(*out))) {
            *wino = a == 0;
            return dnnl_success;
        }
        if (st == dnnl_success) {
            dnnl_primitive_desc_destroy(*out);
            *out = NULL;
        }
    }
    return st;
}

/* The forward primitive, and the reorder to its weight layout when that is not plain. */
static dnnl_status_t plan_forward(fast_op *o, const nn_net *net, const nn_op *op, int n)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_primitive_desc_t fpd = NULL;
    FAST_TRY(fast_act_md(&o->md[M_SRC], &net->slots[op->in], n));
    FAST_TRY(fast_act_md(&o->md[M_DST], &net->slots[op->out], n));
    FAST_TRY(fast_vec_md(&o->md[M_BIAS], g.k));
    FAST_TRY(conv_w_md(&o->md[M_WP], &g, 0));
    o->md[M_DWP] = o->md[M_WP], o->md[M_DB] = o->md[M_BIAS];
    o->md[M_DSRC] = o->md[M_SRC], o->md[M_DDST] = o->md[M_DST];
    const dnnl_memory_desc_t *bias = op->p_b >= 0 ? &o->md[M_BIAS] : NULL;
    FAST_TRY(conv_pd(&fpd, PASS_FWD, &o->md[M_SRC], &o->md[M_DST], bias, &g,
                     want_winograd(net, &g), &o->wino[0]));
    FAST_TRY(dnnl_primitive_create(&o->fwd, fpd));
    fast_note_scratchpad(o, 0, fpd);
    o->md[M_WF] = *fast_query_md(fpd, dnnl_query_weights_md);
    if (!dnnl_memory_desc_equal(&o->md[M_WF], &o->md[M_WP])) {
        if (!(o->wf = fast_alloc_md(&o->md[M_WF]))) {
            st = dnnl_out_of_memory;
            goto out;
        }
        FAST_TRY(fast_make_reorder(&o->r_wf, &o->md[M_WP], &o->md[M_WF], 0));
    }
out:
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    return st;
}

/* The backward-weights primitive of a slice of the batch, made for one thread, its per-slice
 * memory objects and the reorder adding its blocked gradient into the plain one. */
static dnnl_status_t plan_wgrad(fast_op *o, const nn_net *net, const nn_op *op, int n, int ns)
{
    nn_conv_geom g = op->g;
    g.n = n / ns;
    dnnl_status_t st;
    dnnl_primitive_desc_t pd = NULL;
    const dnnl_memory_desc_t *bias = op->p_b >= 0 ? &o->md[M_BIAS] : NULL;
    o->ns = ns;
    FAST_TRY(fast_act_md(&o->wmd[W_SRC], &net->slots[op->in], g.n));
    FAST_TRY(fast_act_md(&o->wmd[W_DDST], &net->slots[op->out], g.n));
    o->wmd[W_DB] = o->md[M_BIAS];
    int team = omp_get_max_threads();
    omp_set_num_threads(1);
    st = conv_pd(&pd, PASS_BWD_W, &o->wmd[W_SRC], &o->wmd[W_DDST], bias, &g,
                 want_winograd(net, &g), &o->wino[2]);
    if (st == dnnl_success)
        st = dnnl_primitive_create(&o->bwd_w, pd);
    omp_set_num_threads(team);
    if (st != dnnl_success)
        goto out;
    const dnnl_memory_desc_t *spmd = fast_query_md(pd, dnnl_query_scratchpad_md);
    o->sp[2] = spmd ? dnnl_memory_desc_get_size(spmd) : 0;
    if (o->sp[2])
        o->wmd[W_SP] = *spmd;
    o->wmd[W_DW] = o->md[M_DW] = *fast_query_md(pd, dnnl_query_diff_weights_md);
    for (int j = 0; j < ns; j++)
        for (int i = 0; i < W_COUNT; i++)
            if ((i != W_SP || o->sp[2]) && (i != W_DB || bias))
                FAST_TRY(dnnl_memory_create(&o->wmem[j][i], &o->wmd[i], fast_engine(NULL),
                                            DNNL_MEMORY_NONE));
    FAST_TRY(fast_make_reorder(&o->r_dw, &o->md[M_DW], &o->md[M_WP], 1));
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

static dnnl_status_t conv_plan(fast_op *o, const nn_net *net, const nn_op *op, int n, int ns)
{
    dnnl_status_t st = plan_forward(o, net, op, n);
    return st == dnnl_success ? plan_wgrad(o, net, op, n, ns) : st;
}

/* Backward data, created on first use (not needed for the network's first conv unless the
 * input gradient is wanted). */
static dnnl_status_t plan_bwd_data(fast_op *o, const nn_net *net, const nn_op *op, int n)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_primitive_desc_t pd = NULL;
    FAST_TRY(conv_pd(&pd, PASS_BWD, &o->md[M_SRC], &o->md[M_DST], NULL, &g,
                     want_winograd(net, &g), &o->wino[1]));
    FAST_TRY(dnnl_primitive_create(&o->bwd, pd));
    fast_note_scratchpad(o, 1, pd);
    o->md[M_WB] = *fast_query_md(pd, dnnl_query_weights_md);
    if (dnnl_memory_desc_equal(&o->md[M_WB], &o->md[M_WF]))
        o->wb_from = M_WF;
    else if (dnnl_memory_desc_equal(&o->md[M_WB], &o->md[M_WP]))
        o->wb_from = M_WP;
    else {
        o->wb_from = M_WB;
        if (!(o->wb = fast_alloc_md(&o->md[M_WB]))) {
            st = dnnl_out_of_memory;
            goto out;
        }
        FAST_TRY(fast_make_reorder(&o->r_wb, &o->md[M_WP], &o->md[M_WB], 0));
    }
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

/* ---- the folded eval forward ------------------------------------------------------------ */

/* The folded conv's attributes: user scratchpad; post-ops: + the tensor add_md (when given),
 * then ReLU (cap 0) or ReLU clipped at cap (cap > 0). */
static dnnl_status_t inf_attr(dnnl_primitive_attr_t *attr, const dnnl_memory_desc_t *add_md,
                              float cap)
{
    dnnl_post_ops_t po = NULL;
    dnnl_status_t st;
    *attr = NULL;
    FAST_TRY(dnnl_primitive_attr_create(attr));
    FAST_TRY(dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user));
    FAST_TRY(dnnl_post_ops_create(&po));
    if (add_md)
        FAST_TRY(dnnl_post_ops_append_binary(po, dnnl_binary_add, add_md));
    if (cap == 0)
        FAST_TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
    else if (cap > 0)
        FAST_TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_bounded_relu, cap, 0.0f));
    FAST_TRY(dnnl_primitive_attr_set_post_ops(*attr, po));
out:
    if (po)
        dnnl_post_ops_destroy(po);
    if (st != dnnl_success && *attr) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    return st;
}

/* The folded pass's descriptor: the first that oneDNN implements of Winograd with the add,
 * Winograd without it, direct with it, direct without (Winograd only where wanted, the add only
 * when asked); a reference (non-JIT) implementation only when nothing else exists. */
static dnnl_status_t inf_pd(dnnl_primitive_desc_t *out, fast_op *o, const nn_conv_geom *g,
                            int want_wino, const dnnl_memory_desc_t *add_md, float add_cap,
                            float cap, int *add_fused)
{
    dnnl_primitive_desc_t ref = NULL;
    int ref_add = 0, ref_wino = 0;
    dnnl_status_t st = dnnl_unimplemented;
    *out = NULL;
    for (int t = 0; t < 4 && !*out; t++) {
        int wino = t < 2, add = !(t & 1);
        if ((wino && !want_wino) || (add && !add_md))
            continue;
        dnnl_primitive_attr_t attr = NULL;
        dnnl_primitive_desc_t pd = NULL;
        st = inf_attr(&attr, add ? add_md : NULL, add ? add_cap : cap);
        if (st == dnnl_success)
            st = conv_pd_alg(&pd, PASS_INF, wino ? dnnl_convolution_winograd
                                                 : dnnl_convolution_direct,
                             &o->md[M_SRC], &o->md[M_DST], &o->md[M_BIAS], g, attr);
        if (attr)
            dnnl_primitive_attr_destroy(attr);
        if (st != dnnl_success)
            continue;
        if ((wino && !is_winograd(pd)) || (impl_has(pd, "ref") && ref)) {
            dnnl_primitive_desc_destroy(pd);
        } else if (impl_has(pd, "ref")) {
            ref = pd, ref_add = add, ref_wino = wino;
        } else {
            *out = pd, *add_fused = add, o->wino[3] = wino;
        }
    }
    if (*out) {
        if (ref)
            dnnl_primitive_desc_destroy(ref);
        return dnnl_success;
    }
    if (!ref)
        return st == dnnl_success ? dnnl_unimplemented : st;
    *out = ref, *add_fused = ref_add, o->wino[3] = ref_wino;
    return dnnl_success;
}

dnnl_status_t fast_conv_plan_inf(fast_op *o, const nn_net *net, const nn_op *op, int n, int add,
                                 float add_cap, float cap, int *add_fused)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_primitive_desc_t pd = NULL;
    *add_fused = 0;
    if (add >= 0)
        FAST_TRY(fast_act_md(&o->md[M_ADD], &net->slots[add], n));
    FAST_TRY(inf_pd(&pd, o, &g, want_winograd(net, &g), add >= 0 ? &o->md[M_ADD] : NULL, add_cap,
                    cap, add_fused));
    FAST_TRY(dnnl_primitive_create(&o->inf, pd));
    fast_note_scratchpad(o, 3, pd);
    o->md[M_WI] = *fast_query_md(pd, dnnl_query_weights_md);
    o->md[M_BI] = o->md[M_BIAS];
    o->wi = fast_alloc_md(&o->md[M_WI]);
    o->bi = aligned_alloc(64, (((size_t)g.k + 15) & ~(size_t)15) * sizeof(float));
    if (!o->wi || !o->bi) {
        st = dnnl_out_of_memory;
        goto out;
    }
    if (!dnnl_memory_desc_equal(&o->md[M_WI], &o->md[M_WP]))
        FAST_TRY(fast_make_reorder(&o->r_wi, &o->md[M_WP], &o->md[M_WI], 0));
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

int fast_conv_forward_inf(nn_fast *f, fast_op *o, const nn_op *op, mlac_err *err)
{
    nn_net *net = f->net;
    int rc = fast_fold_weights(f, o, op, err);
    if (rc)
        return rc;
    fast_arg a[5] = {{DNNL_ARG_SRC, M_SRC, fast_act(net, op->in)},
                     {DNNL_ARG_WEIGHTS, M_WI, o->wi},
                     {DNNL_ARG_BIAS, M_BI, o->bi},
                     {DNNL_ARG_DST, M_DST, fast_act(net, o->inf_out)},
                     {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, M_ADD,
                      o->inf_add >= 0 ? fast_act(net, o->inf_add) : NULL}};
    return fast_exec(f, o, o->inf, a, o->inf_add >= 0 ? 5 : 4, err);
}

/* ---- training passes --------------------------------------------------------------------- */

/* out (n, K, OH, OW) = conv(in (n, C, H, W), w) + b, in the slots' layouts; the blocked weight
 * copy is refreshed only when the parameters moved since it was made. */
static int conv_forward(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r, mlac_err *err)
{
    (void)train, (void)r;
    nn_net *net = f->net;
    void *w = fast_param(net, op->p_w);
    int rc = MLAC_OK;
    if (o->wf && o->wf_pver != net->pver) {
        if ((rc = fast_reorder(f, o, o->r_wf, M_WP, w, M_WF, o->wf, err)))
            return rc;
        o->wf_pver = net->pver;
    }
    if (o->wf)
        w = o->wf;
    fast_arg a[] = {{DNNL_ARG_SRC, M_SRC, fast_act(net, op->in)}, {DNNL_ARG_WEIGHTS, M_WF, w},
                    {DNNL_ARG_DST, M_DST, fast_act(net, op->out)},
                    {DNNL_ARG_BIAS, M_BIAS, op->p_b >= 0 ? fast_param(net, op->p_b) : NULL}};
    return fast_exec(f, o, o->fwd, a, op->p_b >= 0 ? 4 : 3, err);
}

/* One slice's weight (and bias) gradient into its own buffers, on the calling thread. */
static dnnl_status_t wgrad_slice(nn_fast *f, fast_op *o, const nn_op *op, const float *dy, int j)
{
    nn_net *net = f->net;
    size_t nb = (size_t)(f->n / o->ns);
    void *ptr[W_COUNT] = {fast_act(net, op->in) + j * nb * net->slots[op->in].len,
                          (void *)(dy + j * nb * net->slots[op->out].len),
                          f->wdw + j * f->wdw_len, f->wdb + j * f->wdb_len, f->wsp + j * f->wsp_len};
    int args[W_COUNT] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
                         DNNL_ARG_DIFF_BIAS, DNNL_ARG_SCRATCHPAD};
    dnnl_exec_arg_t ea[W_COUNT];
    int na = 0;
    dnnl_status_t st = dnnl_success;
    for (int i = 0; i < W_COUNT && st == dnnl_success; i++) {
        if (!o->wmem[j][i])
            continue;
        st = dnnl_memory_set_data_handle(o->wmem[j][i], ptr[i]);
        ea[na].arg = args[i], ea[na++].memory = o->wmem[j][i];
    }
    if (st == dnnl_success)
        st = dnnl_primitive_execute(o->bwd_w, f->wstream[j], na, ea);
    if (st == dnnl_success)
        st = dnnl_stream_wait(f->wstream[j]);
    return st;
}

/* The weight gradient of the batch into slice 0's buffers (f->wdw, f->wdb): the slices run in
 * parallel, each on one thread, and are summed in slice order — the same floating-point
 * operations for any thread count. */
static int conv_wgrad(nn_fast *f, fast_op *o, const nn_op *op, const float *dy, mlac_err *err)
{
    int ns = o->ns, failed = 0;
#pragma omp parallel for schedule(static, 1) reduction(| : failed)
    for (int j = 0; j < ns; j++)
        failed |= wgrad_slice(f, o, op, dy, j) != dnnl_success;
    if (failed)
        return mlac_errf(err, MLAC_EINTERNAL, "oneDNN backward-weights primitive failed");
    size_t len = dnnl_memory_desc_get_size(&o->wmd[W_DW]) / sizeof(float);
    float *dw = f->wdw;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < len; i++) {
        float acc = dw[i];
        for (int j = 1; j < ns; j++)
            acc += dw[(size_t)j * f->wdw_len + i];
        dw[i] = acc;
    }
    if (op->p_b >= 0)
        for (int k = 0; k < op->g.k; k++)
            for (int j = 1; j < ns; j++)
                f->wdb[k] += f->wdb[(size_t)j * f->wdb_len + k];
    return MLAC_OK;
}

/* din (= or +=, see fast_grad_dst) the input gradient of dy (n, K, OH, OW). */
static int conv_backward_data(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    nn_net *net = f->net;
    if (!o->bwd) {
        dnnl_status_t st = plan_bwd_data(o, net, op, f->n);
        if (st == dnnl_success && fast_grow_scratch(net, o))
            st = dnnl_out_of_memory;
        if (st != dnnl_success)
            return mlac_errf(err, MLAC_EINTERNAL, "oneDNN cannot plan a convolution's "
                             "backward data: status %d", (int)st);
    }
    int mw = o->wb_from, rc, add = 0;
    void *w = mw == M_WB ? (void *)o->wb : mw == M_WF && o->wf ? (void *)o->wf
                                                                : (void *)fast_param(net, op->p_w);
    if (mw == M_WF && o->wf && o->wf_pver != net->pver) /* a backward after a reload */
        return mlac_errf(err, MLAC_EINTERNAL, "network parameters changed between a forward "
                         "and its backward");
    if (mw == M_WB && o->wb_pver != net->pver) {
        if ((rc = fast_reorder(f, o, o->r_wb, M_WP, fast_param(net, op->p_w), M_WB, o->wb, err)))
            return rc;
        o->wb_pver = net->pver;
    }
    float *dx = fast_grad_dst(net, op->in, &add);
    fast_arg b[] = {{DNNL_ARG_DIFF_DST, M_DDST, dy}, {DNNL_ARG_WEIGHTS, mw, w},
                    {DNNL_ARG_DIFF_SRC, M_DSRC, dx}};
    if (!(rc = fast_exec(f, o, o->bwd, b, 3, err)) && add)
        nn_axpy(fast_dact(net, op->in), dx, fast_len(net, op->in, f->n));
    return rc;
}

/* dw, db += the parameter gradients; the input gradient when the input slot wants one. */
static int conv_backward(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    nn_net *net = f->net;
    int rc;
    if ((rc = conv_wgrad(f, o, op, dy, err)))
        return rc;
    if ((rc = fast_reorder(f, o, o->r_dw, M_DW, f->wdw, M_DWP, fast_grad(net, op->p_w), err)))
        return rc;
    if (op->p_b >= 0)
        nn_axpy(fast_grad(net, op->p_b), f->wdb, (size_t)op->g.k);
    if (!net->slots[op->in].needs_grad)
        return MLAC_OK;
    return conv_backward_data(f, o, op, dy, err);
}

const fast_op_kind fast_conv_kind = {conv_plan, conv_forward, conv_backward};
