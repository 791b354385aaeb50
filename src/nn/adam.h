/* adam.h — Adam and AdamW over a network's trainable parameters (torch.optim.Adam / AdamW,
 * single-tensor form): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Adam's weight_decay adds wd*p to g (L2);
 * AdamW's multiplies p by (1 - lr*wd) first (decoupled). Defaults: lr 1e-3, betas 0.9/0.999,
 * eps 1e-8, weight decay 0 (Adam) or 1e-2 (AdamW). Batch-norm running statistics are skipped.
 * The moments live in one allocation sized like the network's parameter block.
 */
#ifndef MLAC_NN_ADAM_H
#define MLAC_NN_ADAM_H

#include "core/error.h"
#include "nn/net.h"

typedef struct nn_adam {
    double lr, beta1, beta2, eps, weight_decay;
    int decoupled; /* 1 = AdamW */
    long t;        /* steps taken */
    float *m;      /* (n_floats,) first moments, then second moments */
    float *v;
    size_t n;
} nn_adam;

/* decoupled 0 = Adam (weight_decay 0), 1 = AdamW (weight_decay 1e-2); lr 1e-3. */
int nn_adam_init(nn_adam *a, const nn_net *net, int decoupled, mlac_err *err);
void nn_adam_release(nn_adam *a);
void nn_adam_step(nn_adam *a, nn_net *net);

#endif
