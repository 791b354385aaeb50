/* net_fast.h — the fast path of net.c: a planned network run on oneDNN 2.6 primitives with the
 * activations kept in the blocked layout the AVX-512 kernels want (nChw16c) between layers.
 *
 * Internal to src/nn: net.c decides each slot's layout and memory (nn_net_plan) and calls these
 * for forward/backward unless net->naive is set. Per batch size a plan holds every op's
 * primitives (convolution forward / backward-data / backward-weights, batch norm, max pool),
 * blocked weight copies and workspaces; it is created on that batch size's first step and reused.
 * Semantics are those of the naive path (same parameter layout, plain NCHW input and output;
 * backward adds into net->grads) — tests/nn/test_nets.c checks fast == naive == PyTorch.
 */
#ifndef MLAC_NN_NET_FAST_H
#define MLAC_NN_NET_FAST_H

#include "core/error.h"
#include "core/rng.h"
#include "nn/net.h"

/* Slot 0 already holds the input (n, C, H, W). */
int nn_fast_forward(nn_net *net, int n, int train, rng *r, mlac_err *err);
/* dout (n, n_out): gradient of the last forward's output; adds into net->grads and fills the
 * input gradient (slot 0's dacts) when it is wanted. */
int nn_fast_backward(nn_net *net, const float *dout, int n, mlac_err *err);
void nn_fast_free(struct nn_fast *f);
/* Convolution passes (forward, backward data, backward weights) running Winograd in the plans
 * made so far (tests use it to check the Winograd path is exercised). */
int nn_fast_winograd_count(const nn_net *net);
/* Convolutions of batch size n's plan that fold their batch norm in eval mode, and (*adds, may
 * be NULL) of those the ones that also absorb a residual add. */
int nn_fast_folded_count(const nn_net *net, int n, int *adds);

#endif
