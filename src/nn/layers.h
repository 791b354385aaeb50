/* layers.h — the CNN engine's layer kernels: one forward/backward pair per layer.
 *
 * Conventions (after llm.c): arguments go outputs, saved values, inputs, weights, then sizes;
 * tensors are float32, NCHW, contiguous; every pointer carries its shape in a comment.
 * Backward functions ADD into their gradient outputs (din, dw, db): callers zero them once per
 * step. A gradient output may be NULL when it is not wanted (the input of the first layer).
 * The `_naive` kernels are the reference: the straight loops of the definitions, checked against
 * PyTorch fixtures (tests/fixtures/gen/nn.py). Fast kernels live beside them (batchnorm_blocked.c;
 * oneDNN convolutions only inside whole networks, net_fast.c and its fast_*.c op files) and are
 * tested against the naive ones. The
 * naive kernels' batch reductions (batch-norm statistics, weight and bias gradients) and the
 * blocked batch norm's are accumulated in double in a fixed order, so they never depend on the
 * thread count (nor do the fast path's convolution weight gradients: fast_conv.c sums fixed
 * slices of the batch, each computed on one thread, in slice order).
 *
 * Reference semantics: torch.nn.Conv2d (zero padding, groups), BatchNorm2d (biased variance for
 * normalisation, unbiased for the running variance, running = (1 - momentum) * running +
 * momentum * batch), MaxPool2d (implicit -inf padding, first maximum wins), Linear (y = x W^T + b),
 * BCEWithLogitsLoss (mean reduction).
 */
#ifndef MLAC_NN_LAYERS_H
#define MLAC_NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/rng.h"

/* Geometry of a 2-d convolution or pooling window. */
typedef struct nn_conv_geom {
    int n, c, h, w;      /* input (N, C, H, W) */
    int k;               /* output channels (conv) */
    int r, s;            /* kernel height, width */
    int stride, pad;     /* same in both directions */
    int groups;          /* conv: C and K divisible by it; groups == C == K is depthwise */
    int oh, ow;          /* output size, filled by nn_conv_geom_finish */
} nn_conv_geom;

/* Fills oh/ow; returns 0, or -1 when the geometry is impossible (empty output, bad groups). */
int nn_conv_geom_finish(nn_conv_geom *g);

/* ---- conv2d: out (N, K, OH, OW) = in (N, C, H, W) * w (K, C/groups, R, S) + b (K) ---------- */
void conv2d_forward_naive(float *out, const float *in, const float *w, const float *b,
                          const nn_conv_geom *g);
/* din (N, C, H, W), dw (K, C/groups, R, S), db (K) += ; each may be NULL. */
void conv2d_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                           const float *w, const nn_conv_geom *g);

/* ---- batch norm over (N, HW) per channel C ------------------------------------------------ */
/* Training: normalises with the batch statistics, saves mean (C) and rstd (C) for backward and
 * updates running_mean / running_var (C) in place (skipped when they are NULL). */
void batchnorm_forward_train(float *out, float *mean, float *rstd, float *running_mean,
                             float *running_var, const float *in, const float *gamma,
                             const float *beta, int n, int c, int hw, float momentum, float eps);
/* Evaluation: normalises with the running statistics. */
void batchnorm_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int n, int c,
                            int hw, float eps);
/* Backward of either mode: training uses the saved mean/rstd of the batch (train = 1), evaluation
 * the running statistics (pass running_mean and rstd computed by batchnorm_eval_rstd). */
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd, const float *gamma,
                        int n, int c, int hw, int train);
/* rstd (C) = 1 / sqrt(running_var + eps). */
void batchnorm_eval_rstd(float *rstd, const float *running_var, int c, float eps);

/* ---- batch norm on oneDNN's blocked layout (N, ceil(C/16), H, W, 16), padding lanes zero --- */
/* Same semantics and double-precision sums as above; `work` holds batchnorm_blocked_work(n, c)
 * doubles; ss (2, ceil(C/16) * 16) receives the per-channel scale and shift the forward applied.
 * relu_cap >= 0 fuses a following in-place ReLU (0) or ReLU6-style clamp (> 0); < 0: none.
 * Backward writes din (add = 0) or adds into it (add = 1); din may be NULL; with relu_cap >= 0
 * dout is the gradient of the ReLU's output and ss must be the forward's. */
