/* fast_eltwise.c — the fast path's elementwise ops: ReLU (in place; skipped when nn_net_plan
 * fused it into the batch norm or residual add before it), dropout and the residual add (with
 * its fused ReLU). They run over a slot's whole length, blocked channel padding included: they
 * map the padding's zeros to zeros.
 */
#include "nn/fast_op.h"

#include <string.h>

static int relu_forward_op(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r,
                           mlac_err *err)
{
    (void)o, (void)train, (void)r, (void)err;
    if (!op->fused)
        relu_forward(fast_act(f->net, op->out), fast_act(f->net, op->in),
                     fast_len(f->net, op->in, f->n), op->cap);
    return MLAC_OK;
}

static int relu_backward_op(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    if (!op->fused)
        relu_backward(fast_dact(f->net, op->in), dy, fast_act(f->net, op->out),
                      fast_len(f->net, op->in, f->n), op->cap);
    return MLAC_OK;
}

const fast_op_kind fast_relu_kind = {NULL, relu_forward_op, relu_backward_op};

/* ---- dropout: the mask (N, C, H, W) in net->saved at op->saved_off ------------------------ */

static int dropout_forward_op(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r,
                              mlac_err *err)
{
    (void)o;
    nn_net *net = f->net;
    return dropout_step(fast_act(net, op->out), net->saved + op->saved_off, fast_act(net, op->in),
                        fast_len(net, op->in, f->n), op->p, train, r, err);
}

static int dropout_backward_op(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    nn_net *net = f->net;
    if (net->slots[op->in].needs_grad)
        dropout_backward(fast_grad_acc(net, op->in, f->n), dy, net->saved + op->saved_off,
                         fast_len(net, op->in, f->n));
    return MLAC_OK;
}

const fast_op_kind fast_dropout_kind = {NULL, dropout_forward_op, dropout_backward_op};

/* ---- residual add ------------------------------------------------------------------------ */

static int add_forward_op(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r,
                          mlac_err *err)
{
    (void)o, (void)train, (void)r, (void)err;
    nn_net *net = f->net;
    float *out = fast_act(net, op->out), *a = fast_act(net, op->in), *b = fast_act(net, op->in2);
    if (op->fused)
        add_relu_forward(out, a, b, fast_len(net, op->in, f->n), op->cap);
    else
        add_forward(out, a, b, fast_len(net, op->in, f->n));
    return MLAC_OK;
}

/* The fused add + ReLU: the ReLU's mask from the add's (clamped) output. */
static void add_relu_backward_op(nn_net *net, const nn_op *op, const float *dy, size_t len)
{
    int wa = net->slots[op->in].needs_grad;
    int wb = net->slots[op->in2].needs_grad && op->in2 != op->in;
    int aa = wa && net->ginit[op->in], ab = wb && net->ginit[op->in2];
    if (wa)
        net->ginit[op->in] = 1;
    if (wb)
        net->ginit[op->in2] = 1;
    add_relu_backward(wa ? fast_dact(net, op->in) : NULL, wb ? fast_dact(net, op->in2) : NULL, dy,
                      fast_act(net, op->out), len, op->cap, aa, ab);
    if (op->in2 == op->in && wa) /* x + x: the gradient twice */
        add_relu_backward(fast_dact(net, op->in), NULL, dy, fast_act(net, op->out), len, op->cap,
                          1, 0);
}

/* Slot s's gradient = or += dy. */
static void pass_gradient(nn_net *net, int s, const float *dy, size_t len)
{
    int add = 0;
    float *d = fast_grad_dst(net, s, &add);
    if (add)
        nn_axpy(fast_dact(net, s), dy, len);
    else
        memcpy(d, dy, len * sizeof(float));
}

static int add_backward_op(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err)
{
    (void)o, (void)err;
    nn_net *net = f->net;
    if (op->fused) {
        add_relu_backward_op(net, op, dy, fast_len(net, op->in, f->n));
        return MLAC_OK;
    }
    if (net->slots[op->in].needs_grad)
        pass_gradient(net, op->in, dy, fast_len(net, op->in, f->n));
    if (net->slots[op->in2].needs_grad)
        pass_gradient(net, op->in2, dy, fast_len(net, op->in2, f->n));
    return MLAC_OK;
}

const fast_op_kind fast_add_kind = {NULL, add_forward_op, add_backward_op};
