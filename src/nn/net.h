/* net.h — a network as a list of layer ops over activation slots, with its memory planned once.
 *
 * A network is built op by op (nn_conv, nn_bn, ...; each returns the slot holding its output),
 * then finished (parameters allocated in ONE block with named pointers into it, gradients in a
 * second, both indexed by nn_param records named like torchvision's state_dict keys), then
 * planned for a maximum batch size: each slot's layout (the fast path keeps convolution outputs
 * in oneDNN's blocked nChw16c, see net_fast.h), activations in one allocation, their gradients
 * in a second where slots whose gradient lifetimes do not overlap share memory, and the values
 * saved for backward. oneDNN primitives, blocked weight copies and the scratchpad are made on a
 * batch size's first step; nothing is allocated per step afterwards.
 *
 * Forward runs the ops in order; backward runs them in reverse and ADDS into parameter gradients
 * (nn_zero_grad clears them, like llm.c). ReLU runs in place on its input's slot (on the fast
 * path fused into the batch norm that produced it). Slot 0 is the input (N, C, H, W, plain); the
 * last op's slot is the output (N, n_out, plain). Batch norm uses batch statistics when `train` is
 * set, running statistics otherwise; dropout is active only when training.
 *
 * Two paths give the same results: the fast one (oneDNN convolutions, Winograd for 3x3 stride 1
 * unless conv_direct is set, and the blocked kernels) and the naive one (net->naive = 1: every
 * layer's _naive reference kernel over plain NCHW), which tests compare. Choose the path before
 * a forward and keep it for the matching backward. In eval mode the fast path folds each batch
 * norm into the convolution before it (weights scaled once per parameter version, the ReLU and a
 * residual add as oneDNN post-ops, see fast_fold.c); a backward after such a forward reruns it
 * unfolded first, so eval-mode gradients keep their meaning.
 *
 * Builders record the first error and turn later calls into no-ops; nn_net_finish reports it.
 * Not thread-safe: one network per thread (kernels inside use OpenMP with the caller's thread
 * count).
 */
#ifndef MLAC_NN_NET_H
#define MLAC_NN_NET_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/rng.h"
#include "nn/layers.h"

#define NN_NAME_MAX 96

enum nn_param_role {
    NN_P_CONV_W, NN_P_CONV_B, NN_P_BN_W, NN_P_BN_B, NN_P_BN_MEAN, NN_P_BN_VAR, NN_P_LIN_W, NN_P_LIN_B
};

typedef struct nn_param {
    char name[NN_NAME_MAX]; /* torchvision state_dict key, e.g. "layer1.0.conv1.weight" */
    int role;               /* enum nn_param_role */
    int ndim;
    int shape[4];
    size_t off;             /* into net->params and net->grads */
    size_t count;
    int trainable;          /* 0 for batch-norm running statistics */
} nn_param;

enum nn_op_kind { NN_CONV, NN_BN, NN_RELU, NN_MAXPOOL, NN_GAP, NN_LINEAR, NN_DROPOUT, NN_ADD };

typedef struct nn_slot {
    int c, h, w;       /* per-sample shape (C, H, W) */
    int blocked;       /* 1: oneDNN nChw16c (C padded to 16), 0: plain NCHW (fast path only) */
    size_t len;        /* floats per sample in its layout: ceil(C/16)*16*H*W or C*H*W */
    size_t off;        /* into acts, for the planned batch: (N, C, H, W) in its layout */
    size_t doff;       /* into dacts (gradients share memory where lifetimes do not overlap) */
    int needs_grad;    /* 0 for the input unless nn_net_want_input_grad */
} nn_slot;

typedef struct nn_op {
    int kind;             /* enum nn_op_kind */
    int in, in2, out;     /* slots; in2 only for add */
    int p_w, p_b;         /* parameters (-1 = none): conv/linear weight, bias; bn gamma, beta */
    int p_mean, p_var;    /* bn running statistics */
    nn_conv_geom g;       /* conv and max-pool geometry (n filled per call) */
    float cap;            /* relu: 0, relu6: 6; bn: the cap of a fused relu */
    int fused;            /* fast path: bn applies the relu that follows it; that relu is skipped */
    float p;              /* dropout probability */
    size_t saved_off;     /* bn: mean, rstd (2C), scale, shift (2 ceil(C/16) 16); dropout: mask
                           * (N, C, H, W) in net->saved */
    size_t idx_off;       /* max pool: argmax (N, C, OH, OW) in net->idx */
} nn_op;

struct nn_fast; /* net_fast.c: oneDNN primitives per batch size */

