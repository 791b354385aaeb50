/* model_mobilenet.c — the `mobilenet` model: the CNN engine's mobilenet network trained on log-mel images.
 * Everything but the architecture is shared with the other CNNs (model_cnn.c: options, save/load;
 * nn/train.c: training loop, early stopping); the network itself is built in src/nn/nets.c.
 */
#include "ml/model.h"
#include "ml/model_cnn.h"
#include "nn/nets.h"

extern const struct model_kind model_mobilenet;

static int mobilenet_create(const model_config *cfg, model **out, mlac_err *err)
{
    return cnn_model_create(&model_mobilenet, NN_ARCH_MOBILENET, cfg, out, err);
}

const struct model_kind model_mobilenet = {
    .name = "mobilenet",
    .description = "mobilenet: MobileNetV2 (torchvision structure, width multiplier), one input channel, one logit, on log-mel images; early stopping only with >= 10 validation clips per class (else all clips, all epochs)",
    .input = INPUT_LOGMEL_IMAGE,
    .options = cnn_option_table,
    .create = mobilenet_create,
    .fit = cnn_model_fit,
    .score = cnn_model_score,
    .save = cnn_model_save,
    .load = cnn_model_load,
    .describe = cnn_model_describe,
    .free = cnn_model_free,
};
