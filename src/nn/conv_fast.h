/* conv_fast.h — the fast convolution: oneDNN 2.6 primitives behind a per-op plan.
 *
 * Since net_fast.c runs whole networks in blocked layout, this plain-layout convolution is no
 * longer on the training path; it stays as a standalone fast kernel that tests/nn/test_layers.c
 * checks against the naive one. A plan holds, per batch size seen (at most a few: the training batch, the last partial one and
 * the scoring batch), the forward, backward-data and backward-weights primitives over plain NCHW
 * tensors, and their scratch buffers; it is created on first use and reused for every later step.
 * Semantics are those of conv2d_forward_naive / conv2d_backward_naive (backward adds into din,
 * dw, db) — tests/nn/test_layers.c checks fast == naive. oneDNN threads with OpenMP using the
 * calling thread's omp_get_max_threads().
 */
#ifndef MLAC_NN_CONV_FAST_H
#define MLAC_NN_CONV_FAST_H

#include "core/error.h"
#include "nn/layers.h"

struct nn_conv_plan;

/* out (N, K, OH, OW); *plan is created on first call (geometry g, batch g->n). */
int conv_fast_forward(struct nn_conv_plan **plan, float *out, const float *in, const float *w,
                      const float *b, const nn_conv_geom *g, mlac_err *err);
/* din (may be NULL), dw, db (may be NULL) += gradients. */
int conv_fast_backward(struct nn_conv_plan **plan, float *din, float *dw, float *db,
                       const float *dout, const float *in, const float *w, const nn_conv_geom *g,
                       mlac_err *err);
void conv_fast_free(struct nn_conv_plan *plan);

#endif
