/* net_fast.c — running a planned network on oneDNN primitives in blocked layout (see net_fast.h).
 *
 * Invariants: a slot's layout (nn_slot.blocked) never changes after nn_net_plan; blocked slots
 * are nChw16c with the channel padding kept at zero (oneDNN writes zeros there, and the
 * elementwise ops here map zeros to zeros), so elementwise loops run over the padded length.
 * Backward: the first op to produce a slot's gradient writes it, later ones write net->scratch
 * and add (net->ginit tracks which), so gradient buffers never need zeroing.
 * Batch norm runs batchnorm_blocked.c (double sums, thread-count independent) rather than
 * oneDNN's, whose float statistics drift from PyTorch's on small batches.
 * Weight gradients never depend on the thread count: oneDNN splits a backward-weights sum over
 * the threads it sees when the primitive is made, so the minibatch of n is cut into ns slices
 * (the largest divisor of n up to NN_WGRAD_SLICES, whatever the thread count), each slice's
 * gradient is computed by a primitive made for one thread, the slices run in parallel on the
 * team (each with its own memory objects, stream, scratchpad and gradient buffer), and their
 * gradients are summed in slice order.
 * Reference: oneDNN 2.6 C API (convolution, pooling, reorder with a sum post-op for adding
 * weight gradients into the plain parameter-gradient block).
 */
#include "nn/net_fast.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Weight-gradient slices per minibatch: fixed, so the sums never follow the thread count. */
#define NN_WGRAD_SLICES 4

/* A weight-gradient slice's memory objects. */
enum { W_SRC, W_DDST, W_DW, W_DB, W_SP, W_COUNT };

enum { M_SRC, M_DST, M_WP, M_WF, M_WB, M_BIAS, M_DSRC, M_DDST, M_DW, M_DWP, M_DB, M_WS, M_SP0, M_SP1,
       M_SP2, M_COUNT };

typedef struct fast_op {
    dnnl_primitive_t fwd;     /* conv forward; pool forward training */
    dnnl_primitive_t bwd;     /* conv backward data (lazy); pool backward */
    dnnl_primitive_t bwd_w;   /* conv backward weights, one thread, for a slice of n / ns */
    dnnl_primitive_t r_wf, r_wb, r_dw; /* weight reorders: plain -> fwd, plain -> bwd, dw += */
    dnnl_memory_desc_t md[M_COUNT];
    dnnl_memory_t mem[M_COUNT];
    float *wf, *wb, *dw;      /* blocked weights for forward / backward data, blocked dW */
    void *ws;                 /* pooling workspace */
    int wb_from;              /* backward-data weights: M_WF, M_WP (plain params) or M_WB */
    size_t sp[3];             /* scratchpad bytes of fwd, bwd, bwd_w (in net->dnnl_scratch) */
    int wino[3];              /* conv fwd, bwd data, bwd weights run Winograd */
    int ns;                   /* weight-gradient slices of the batch */
    dnnl_memory_desc_t wmd[W_COUNT];                  /* a slice's tensors */
    dnnl_memory_t wmem[NN_WGRAD_SLICES][W_COUNT];     /* per slice */
} fast_op;

typedef struct nn_fast {
    nn_net *net;
    int n;                    /* batch size */
    int n_ops;
    dnnl_stream_t stream;
    fast_op *ops;             /* (n_ops,) */
    int ns;                   /* weight-gradient slices (the largest divisor of n <= 4) */
    dnnl_stream_t wstream[NN_WGRAD_SLICES]; /* one per slice */
    float *wdw;               /* (ns, wdw_len) per-slice blocked weight gradients */
    float *wdb;               /* (ns, wdb_len) per-slice bias gradients */
    char *wsp;                /* (ns, wsp_len) per-slice scratchpads */
    size_t wdw_len, wdb_len, wsp_len;
    struct nn_fast *next;
} nn_fast;

static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static dnnl_primitive_attr_t sp_attr; /* user-managed scratchpad: one buffer per network */

static void engine_init(void)
{
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (engine_status == dnnl_success)
        engine_status = dnnl_primitive_attr_create(&sp_attr);
    if (engine_status == dnnl_success)
        engine_status = dnnl_primitive_attr_set_scratchpad_mode(sp_attr, dnnl_scratchpad_mode_user);
}

/* Records the scratchpad a primitive needs (k: 0 fwd, 1 bwd, 2 bwd_w) after creating it. */
static void note_sp(fast_op *o, int k, const_dnnl_primitive_desc_t pd)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    o->sp[k] = md ? dnnl_memory_desc_get_size(md) : 0;
    if (md && o->sp[k])
        o->md[M_SP0 + k] = *md;
}