typedef struct nn_net {
    nn_op *ops;        /* (n_ops,) */
    int n_ops, cap_ops;
    nn_slot *slots;    /* (n_slots,) */
    int n_slots, cap_slots;
    nn_param *pinfo;   /* (n_params,) */
    int n_params, cap_params;
    size_t n_floats;   /* total parameter floats */
    float *params;     /* (n_floats,) one block: weights, biases, running statistics */
    float *grads;      /* (n_floats,) */
    int max_batch;     /* planned batch, 0 until nn_net_plan */
    float *acts;       /* activations of every slot */
    float *dacts;      /* their gradients (lifetime-shared, see nn_net_plan) */
    float *dacts_naive;/* (acts_len,) unshared gradients for the naive path, allocated on use */
    float *scratch;    /* (max slot length,) a gradient that must be added, not written */
    void *dnnl_scratch; /* oneDNN primitives' scratchpad, grown as they are created */
    size_t dnnl_scratch_len;
    double *bn_work;   /* batch-norm partial sums (batchnorm_blocked_work for the widest) */
    float *scratch_small; /* (2 * max channels,) batch-norm / bias gradients before adding */
    float *saved;      /* batch-norm statistics and dropout masks */
    int32_t *idx;      /* max-pool winners (naive path) */
    size_t acts_len, dacts_len, saved_len, idx_len, scratch_len;
    unsigned char *ginit; /* (n_slots,) backward: slot gradient written yet */
    struct nn_fast *fast; /* per-batch-size oneDNN plans (net_fast.c) */
    int last_train;    /* mode of the last forward, which backward differentiates */
    int naive;         /* 1 = run every layer with the plain _naive kernels (reference path) */
    int conv_direct;   /* fast path: 1 = no Winograd (set before the first step of a batch size) */
    int eval_unfolded; /* fast path: 1 = eval forwards run every op (no batch norm folded into the
                        * convolution before it; the reference the folded path is tested against) */
    unsigned long pver; /* parameter version: bumped by every write of params (Adam, init, load,
                         * nn_net_params_changed); the fast path's weight copies carry the version
                         * they were made from */
    unsigned long sver; /* running-statistics version: bumped by every training forward */
    float bn_momentum, bn_eps;
    int failed;        /* first builder error, kept in err */
    mlac_err err;
} nn_net;

/* Creates an empty network with input (c, h, w) in slot 0. */
int nn_net_new(nn_net **out, int c, int h, int w, mlac_err *err);
void nn_net_free(nn_net *net);

/* Builders: return the output slot (or -1 after an error; see nn_net_finish). `name` is the
 * torchvision module path ("features.0.0"); parameters get ".weight", ".bias", ... */
int nn_conv(nn_net *net, int in, int k, int ksize, int stride, int pad, int groups, int bias,
            const char *name);
int nn_bn(nn_net *net, int in, const char *name);
int nn_relu(nn_net *net, int in, float cap);     /* in place; cap 6 = ReLU6 */
int nn_maxpool(nn_net *net, int in, int k, int stride, int pad);
int nn_gap(nn_net *net, int in);                  /* -> (C, 1, 1) */
int nn_linear(nn_net *net, int in, int n_out, const char *name); /* flattens its input */
int nn_dropout(nn_net *net, int in, float p);
int nn_add(nn_net *net, int a, int b);

/* Allocates parameters and gradients (zero); reports a builder error. */
int nn_net_finish(nn_net *net, mlac_err *err);
/* Tells the network its parameters were written directly (net->params): the fast path's cached
 * weight copies (folded batch norm, blocked layouts) are rebuilt on their next use. Adam, the
 * initialiser and the safetensors loader call it themselves. */
void nn_net_params_changed(nn_net *net);
/* PyTorch-style initialisation from r: conv weights N(0, 2/fan_out) (kaiming_normal_, fan_out,
 * as torchvision's resnet and mobilenet), batch norm 1/0/0/1, linear U(+-1/sqrt(fan_in)). */
void nn_net_init_params(nn_net *net, rng *r);
/* Plans layouts and memory for batches up to max_batch (re-plans when it grows). Fails for a
 * linear layer reading a convolution output directly (put a global average pool between). */
int nn_net_plan(nn_net *net, int max_batch, mlac_err *err);
void nn_net_want_input_grad(nn_net *net, int on);

/* x (n, C, H, W) is copied into slot 0; n <= planned batch. */
int nn_forward(nn_net *net, const float *x, int n, int train, rng *r, mlac_err *err);
/* The output (n, n_out) of the last forward. */
const float *nn_output(const nn_net *net);
int nn_out_dim(const nn_net *net);
/* dout (n, n_out) is the loss gradient for the last forward's output; adds into net->grads. */
int nn_backward(nn_net *net, const float *dout, int n, mlac_err *err);
/* The gradient of the input (n, C, H, W) after nn_backward (needs nn_net_want_input_grad);
 * only the first n samples are defined. */
const float *nn_input_grad(const nn_net *net);
void nn_zero_grad(nn_net *net);

int nn_param_find(const nn_net *net, const char *name); /* index or -1 */
size_t nn_trainable_count(const nn_net *net);          /* trainable floats */
/* Forward + backward floating-point operations per sample (2 per multiply-add; backward = 2x). */
double nn_flops_per_sample(const nn_net *net, int train);

#endif
