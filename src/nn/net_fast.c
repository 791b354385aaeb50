/* net_fast.c — running a planned network on oneDNN primitives in blocked layout (see net_fast.h):
 * the dispatch table of op kinds, a batch size's plan (made on its first step, kept in a list on
 * the network) and the forward and backward interpreter loops. Each op's plan, forward and
 * backward live together in its own file (fast_conv.c, fast_bn.c, fast_pool.c, fast_linear.c,
 * fast_eltwise.c); what they share is fast_dnnl.c (one oneDNN engine for the process).
 *
 * Invariants: a slot's layout (nn_slot.blocked) never changes after nn_net_plan; blocked slots
 * are nChw16c with the channel padding kept at zero (oneDNN writes zeros there, and the
 * elementwise ops map zeros to zeros), so elementwise loops run over the padded length.
 * Backward: the first op to produce a slot's gradient writes it, later ones write net->scratch
 * and add (net->ginit tracks which), so gradient buffers never need zeroing.
 * Weight gradients never depend on the thread count: the minibatch of n is cut into ns slices
 * (the largest divisor of n up to NN_WGRAD_SLICES, whatever the thread count; see fast_conv.c).
 * Reference: oneDNN 2.6 C API.
 */
#include "nn/net_fast.h"

#include <stdlib.h>
#include <string.h>

#include "nn/fast_op.h"

/* Indexed by enum nn_op_kind. */
static const fast_op_kind *const op_kinds[] = {
    [NN_CONV] = &fast_conv_kind,       [NN_BN] = &fast_bn_kind,
    [NN_RELU] = &fast_relu_kind,       [NN_MAXPOOL] = &fast_maxpool_kind,
    [NN_GAP] = &fast_gap_kind,         [NN_LINEAR] = &fast_linear_kind,
    [NN_DROPOUT] = &fast_dropout_kind, [NN_ADD] = &fast_add_kind,
};

static void op_free(fast_op *o)
{
    dnnl_primitive_t prims[] = {o->fwd, o->bwd, o->bwd_w, o->r_wf, o->r_wb, o->r_dw, o->inf,
                                o->r_wi};
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
    free(o->wi);
    free(o->bi);
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
        free(f->fold_tmp);
        free(f);
        f = next;
    }
}

/* ---- planning ---------------------------------------------------------------------------- */

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

/* Streams, every op's plan and the slice buffers of f; *bad: the op that failed (or -1). */
static dnnl_status_t plan_ops(nn_fast *f, dnnl_engine_t engine, int *bad)
{
    nn_net *net = f->net;
    dnnl_status_t st = dnnl_stream_create(&f->stream, engine, dnnl_stream_default_flags);
    for (int j = 0; j < f->ns && st == dnnl_success; j++)
        st = dnnl_stream_create(&f->wstream[j], engine, dnnl_stream_default_flags);
    *bad = -1;
    for (int i = 0; i < net->n_ops && st == dnnl_success; i++) {
        const nn_op *op = &net->ops[i];
        const fast_op_kind *k = op_kinds[op->kind];
        if (k->plan)
            st = k->plan(&f->ops[i], net, op, f->n, f->ns);
        if (st == dnnl_success && fast_grow_scratch(net, &f->ops[i]))
            st = dnnl_out_of_memory;
        if (st != dnnl_success)
            *bad = i;
    }
    if (st == dnnl_success && alloc_slices(f))
        st = dnnl_out_of_memory;
    if (st == dnnl_success)
        st = fast_fold_plan(f, bad);
    return st;
}

/* The plan for batch size n: found in net->fast or made now and added there. */
static nn_fast *fast_get(nn_net *net, int n, mlac_err *err)
{
    for (nn_fast *f = net->fast; f; f = f->next)
        if (f->n == n)
            return f;
    dnnl_engine_t engine = fast_engine(err);
    if (!engine)
        return NULL;
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
    int bad;
    dnnl_status_t st = plan_ops(f, engine, &bad);
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
            c += f->ops[i].wino[0] + f->ops[i].wino[1] + f->ops[i].wino[2] + f->ops[i].wino[3];
    return c;
}

int nn_fast_folded_count(const nn_net *net, int n, int *adds)
{
    int c = 0, a = 0;
    for (const nn_fast *f = net->fast; f; f = f->next)
        if (f->n == n)
            for (int i = 0; i < f->n_ops; i++) {
                c += f->ops[i].inf != NULL;
                a += f->ops[i].inf && f->ops[i].inf_add >= 0;
            }
    if (adds)
        *adds = a;
    return c;
}

/* ---- the interpreter loops --------------------------------------------------------------- */

/* Every op in order; folded (eval only): a conv that absorbed the batch norm after it (and maybe
 * a residual add) runs its inference primitive, and the ops it absorbed are skipped. */
static int run_forward(nn_fast *f, int train, int fold, rng *r, mlac_err *err)
{
    nn_net *net = f->net;
    int rc = MLAC_OK;
    f->last_folded = 0;
    for (int i = 0; i < net->n_ops && !rc; i++) {
        fast_op *o = &f->ops[i];
        const nn_op *op = &net->ops[i];
        if (fold && o->eval_skip)
            continue;
        rc = fold && o->inf ? fast_conv_forward_inf(f, o, op, err)
                            : op_kinds[op->kind]->forward(f, o, op, train, r, err);
    }
    f->last_folded = fold && !rc;
    return rc;
}

int nn_fast_forward(nn_net *net, int n, int train, rng *r, mlac_err *err)
{
    nn_fast *f = fast_get(net, n, err);
    if (!f)
        return err ? err->code : MLAC_EINTERNAL;
    return run_forward(f, train, !train && !net->eval_unfolded, r, err);
}

int nn_fast_backward(nn_net *net, const float *dout, int n, mlac_err *err)
{
    nn_fast *f = fast_get(net, n, err);
    if (!f)
        return err ? err->code : MLAC_EINTERNAL;
    int rc = MLAC_OK;
    /* a folded forward left the convolutions' own outputs unwritten: rerun it in full */
    if (f->last_folded && (rc = run_forward(f, 0, 0, NULL, err)))
        return rc;
    memset(net->ginit, 0, (size_t)net->n_slots);
    int last = net->ops[net->n_ops - 1].out;
    memcpy(fast_dact(net, last), dout, fast_len(net, last, n) * sizeof(float));
    net->ginit[last] = 1;
    for (int i = net->n_ops - 1; i >= 0 && !rc; i--) {
        const nn_op *op = &net->ops[i];
        float *dy = fast_grad_acc(net, op->out, n); /* zero if no consumer wrote it (dead branch) */
        rc = op_kinds[op->kind]->backward(f, &f->ops[i], op, dy, err);
    }
    return rc;
}