static void op_free(fast_op *o)
{
    dnnl_primitive_t prims[] = {o->fwd, o->bwd, o->bwd_w, o->r_wf, o->r_wb, o->r_dw};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    for (int i = 0; i < M_COUNT; i++)
        if (o->mem[i])
            dnnl_memory_destroy(o->mem[i]);
    for (int j = 0; j < NN_WGRAD_SLICES; j++)
        for (int i = 0; i < W_COUNT; i++)
            if (o->wmem[j][i])
                dnnl_memory_destroy(o->wmem[j][i]);
    free(o->wf);
    free(o->wb);
    free(o->ws);
}

void nn_fast_free(nn_fast *f)
{
    while (f) {
        nn_fast *next = f->next;
        for (int i = 0; f->ops && i < f->n_ops; i++)
            op_free(&f->ops[i]);
        free(f->ops);
        if (f->stream)
            dnnl_stream_destroy(f->stream);
        for (int j = 0; j < NN_WGRAD_SLICES; j++)
            if (f->wstream[j])
                dnnl_stream_destroy(f->wstream[j]);
        free(f->wdw);
        free(f->wdb);
        free(f->wsp);
        free(f);
        f = next;
    }
}

/* ---- descriptors ------------------------------------------------------------------------- */

static dnnl_status_t act_md(dnnl_memory_desc_t *md, const nn_slot *s, int n)
{
    dnnl_dims_t d = {n, s->c, s->h, s->w};
    return dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, s->blocked ? dnnl_nChw16c : dnnl_nchw);
}

static dnnl_status_t vec_md(dnnl_memory_desc_t *md, int c)
{
    dnnl_dims_t d = {c};
    return dnnl_memory_desc_init_by_tag(md, 1, d, dnnl_f32, dnnl_x);
}

static dnnl_status_t any_md(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t d)
{
    return dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, dnnl_format_tag_any);
}

/* Conv weights: plain (G)OIHW, as net->params holds them. */
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
        return any_md(md, nd, d);
    return dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, nd == 5 ? dnnl_goihw : dnnl_oihw);
}

static void *alloc_md(const dnnl_memory_desc_t *md)
{
    size_t sz = dnnl_memory_desc_get_size(md);
    return aligned_alloc(64, (sz + 63) & ~(size_t)63);
}

/* Reorder primitive a -> b, adding into b when `sum` is set. */
static dnnl_status_t make_reorder(dnnl_primitive_t *out, const dnnl_memory_desc_t *a,
                                  const dnnl_memory_desc_t *b, int sum)
{
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_success;
    if (sum) {
        if ((st = dnnl_primitive_attr_create(&attr)) || (st = dnnl_post_ops_create(&po)) ||
            (st = dnnl_post_ops_append_sum(po, 1.0f)) ||
            (st = dnnl_primitive_attr_set_post_ops(attr, po)))
            goto out;
    }
    if ((st = dnnl_reorder_primitive_desc_create(&pd, a, engine, b, engine, attr)))
        goto out;
    st = dnnl_primitive_create(out, pd);
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return st;
}

#define TRY(x)                          \
    do {                                \
        if ((st = (x)) != dnnl_success) \
            goto out;                   \
    } while (0)

