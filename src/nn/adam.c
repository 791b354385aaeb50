/* adam.c — Adam / AdamW update (see adam.h), elementwise, so independent of the thread count. */
#include "nn/adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nn_adam_init(nn_adam *a, const nn_net *net, int decoupled, mlac_err *err)
{
    memset(a, 0, sizeof *a);
    a->lr = 1e-3, a->beta1 = 0.9, a->beta2 = 0.999, a->eps = 1e-8;
    a->decoupled = decoupled;
    a->weight_decay = decoupled ? 1e-2 : 0.0;
    a->n = net->n_floats;
    a->m = calloc(a->n ? 2 * a->n : 1, sizeof(float));
    if (!a->m)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the optimiser state");
    a->v = a->m + a->n;
    return MLAC_OK;
}

void nn_adam_release(nn_adam *a)
{
    free(a->m);
    a->m = a->v = NULL;
}

void nn_adam_step(nn_adam *a, nn_net *net)
{
    a->t++;
    net->pver++;
    float b1 = (float)a->beta1, b2 = (float)a->beta2;
    double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    float step = (float)(a->lr / bc1), bc2_sqrt = (float)sqrt(bc2), eps = (float)a->eps;
    /* Adam's L2 term and AdamW's decoupled decay as constants, so the loop has no branch:
     * Adam: decay 1, l2 wd; AdamW: decay 1 - lr wd, l2 0. Small tensors skip the thread team. */
    float l2 = a->decoupled ? 0.0f : (float)a->weight_decay;
    float decay = a->decoupled ? (float)(1.0 - a->lr * a->weight_decay) : 1.0f;
    for (int i = 0; i < net->n_params; i++) {
        const nn_param *p = &net->pinfo[i];
        if (!p->trainable)
            continue;
        float *w = net->params + p->off, *g = net->grads + p->off;
        float *m = a->m + p->off, *v = a->v + p->off;
#pragma omp parallel for schedule(static) if (p->count > 65536)
        for (size_t j = 0; j < p->count; j++) {
            float gj = g[j] + l2 * w[j];
            float wj = w[j] * decay;
            m[j] = b1 * m[j] + (1 - b1) * gj;
            v[j] = b2 * v[j] + (1 - b2) * gj * gj;
            w[j] = wj - step * m[j] / (sqrtf(v[j]) / bc2_sqrt + eps);
        }
    }
}
