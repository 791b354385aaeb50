/* fast_linear.c — the fast path's linear op: out (N, O) = in (N, I) w^T + b on linear.c's
 * kernels (OpenBLAS); its input is always plain (nn_net_plan refuses a blocked one).
 */
#include "nn/fast_op.h"

static int linear_forward_op(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r,
                             mlac_err *err)
{
    (void)o, (void)train, (void)r, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
    linear_forward(fast_act(net, op->out), fast_act(net, op->in), fast_param(net, op->p_w),
                   fast_param(net, op->p_b), f->n, si->c * si->h * si->w, so->c);
    return MLAC_OK;
}

static int linear_backward_op(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    nn_net *net = f->net;
    const nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
    linear_backward(si->needs_grad ? fast_grad_acc(net, op->in, f->n) : NULL,
                    fast_grad(net, op->p_w), fast_grad(net, op->p_b), dy, fast_act(net, op->in),
                    fast_param(net, op->p_w), f->n, si->c * si->h * si->w, so->c);
    return MLAC_OK;
}

const fast_op_kind fast_linear_kind = {NULL, linear_forward_op, linear_backward_op};
