/* nets.h — the three architectures, built on net.h with torchvision's parameter names.
 *
 * vgg:       4 blocks of [conv3x3 (no bias) - BN - ReLU] x 2 + maxpool 2, channels 32-64-128-256,
 *            global average pool, Linear(256, 256) - ReLU - Dropout(p) - Linear(256, n_out);
 *            names as a torchvision VGG-BN Sequential ("features.0.weight", "classifier.3.bias").
 * mobilenet: torchvision.models.mobilenet_v2(width_mult=width) with `in_ch` input channels and
 *            n_out outputs (classifier Dropout(p) - Linear).
 * resnet:    torchvision.models.resnet18 with `in_ch` input channels and n_out outputs.
 * All return a finished (parameters allocated, zero) network; initialise or load weights next.
 */
#ifndef MLAC_NN_NETS_H
#define MLAC_NN_NETS_H

#include "core/error.h"
#include "nn/net.h"

enum nn_arch { NN_ARCH_VGG = 0, NN_ARCH_MOBILENET, NN_ARCH_RESNET };

typedef struct nn_arch_params {
    int arch;        /* enum nn_arch */
    int in_ch;       /* 1 for log-mel images */
    int size;        /* input height = width */
    int n_out;       /* 1 logit */
    double width;    /* mobilenet width multiplier (1.0) */
    float dropout;   /* vgg 0.5, mobilenet 0.2; 0 disables */
} nn_arch_params;

const char *nn_arch_name(int arch);
int nn_build(nn_net **out, const nn_arch_params *ap, mlac_err *err);

#endif