size_t batchnorm_blocked_work(int n, int c);
void batchnorm_blocked_forward_train(float *out, float *mean, float *rstd, float *running_mean,
                                     float *running_var, float *ss, double *work, const float *in,
                                     const float *gamma, const float *beta, int n, int c, int hw,
                                     float momentum, float eps, float relu_cap);
void batchnorm_blocked_forward_eval(float *out, float *ss, const float *in, const float *gamma,
                                    const float *beta, const float *running_mean,
                                    const float *running_var, int n, int c, int hw, float eps,
                                    float relu_cap);
void batchnorm_blocked_backward(float *din, float *dgamma, float *dbeta, double *work,
                                const float *dout, const float *in, const float *mean,
                                const float *rstd, const float *gamma, const float *ss, int n,
                                int c, int hw, int train, int add, float relu_cap);

/* ---- elementwise ------------------------------------------------------------------------ */
/* ReLU (cap = 0) or ReLU6 (cap = 6): out (n) may equal in (in place). */
void relu_forward(float *out, const float *in, size_t n, float cap);
/* From the saved output: din += dout * (0 < out < cap). When din == dout (in place) it is
 * overwritten instead: din = dout * mask. */
void relu_backward(float *din, const float *dout, const float *out, size_t n, float cap);
/* out (n) = a + b ; backward da += dout, db += dout (do it with nn_axpy). */
void add_forward(float *out, const float *a, const float *b, size_t n);
/* Residual add fused with the in-place ReLU (cap 0) or ReLU6 (cap 6) that follows it:
 * out = clamp(a + b); backward d = dout * (0 < out < cap), written into da / db (add_a / add_b
 * = 0) or added (1); da or db may be NULL. */
void add_relu_forward(float *out, const float *a, const float *b, size_t n, float cap);
void add_relu_backward(float *da, float *db, const float *dout, const float *out, size_t n,
                       float cap, int add_a, int add_b);
void nn_axpy(float *y, const float *x, size_t n); /* y += x */

/* Dropout: mask (n) in {0, 1/(1-p)} drawn from r; out = in * mask; backward din += dout * mask. */
void dropout_mask(float *mask, size_t n, float p, rng *r);
void dropout_forward(float *out, const float *in, const float *mask, size_t n);
void dropout_backward(float *din, const float *dout, const float *mask, size_t n);
/* The dropout step of a network pass: in training with p > 0 draws mask (n,) from r (required),
 * otherwise sets it to ones; then out = in * mask. */
int dropout_step(float *out, float *mask, const float *in, size_t n, float p, int train, rng *r, mlac_err *err);

/* ---- pooling ----------------------------------------------------------------------------- */
/* Max pool with window r x s (g->r, g->s), g->stride, g->pad (g->k unused, g->groups 1).
 * out (N, C, OH, OW); argmax (N, C, OH, OW) index of the winner inside its (H, W) plane. */
void maxpool_forward(float *out, int32_t *argmax, const float *in, const nn_conv_geom *g);
void maxpool_backward(float *din, const float *dout, const int32_t *argmax, const nn_conv_geom *g);
/* Global average pool: out (N, C) = mean over (H, W) of in (N, C, H, W). */
void avgpool_global_forward(float *out, const float *in, int n, int c, int hw);
void avgpool_global_backward(float *din, const float *dout, int n, int c, int hw);

/* ---- linear: out (N, O) = in (N, I) w^T (O, I) + b (O) ------------------------------------ */
void linear_forward(float *out, const float *in, const float *w, const float *b, int n, int i,
                    int o);
void linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, int n, int i, int o);

/* ---- loss: mean binary cross-entropy of sigmoid(logits) against targets y in [0, 1] -------- */
/* Returns the loss; dlogits (n) = (sigmoid(logit) - y) / n when not NULL (written, not added). */
double bce_logits_forward_backward(float *dlogits, const float *logits, const float *y, int n);

#endif
