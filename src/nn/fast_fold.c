/* fast_fold.c — batch norm folded into the convolution before it, for the fast path's eval
 * forward: which convolutions can absorb what (planned once per batch size), and the folded
 * weights (made once per parameter version).
 *
 * In eval mode a batch norm is the affine map y = x * scale + shift per channel, with
 * scale = gamma / sqrt(running_var + eps) and shift = beta - running_mean * scale (batchnorm.c),
 * so conv -> BN is one convolution with weights w * scale (per output channel) and bias
 * shift + b * scale. A conv absorbs the batch norm that is the only reader of its output; the
 * ReLU / ReLU6 that batch norm fused becomes an eltwise post-op; and when the batch norm's output
 * is read only by a residual add whose other input is complete before the conv runs, the add
 * (and the ReLU fused into it) become a binary-add + eltwise post-op where oneDNN implements that
 * for the convolution's algorithm (Winograd's kernel does not: there the add stays an op).
 * Absorbed ops are skipped in a folded forward (fast_op.eval_skip); the convolution's own output
 * slot and the batch norm's (when the add is absorbed) are then left unwritten, so a backward
 * after a folded forward reruns it unfolded (net_fast.c).
 * Invariant: wi/bi are current iff (wi_pver, wi_sver) equal the network's (pver, sver); a
 * training forward moves the running statistics and bumps sver, Adam and every direct write
 * bump pver (nn_net_params_changed).
 */
#include "nn/fast_op.h"

#include <math.h>
#include <stdlib.h>

/* The one op reading slot s (as either input), or -1 when none or several do. */
static int sole_reader(const nn_net *net, int s)
{
    int who = -1;
    for (int i = 0; i < net->n_ops; i++) {
        const nn_op *op = &net->ops[i];
        int reads = (op->in == s) + (op->in2 == s);
        if (reads && (who >= 0 || reads > 1))
            return -1;
        if (reads)
            who = i;
    }
    return who;
}

/* Every op writing slot s comes before op i (the network input has no writer). */
static int written_before(const nn_net *net, int s, int i)
{
    for (int j = i; j < net->n_ops; j++)
        if (net->ops[j].out == s)
            return 0;
    return 1;
}

/* Plans conv i's folded forward when a batch norm is its output's only reader; leaves it
 * unfolded when oneDNN has no primitive for it (only running out of memory is an error). */
static dnnl_status_t fold_conv(nn_fast *f, int i, size_t *tmp)
{
    nn_net *net = f->net;
    const nn_op *op = &net->ops[i];
    fast_op *o = &f->ops[i];
    int j = sole_reader(net, op->out);
    if (j < 0 || net->ops[j].kind != NN_BN)
        return dnnl_success;
    const nn_op *bn = &net->ops[j];
    float cap = bn->fused ? bn->cap : -1.0f;
    int d = cap < 0 ? sole_reader(net, bn->out) : -1, add = -1, fused = 0;
    const nn_op *ad = d >= 0 ? &net->ops[d] : NULL;
    if (ad && ad->kind == NN_ADD) {
        int q = ad->in == bn->out ? ad->in2 : ad->in;
        if (written_before(net, q, i))
            add = q;
    }
    dnnl_status_t st = fast_conv_plan_inf(o, net, op, f->n, add, add >= 0 && ad->fused ? ad->cap
                                                                                         : -1.0f,
                                          cap, &fused);
    if (st == dnnl_out_of_memory || (st == dnnl_success && fast_grow_scratch(net, o)))
        return dnnl_out_of_memory;
    if (st != dnnl_success) { /* no folded primitive: run this conv and its batch norm as ops */
        if (o->inf)
            dnnl_primitive_destroy(o->inf);
        o->inf = NULL;
        return dnnl_success;
    }
    o->fold_bn = j;
    f->ops[j].eval_skip = 1;
    o->inf_out = fused ? ad->out : bn->out;
    o->inf_add = fused ? add : -1;
    if (fused)
        f->ops[d].eval_skip = 1;
    if (net->pinfo[op->p_w].count > *tmp)
        *tmp = net->pinfo[op->p_w].count;
    return dnnl_success;
}

dnnl_status_t fast_fold_plan(nn_fast *f, int *bad)
{
    nn_net *net = f->net;
    size_t tmp = 16;
    for (int i = 0; i < f->n_ops; i++)
        f->ops[i].fold_bn = f->ops[i].inf_out = f->ops[i].inf_add = -1;
    for (int i = 0; i < f->n_ops; i++) {
        if (net->ops[i].kind != NN_CONV)
            continue;
        dnnl_status_t st = fold_conv(f, i, &tmp);
        if (st != dnnl_success) {
            *bad = i;
            return st;
        }
    }
    f->fold_tmp = aligned_alloc(64, ((tmp + 15) & ~(size_t)15) * sizeof(float));
    return f->fold_tmp ? dnnl_success : dnnl_out_of_memory;
}

int fast_fold_weights(nn_fast *f, fast_op *o, const nn_op *op, mlac_err *err)
{
    nn_net *net = f->net;
    if (o->wi_pver == net->pver && o->wi_sver == net->sver)
        return MLAC_OK;
    const nn_op *bn = &net->ops[o->fold_bn];
    int k = op->g.k;
    size_t per = net->pinfo[op->p_w].count / (size_t)k; /* (G)OIHW: output channel-major */
    const float *w = fast_param(net, op->p_w), *b = op->p_b >= 0 ? fast_param(net, op->p_b) : NULL;
    const float *gamma = fast_param(net, bn->p_w), *beta = fast_param(net, bn->p_b);
    const float *mean = fast_param(net, bn->p_mean), *var = fast_param(net, bn->p_var);
    float *dst = o->r_wi ? f->fold_tmp : o->wi, *bias = o->bi;
    double eps = net->bn_eps;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < k; c++) {
        /* as batchnorm_blocked_forward_eval: rstd in double, the scale rounded to float */
        double rs = 1.0 / sqrt((double)var[c] + eps);
        float scale = (float)(rs * gamma[c]);
        const float *wc = w + (size_t)c * per;
        float *dc = dst + (size_t)c * per;
        for (size_t j = 0; j < per; j++)
            dc[j] = wc[j] * scale;
        bias[c] = (float)(beta[c] + ((b ? (double)b[c] : 0.0) - mean[c]) * rs * gamma[c]);
    }
    int rc;
    if (o->r_wi && (rc = fast_reorder(f, o, o->r_wi, M_WP, f->fold_tmp, M_WI, o->wi, err)))
        return rc;
    o->wi_pver = net->pver, o->wi_sver = net->sver;
    return MLAC_OK;
}
