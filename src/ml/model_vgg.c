/* model_vgg.c — the `vgg` model: the CNN engine's vgg network trained on log-mel images.
 * Everything but the architecture is shared with the other CNNs (model_cnn.c: options, save/load;
 * nn/train.c: training loop, early stopping); the network itself is built in src/nn/nets.c.
 */
#include "ml/model.h"
#include "ml/model_cnn.h"
#include "nn/nets.h"

extern const struct model_kind model_vgg;

static int vgg_create(const model_config *cfg, model **out, mlac_err *err)
{
    return cnn_model_create(&model_vgg, NN_ARCH_VGG, cfg, out, err);
}

const struct model_kind model_vgg = {
    .name = "vgg",
    .description = "vgg: 4 conv blocks (conv3x3-BN-ReLU x2, max-pool; 32-64-128-256), FC 256, dropout 0.5, FC 1, on log-mel images; early stopping only with >= 10 validation clips per class (else all clips, all epochs)",
    .input = INPUT_LOGMEL_IMAGE,
    .options = cnn_option_table,
    .create = vgg_create,
    .fit = cnn_model_fit,
    .score = cnn_model_score,
    .save = cnn_model_save,
    .load = cnn_model_load,
    .describe = cnn_model_describe,
    .free = cnn_model_free,
};