static const dnnl_memory_desc_t *q(const_dnnl_primitive_desc_t pd, dnnl_query_t what)
{
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

static void pads(const nn_conv_geom *g, dnnl_dims_t strides, dnnl_dims_t pl, dnnl_dims_t pr)
{
    strides[0] = strides[1] = g->stride;
    pl[0] = pl[1] = g->pad;
    /* oneDNN's right padding: whatever makes the output size come out as PyTorch's */
    pr[0] = (g->oh - 1) * g->stride + g->r - g->h - g->pad;
    pr[1] = (g->ow - 1) * g->stride + g->s - g->w - g->pad;
}

static dnnl_status_t conv_desc(dnnl_convolution_desc_t *cd, int kind, const dnnl_memory_desc_t *src,
                               const dnnl_memory_desc_t *dst, const dnnl_memory_desc_t *b,
                               const nn_conv_geom *g, dnnl_alg_kind_t alg)
{
    dnnl_dims_t st_, pl, pr;
    dnnl_memory_desc_t w;
    pads(g, st_, pl, pr);
    conv_w_md(&w, g, 1);
    if (kind == 0)
        return dnnl_convolution_forward_desc_init(cd, dnnl_forward_training, alg, src, &w, b, dst,
                                                  st_, pl, pr);
    if (kind == 1)
        return dnnl_convolution_backward_data_desc_init(cd, alg, src, &w, dst, st_, pl, pr);
    return dnnl_convolution_backward_weights_desc_init(cd, alg, src, &w, b, dst, st_, pl, pr);
}

/* Winograd F(4x4, 3x3) is tried for 3x3 stride-1 convolutions of >= 16 channels unless the
 * network asks for direct convolutions only; oneDNN may still decline it (shape, ISA). */
static int want_winograd(const nn_net *net, const nn_conv_geom *g)
{
    return !net->conv_direct && g->r == 3 && g->s == 3 && g->stride == 1 && g->groups == 1 &&
           g->c >= 16 && g->k >= 16;
}

static int is_winograd(const_dnnl_primitive_desc_t pd)
{
    const char *impl = NULL;
    return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
           impl && strstr(impl, "wino") != NULL;
}

/* The primitive descriptor of pass `kind` (0 forward, 1 backward data, 2 backward weights)
 * over src/dst (bias: its descriptor or NULL): Winograd when wanted and oneDNN implements it
 * (*wino = 1), else direct. */
static dnnl_status_t conv_pd(dnnl_primitive_desc_t *out, int kind, const dnnl_memory_desc_t *src,
                             const dnnl_memory_desc_t *dst, const dnnl_memory_desc_t *bias,
                             const nn_conv_geom *g, int want_wino, int *wino)
{
    dnnl_status_t st = dnnl_unimplemented;
    *out = NULL;
    for (int a = want_wino ? 0 : 1; a < 2; a++) {
        dnnl_alg_kind_t alg = a == 0 ? dnnl_convolution_winograd : dnnl_convolution_direct;
        dnnl_convolution_desc_t cd;
        dnnl_primitive_desc_t hint = NULL;
        if (kind != 0 && (st = conv_desc(&cd, 0, src, dst, bias, g, alg)) == dnnl_success)
            st = dnnl_primitive_desc_create(&hint, &cd, sp_attr, engine, NULL);
        if (kind == 0 || st == dnnl_success)
            st = conv_desc(&cd, kind, src, dst, kind == 1 ? NULL : bias, g, alg);
        if (st == dnnl_success)
            st = dnnl_primitive_desc_create(out, &cd, sp_attr, engine, hint);
        if (hint)
            dnnl_primitive_desc_destroy(hint);
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

static dnnl_status_t plan_conv(fast_op *o, const nn_net *net, const nn_op *op, int n, int ns)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    TRY(act_md(&o->md[M_SRC], &net->slots[op->in], n));
    TRY(act_md(&o->md[M_DST], &net->slots[op->out], n));
    TRY(vec_md(&o->md[M_BIAS], g.k));
    TRY(conv_w_md(&o->md[M_WP], &g, 0));
    o->md[M_DWP] = o->md[M_WP], o->md[M_DB] = o->md[M_BIAS];
    o->md[M_DSRC] = o->md[M_SRC], o->md[M_DDST] = o->md[M_DST];
    int ww = want_winograd(net, &g);
    const dnnl_memory_desc_t *bias = op->p_b >= 0 ? &o->md[M_BIAS] : NULL;
    TRY(conv_pd(&fpd, 0, &o->md[M_SRC], &o->md[M_DST], bias, &g, ww, &o->wino[0]));
    TRY(dnnl_primitive_create(&o->fwd, fpd));
    note_sp(o, 0, fpd);
    o->md[M_WF] = *q(fpd, dnnl_query_weights_md);
    if (!dnnl_memory_desc_equal(&o->md[M_WF], &o->md[M_WP])) {
        if (!(o->wf = alloc_md(&o->md[M_WF]))) {
            st = dnnl_out_of_memory;
            goto out;
        }
        TRY(make_reorder(&o->r_wf, &o->md[M_WP], &o->md[M_WF], 0));
    }
    /* The weight gradient of a slice of the batch, made for one thread (see the top) */
    o->ns = ns;
    g.n = n / ns;
    TRY(act_md(&o->wmd[W_SRC], &net->slots[op->in], g.n));
    TRY(act_md(&o->wmd[W_DDST], &net->slots[op->out], g.n));
    o->wmd[W_DB] = o->md[M_BIAS];
    int team = omp_get_max_threads();
    omp_set_num_threads(1);
    st = conv_pd(&pd, 2, &o->wmd[W_SRC], &o->wmd[W_DDST], bias, &g, ww, &o->wino[2]);
    if (st == dnnl_success)
        st = dnnl_primitive_create(&o->bwd_w, pd);
    omp_set_num_threads(team);
    if (st != dnnl_success)
        goto out;
    const dnnl_memory_desc_t *spmd = q(pd, dnnl_query_scratchpad_md);
    o->sp[2] = spmd ? dnnl_memory_desc_get_size(spmd) : 0;
    if (o->sp[2])
        o->wmd[W_SP] = *spmd;
    o->wmd[W_DW] = o->md[M_DW] = *q(pd, dnnl_query_diff_weights_md);
    for (int j = 0; j < ns; j++)
        for (int i = 0; i < W_COUNT; i++)
            if ((i != W_SP || o->sp[2]) && (i != W_DB || bias))
                TRY(dnnl_memory_create(&o->wmem[j][i], &o->wmd[i], engine, DNNL_MEMORY_NONE));
    TRY(make_reorder(&o->r_dw, &o->md[M_DW], &o->md[M_WP], 1));
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    return st;
}

/* Backward data, created on first use (not needed for the network's first conv unless the
 * input gradient is wanted). */
static dnnl_status_t plan_conv_bwd_data(fast_op *o, const nn_net *net, const nn_op *op, int n)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_primitive_desc_t pd = NULL;
    TRY(conv_pd(&pd, 1, &o->md[M_SRC], &o->md[M_DST], NULL, &g, want_winograd(net, &g), &o->wino[1]));
    TRY(dnnl_primitive_create(&o->bwd, pd));
    note_sp(o, 1, pd);
    o->md[M_WB] = *q(pd, dnnl_query_weights_md);
    if (dnnl_memory_desc_equal(&o->md[M_WB], &o->md[M_WF]))
        o->wb_from = M_WF;
    else if (dnnl_memory_desc_equal(&o->md[M_WB], &o->md[M_WP]))
        o->wb_from = M_WP;
    else {
        o->wb_from = M_WB;
        if (!(o->wb = alloc_md(&o->md[M_WB]))) {
            st = dnnl_out_of_memory;
            goto out;
        }
        TRY(make_reorder(&o->r_wb, &o->md[M_WP], &o->md[M_WB], 0));
    }
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

static dnnl_status_t plan_pool(fast_op *o, const nn_net *net, const nn_op *op, int n)
{
    nn_conv_geom g = op->g;
    g.n = n;
    dnnl_status_t st;
    dnnl_pooling_desc_t pdsc;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_dims_t str, pl, pr, ker = {g.r, g.s};
    pads(&g, str, pl, pr);
    TRY(act_md(&o->md[M_SRC], &net->slots[op->in], n));
    TRY(act_md(&o->md[M_DST], &net->slots[op->out], n));
    o->md[M_DSRC] = o->md[M_SRC], o->md[M_DDST] = o->md[M_DST];
    /* training propagation always: backward after an evaluation forward needs the workspace */
    TRY(dnnl_pooling_forward_desc_init(&pdsc, dnnl_forward_training, dnnl_pooling_max,
                                       &o->md[M_SRC], &o->md[M_DST], str, ker, pl, pr));
    TRY(dnnl_primitive_desc_create(&fpd, &pdsc, sp_attr, engine, NULL));
    TRY(dnnl_primitive_create(&o->fwd, fpd));
    note_sp(o, 0, fpd);
    o->md[M_WS] = *q(fpd, dnnl_query_workspace_md);
    if (!(o->ws = alloc_md(&o->md[M_WS]))) {
        st = dnnl_out_of_memory;
        goto out;
    }
    TRY(dnnl_pooling_backward_desc_init(&pdsc, dnnl_pooling_max, &o->md[M_SRC], &o->md[M_DST], str,
                                        ker, pl, pr));
    TRY(dnnl_primitive_desc_create(&pd, &pdsc, sp_attr, engine, fpd));
    TRY(dnnl_primitive_create(&o->bwd, pd));
    note_sp(o, 1, pd);
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    return st;
}

#undef TRY

/* Grows the network's scratchpad to fit every primitive of o (at planning time only). */
static int grow_scratch(nn_net *net, const fast_op *o)
{
    for (int k = 0; k < 2; k++) /* bwd_w: per-slice scratchpads, see grow_slices */
        if (o->sp[k] > net->dnnl_scratch_len) {
            size_t len = (o->sp[k] + 4095) & ~(size_t)4095;
            void *p = aligned_alloc(64, len);
            if (!p)
                return -1;
            free(net->dnnl_scratch);
            net->dnnl_scratch = p;
            net->dnnl_scratch_len = len;
        }
    return 0;
}

/* The weight-gradient slices of a batch of n: its largest divisor up to NN_WGRAD_SLICES (so
 * every slice has the same size and one primitive serves them all). */
static int wgrad_slices(int n)
{
    int ns = n < NN_WGRAD_SLICES ? n : NN_WGRAD_SLICES;
    while (n % ns)
        ns--;
    return ns;
}

/* The per-slice gradient buffers and scratchpads, sized for the largest convolution. */
static int alloc_slices(nn_fast *f)
{
    size_t dw = 16, db = 16, sp = 64;
    for (int i = 0; i < f->n_ops; i++) {
        const fast_op *o = &f->ops[i];
        if (!o->bwd_w)
            continue;
        size_t a = (dnnl_memory_desc_get_size(&o->wmd[W_DW]) / sizeof(float) + 15) & ~(size_t)15;
        size_t b = ((size_t)o->wmd[W_DB].dims[0] + 15) & ~(size_t)15;
        size_t c = (o->sp[2] + 63) & ~(size_t)63;
        dw = a > dw ? a : dw, db = b > db ? b : db, sp = c > sp ? c : sp;
    }
    f->wdw_len = dw, f->wdb_len = db, f->wsp_len = sp;
    f->wdw = aligned_alloc(64, (size_t)f->ns * dw * sizeof(float));
    f->wdb = aligned_alloc(64, (size_t)f->ns * db * sizeof(float));
    f->wsp = aligned_alloc(64, (size_t)f->ns * sp);
    return f->wdw && f->wdb && f->wsp ? 0 : -1;
}

static nn_fast *fast_get(nn_net *net, int n, mlac_err *err)
{
    for (nn_fast *f = net->fast; f; f = f->next)
        if (f->n == n)
            return f;
    pthread_once(&engine_once, engine_init);
    if (engine_status != dnnl_success) {
        mlac_errf(err, MLAC_EUNAVAIL, "cannot create the oneDNN cpu engine (status %d)",
                  (int)engine_status);
        return NULL;
    }
    nn_fast *f = calloc(1, sizeof *f);
    if (f)
        f->ops = calloc((size_t)net->n_ops, sizeof *f->ops);
    if (!f || !f->ops) {
        free(f);
        mlac_errf(err, MLAC_ENOMEM, "out of memory planning a network for batch %d", n);
        return NULL;
    }
    f->n = n, f->n_ops = net->n_ops, f->net = net;
    f->ns = wgrad_slices(n);
    dnnl_status_t st = dnnl_stream_create(&f->stream, engine, dnnl_stream_default_flags);
    for (int j = 0; j < f->ns && st == dnnl_success; j++)
        st = dnnl_stream_create(&f->wstream[j], engine, dnnl_stream_default_flags);
    int bad = -1;
    for (int i = 0; i < net->n_ops && st == dnnl_success; i++) {
        const nn_op *op = &net->ops[i];
        if (op->kind == NN_CONV)
            st = plan_conv(&f->ops[i], net, op, n, f->ns);
        else if (op->kind == NN_MAXPOOL)
            st = plan_pool(&f->ops[i], net, op, n);
        if (st == dnnl_success && grow_scratch(net, &f->ops[i]))
            st = dnnl_out_of_memory;
        if (st != dnnl_success)
            bad = i;
    }
    if (st == dnnl_success && alloc_slices(f))
        st = dnnl_out_of_memory;
    if (st != dnnl_success) {
        nn_fast_free(f);
        mlac_errf(err, MLAC_EINTERNAL, "oneDNN cannot plan layer %d of a network for batch %d: "
                  "status %d", bad, n, (int)st);
        return NULL;
    }
    f->next = net->fast;
    net->fast = f;
    return f;
}

int nn_fast_winograd_count(const nn_net *net)
{
    int c = 0;
    for (const nn_fast *f = net->fast; f; f = f->next)
        for (int i = 0; i < f->n_ops; i++)
            c += f->ops[i].wino[0] + f->ops[i].wino[1] + f->ops[i].wino[2];
    return c;
}

/* ---- execution --------------------------------------------------------------------------- */

typedef struct arg {
    int dnnl_arg, m;
    void *ptr;
} arg;

static int exec(nn_fast *f, fast_op *o, dnnl_primitive_t prim, const arg *a, int na, mlac_err *err)
{
    dnnl_exec_arg_t ea[9];
    dnnl_status_t st = dnnl_success;
    int k = prim == o->fwd ? 0 : prim == o->bwd ? 1 : prim == o->bwd_w ? 2 : -1;
    arg all[9];
    memcpy(all, a, (size_t)na * sizeof *a);
    if (k >= 0 && o->sp[k])
        all[na++] = (arg){DNNL_ARG_SCRATCHPAD, M_SP0 + k, f->net->dnnl_scratch};
    a = all;
    for (int i = 0; i < na && st == dnnl_success; i++) {
        int m = a[i].m;
        if (!o->mem[m])
            st = dnnl_memory_create(&o->mem[m], &o->md[m], engine, a[i].ptr);
        else
            st = dnnl_memory_set_data_handle(o->mem[m], a[i].ptr);
        ea[i].arg = a[i].dnnl_arg, ea[i].memory = o->mem[m];
    }
    if (st == dnnl_success)
        st = dnnl_primitive_execute(prim, f->stream, na, ea);
    if (st == dnnl_success)
        st = dnnl_stream_wait(f->stream);
    if (st != dnnl_success)
        return mlac_errf(err, MLAC_EINTERNAL, "oneDNN primitive failed: status %d", (int)st);
    return MLAC_OK;
}

/* A reorder between two memory-object slots of o (which must differ). */
static int reorder(nn_fast *f, fast_op *o, dnnl_primitive_t prim, int ms, void *src, int md,
                   void *dst, mlac_err *err)
{
    arg a[] = {{DNNL_ARG_FROM, ms, src}, {DNNL_ARG_TO, md, dst}};
    return exec(f, o, prim, a, 2, err);
}

#define ACT(s) (net->acts + net->slots[s].off)
#define DACT(s) (net->dacts + net->slots[s].doff)
#define PRM(i) (net->params + net->pinfo[i].off)
#define GRD(i) (net->grads + net->pinfo[i].off)
#define LEN(s) ((size_t)n * net->slots[s].len)

static void add_into(float *y, const float *x, size_t len)
{
    nn_axpy(y, x, len);
}

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

int nn_fast_forward(nn_net *net, int n, int train, rng *r, mlac_err *err)
{
    nn_fast *f = fast_get(net, n, err);
    if (!f)
        return err ? err->code : MLAC_EINTERNAL;
    int rc = MLAC_OK;
    for (int i = 0; i < net->n_ops && !rc; i++) {
        nn_op *op = &net->ops[i];
        fast_op *o = &f->ops[i];
        nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
        switch (op->kind) {
        case NN_CONV: {
            void *w = PRM(op->p_w);
            if (o->wf && !(rc = reorder(f, o, o->r_wf, M_WP, w, M_WF, o->wf, err)))
                w = o->wf;
            if (rc)
                break;
            arg a[] = {{DNNL_ARG_SRC, M_SRC, ACT(op->in)}, {DNNL_ARG_WEIGHTS, M_WF, w},
                       {DNNL_ARG_DST, M_DST, ACT(op->out)},
                       {DNNL_ARG_BIAS, M_BIAS, op->p_b >= 0 ? PRM(op->p_b) : NULL}};
            rc = exec(f, o, o->fwd, a, op->p_b >= 0 ? 4 : 3, err);
            break;
        }
        case NN_BN: {
            int c = si->c, hw = si->h * si->w;
            float *mean = net->saved + op->saved_off, *rstd = mean + c;
            float *rm = PRM(op->p_mean), *rv = PRM(op->p_var);
            if (!train) { /* keep what backward needs: running mean, 1/sqrt(running_var + eps) */
                memcpy(mean, rm, (size_t)c * sizeof(float));
                batchnorm_eval_rstd(rstd, rv, c, net->bn_eps);
            }
            float *ss = rstd + c, cap = op->fused ? op->cap : -1.0f;
            if (si->blocked && train)
                batchnorm_blocked_forward_train(ACT(op->out), mean, rstd, rm, rv, ss, net->bn_work,
                                                ACT(op->in), PRM(op->p_w), PRM(op->p_b), n, c, hw,
                                                net->bn_momentum, net->bn_eps, cap);
            else if (si->blocked)
                batchnorm_blocked_forward_eval(ACT(op->out), ss, ACT(op->in), PRM(op->p_w),
                                               PRM(op->p_b), rm, rv, n, c, hw, net->bn_eps, cap);
            else if (train)
                batchnorm_forward_train(ACT(op->out), mean, rstd, rm, rv, ACT(op->in), PRM(op->p_w),
                                        PRM(op->p_b), n, c, hw, net->bn_momentum, net->bn_eps);
            else
                batchnorm_forward_eval(ACT(op->out), ACT(op->in), PRM(op->p_w), PRM(op->p_b), rm,
                                       rv, n, c, hw, net->bn_eps);
            break;
        }
        case NN_RELU:
            if (!op->fused)
                relu_forward(ACT(op->out), ACT(op->in), LEN(op->in), op->cap);
            break;
        case NN_MAXPOOL: {
            arg a[] = {{DNNL_ARG_SRC, M_SRC, ACT(op->in)}, {DNNL_ARG_DST, M_DST, ACT(op->out)},
                       {DNNL_ARG_WORKSPACE, M_WS, o->ws}};
            rc = exec(f, o, o->fwd, a, 3, err);
            break;
        }
        case NN_GAP:
            if (si->blocked)
                gap_blocked_forward(ACT(op->out), ACT(op->in), n, si->c, si->h * si->w);
            else
                avgpool_global_forward(ACT(op->out), ACT(op->in), n, si->c, si->h * si->w);
            break;
        case NN_LINEAR:
            linear_forward(ACT(op->out), ACT(op->in), PRM(op->p_w), PRM(op->p_b), n,
                           si->c * si->h * si->w, so->c);
            break;
        case NN_DROPOUT: {
            int rc = dropout_step(ACT(op->out), net->saved + op->saved_off, ACT(op->in), LEN(op->in), op->p, train, r,
                                  err);
            if (rc)
                return rc;
            break;
        }
        case NN_ADD:
            if (op->fused)
                add_relu_forward(ACT(op->out), ACT(op->in), ACT(op->in2), LEN(op->in), op->cap);
            else
                add_forward(ACT(op->out), ACT(op->in), ACT(op->in2), LEN(op->in));
            break;
        }
    }
    return rc;
}

/* Where an op writes slot s's gradient: the slot itself the first time (*add = 0), else the
 * scratch buffer, to be added afterwards (*add = 1). */
static float *grad_dst(nn_net *net, int s, int *add)
{
    if (!net->ginit[s]) {
        net->ginit[s] = 1;
        *add = 0;
        return DACT(s);
    }
    *add = 1;
    return net->scratch;
}

/* For kernels that add into their gradient: zero the slot first if nothing wrote it yet. */
static float *grad_acc(nn_net *net, int s, int n)
{
    if (!net->ginit[s]) {
        net->ginit[s] = 1;
        memset(DACT(s), 0, LEN(s) * sizeof(float));
    }
    return DACT(s);
}

/* One slice's weight (and bias) gradient into its own buffers, on the calling thread. */
static dnnl_status_t wgrad_slice(nn_fast *f, fast_op *o, const nn_op *op, const float *dy, int j)
{
    nn_net *net = f->net;
    size_t nb = (size_t)(f->n / o->ns);
    void *ptr[W_COUNT] = {ACT(op->in) + j * nb * net->slots[op->in].len,
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

/* The convolution's weight gradient of the batch into slice 0's buffers (f->wdw, f->wdb): the
 * slices run in parallel, each on one thread, and are summed in slice order — the same
 * floating-point operations for any thread count. */
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

int nn_fast_backward(nn_net *net, const float *dout, int n, mlac_err *err)
{
    nn_fast *f = fast_get(net, n, err);
    if (!f)
        return err ? err->code : MLAC_EINTERNAL;
    memset(net->ginit, 0, (size_t)net->n_slots);
    int last = net->ops[net->n_ops - 1].out;
    memcpy(DACT(last), dout, LEN(last) * sizeof(float));
    net->ginit[last] = 1;
    int rc = MLAC_OK;
    for (int i = net->n_ops - 1; i >= 0 && !rc; i--) {
        nn_op *op = &net->ops[i];
        fast_op *o = &f->ops[i];
        nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
        int want = si->needs_grad, add = 0;
        float *dy = grad_acc(net, op->out, n); /* zero if no consumer wrote it (dead branch) */
        switch (op->kind) {
        case NN_CONV: {
            if ((rc = conv_wgrad(f, o, op, dy, err)))
                break;
            if ((rc = reorder(f, o, o->r_dw, M_DW, f->wdw, M_DWP, GRD(op->p_w), err)))
                break;
            if (op->p_b >= 0)
                add_into(GRD(op->p_b), f->wdb, (size_t)op->g.k);
            if (!want)
                break;
            if (!o->bwd) {
                dnnl_status_t st = plan_conv_bwd_data(o, net, op, n);
                if (st == dnnl_success && grow_scratch(net, o))
                    st = dnnl_out_of_memory;
                if (st != dnnl_success) {
                    rc = mlac_errf(err, MLAC_EINTERNAL, "oneDNN cannot plan a convolution's "
                                   "backward data: status %d", (int)st);
                    break;
                }
            }
            int mw = o->wb_from;
            void *w = mw == M_WB ? (void *)o->wb : mw == M_WF && o->wf ? (void *)o->wf
                                                                        : (void *)PRM(op->p_w);
            if (mw == M_WB && (rc = reorder(f, o, o->r_wb, M_WP, PRM(op->p_w), M_WB, o->wb, err)))
                break;
            float *dx = grad_dst(net, op->in, &add);
            arg b[] = {{DNNL_ARG_DIFF_DST, M_DDST, dy}, {DNNL_ARG_WEIGHTS, mw, w},
                       {DNNL_ARG_DIFF_SRC, M_DSRC, dx}};
            if (!(rc = exec(f, o, o->bwd, b, 3, err)) && add)
                add_into(DACT(op->in), dx, LEN(op->in));
            break;
        }
        case NN_BN: {
            int c = si->c, hw = si->h * si->w;
            const float *mean = net->saved + op->saved_off, *rstd = mean + c;
            if (si->blocked) {
                add = net->ginit[op->in];
                if (want)
                    net->ginit[op->in] = 1;
                batchnorm_blocked_backward(want ? DACT(op->in) : NULL, GRD(op->p_w), GRD(op->p_b),
                                           net->bn_work, dy, ACT(op->in), mean, rstd,
                                           PRM(op->p_w), rstd + c, n, c, hw, net->last_train, add,
                                           op->fused ? op->cap : -1.0f);
            } else {
                batchnorm_backward(want ? grad_acc(net, op->in, n) : NULL, GRD(op->p_w),
                                   GRD(op->p_b), dy, ACT(op->in), mean, rstd, PRM(op->p_w), n, c,
                                   hw, net->last_train);
            }
            break;
        }
        case NN_RELU:
            if (!op->fused)
                relu_backward(DACT(op->in), dy, ACT(op->out), LEN(op->in), op->cap);
            break;
        case NN_MAXPOOL: {
            if (!want)
                break;
            float *dx = grad_dst(net, op->in, &add);
            arg a[] = {{DNNL_ARG_DIFF_DST, M_DDST, dy}, {DNNL_ARG_WORKSPACE, M_WS, o->ws},
                       {DNNL_ARG_DIFF_SRC, M_DSRC, dx}};
            if (!(rc = exec(f, o, o->bwd, a, 3, err)) && add)
                add_into(DACT(op->in), dx, LEN(op->in));
            break;
        }
        case NN_GAP:
            if (!want)
                break;
            if (si->blocked) {
                int first = !net->ginit[op->in];
                net->ginit[op->in] = 1;
                gap_blocked_backward(DACT(op->in), dy, n, si->c, si->h * si->w, !first);
            } else {
                avgpool_global_backward(grad_acc(net, op->in, n), dy, n, si->c, si->h * si->w);
            }
            break;
        case NN_LINEAR:
            linear_backward(want ? grad_acc(net, op->in, n) : NULL, GRD(op->p_w), GRD(op->p_b),
                            dy, ACT(op->in), PRM(op->p_w), n, si->c * si->h * si->w, so->c);
            break;
        case NN_DROPOUT:
            if (want)
                dropout_backward(grad_acc(net, op->in, n), dy, net->saved + op->saved_off,
                                 LEN(op->in));
            break;
        case NN_ADD:
            if (op->fused) { /* the ReLU's mask from the add's (clamped) output */
                int wa = want, wb = net->slots[op->in2].needs_grad && op->in2 != op->in;
                int aa = wa && net->ginit[op->in], ab = wb && net->ginit[op->in2];
                if (wa)
                    net->ginit[op->in] = 1;
                if (wb)
                    net->ginit[op->in2] = 1;
                add_relu_backward(wa ? DACT(op->in) : NULL, wb ? DACT(op->in2) : NULL, dy,
                                  ACT(op->out), LEN(op->in), op->cap, aa, ab);
                if (op->in2 == op->in && want) /* x + x: the gradient twice */
                    add_relu_backward(DACT(op->in), NULL, dy, ACT(op->out), LEN(op->in), op->cap,
                                      1, 0);
                break;
            }
            if (want) {
                float *d = grad_dst(net, op->in, &add);
                if (add)
                    add_into(DACT(op->in), dy, LEN(op->in));
                else
                    memcpy(d, dy, LEN(op->in) * sizeof(float));
            }
            if (net->slots[op->in2].needs_grad) {
                float *d = grad_dst(net, op->in2, &add);
                if (add)
                    add_into(DACT(op->in2), dy, LEN(op->in2));
                else
                    memcpy(d, dy, LEN(op->in2) * sizeof(float));
            }
            break;
        }
    }
    return rc;
}
