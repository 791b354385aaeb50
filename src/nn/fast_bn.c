/* fast_bn.c — the fast path's batch-norm op: forward (batch or running statistics) and backward,
 * on the blocked kernels of batchnorm_blocked.c for nChw16c slots (with the following ReLU
 * fused when nn_net_plan fused it) and the plain kernels of batchnorm.c otherwise.
 *
 * Not oneDNN's batch norm: its float statistics drift from PyTorch's on small batches; these
 * sum in double and never depend on the thread count. Saved for backward in net->saved at
 * op->saved_off: mean (C), rstd (C), then the blocked kernels' scale and shift.
 */
#include "nn/fast_op.h"

#include <string.h>

static int bn_forward(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r, mlac_err *err)
{
    (void)o, (void)r, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in];
    int n = f->n, c = si->c, hw = si->h * si->w;
    float *mean = net->saved + op->saved_off, *rstd = mean + c;
    float *rm = fast_param(net, op->p_mean), *rv = fast_param(net, op->p_var);
    float *out = fast_act(net, op->out), *in = fast_act(net, op->in);
    float *gamma = fast_param(net, op->p_w), *beta = fast_param(net, op->p_b);
    if (!train) { /* keep what backward needs: running mean, 1/sqrt(running_var + eps) */
        memcpy(mean, rm, (size_t)c * sizeof(float));
        batchnorm_eval_rstd(rstd, rv, c, net->bn_eps);
    }
    float *ss = rstd + c, cap = op->fused ? op->cap : -1.0f;
    if (si->blocked && train)
        batchnorm_blocked_forward_train(out, mean, rstd, rm, rv, ss, net->bn_work, in, gamma, beta,
                                        n, c, hw, net->bn_momentum, net->bn_eps, cap);
    else if (si->blocked)
        batchnorm_blocked_forward_eval(out, ss, in, gamma, beta, rm, rv, n, c, hw, net->bn_eps,
                                       cap);
    else if (train)
        batchnorm_forward_train(out, mean, rstd, rm, rv, in, gamma, beta, n, c, hw,
                                net->bn_momentum, net->bn_eps);
    else
        batchnorm_forward_eval(out, in, gamma, beta, rm, rv, n, c, hw, net->bn_eps);
    return MLAC_OK;
}

static int bn_backward(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in];
    int n = f->n, c = si->c, hw = si->h * si->w, want = si->needs_grad;
    const float *mean = net->saved + op->saved_off, *rstd = mean + c;
    float *dgamma = fast_grad(net, op->p_w), *dbeta = fast_grad(net, op->p_b);
    const float *in = fast_act(net, op->in), *gamma = fast_param(net, op->p_w);
    if (si->blocked) {
        int add = net->ginit[op->in];
        if (want)
            net->ginit[op->in] = 1;
        batchnorm_blocked_backward(want ? fast_dact(net, op->in) : NULL, dgamma, dbeta,
                                   net->bn_work, dy, in, mean, rstd, gamma, rstd + c, n, c, hw,
                                   net->last_train, add, op->fused ? op->cap : -1.0f);
    } else {
        batchnorm_backward(want ? fast_grad_acc(net, op->in, n) : NULL, dgamma, dbeta, dy, in,
                           mean, rstd, gamma, n, c, hw, net->last_train);
    }
    return MLAC_OK;
}

const fast_op_kind fast_bn_kind = {NULL, bn_forward, bn_backward};
