/* model_cnn.h — the vgg, mobilenet and resnet models behind the model interface (ml/model.h):
 * the adapter (options, vtable functions, save/load, describe) over the CNN engine's networks
 * (nn/nets.h) and training loop (nn/train.h). The three model files (model_vgg.c,
 * model_mobilenet.c, model_resnet.c) are one-line wrappers around it.
 *
 * Input: one S x S log-mel image per row (INPUT_LOGMEL_IMAGE), rows = mel bands.
 * Options (cnn_option_table; all optional; unknown keys are errors): epochs (10), batch_size (32), lr (1e-3),
 * input_size (S: the images are resized bilinearly when it differs), width (mobilenet, 1.0),
 * patience (3 epochs without a better validation AUC), val_fraction (0.2, stratified; 0 = none),
 * min_val_per_class (10: a validation set with fewer clips of a class is not used — no early
 * stopping, every clip trains for the asked epochs, the last epoch is kept), min_epochs (3:
 * early stopping selects no earlier epoch), optimizer ("adam" or "adamw"), weight_decay (0 / AdamW 1e-2), mixup (Beta alpha, 0 = off),
 * augment (true), masks (2 SpecAugment masks per axis), mask_width (S/8), dropout (vgg 0.5,
 * mobilenet 0.2), pretrained (a safetensors file with torchvision names: tensors matching by
 * name and shape are loaded before training — transfer learning).
 */
#ifndef MLAC_ML_MODEL_CNN_H
#define MLAC_ML_MODEL_CNN_H

#include "core/options.h"
#include "ml/model.h"

/* The options of every CNN (the model kinds' .options); "pretrained" (a safetensors file) is
 * parsed beside it. */
extern const option_spec cnn_option_table[];

int cnn_model_create(const struct model_kind *kind, int arch, const model_config *cfg, model **out,
                     mlac_err *err);
int cnn_model_fit(model *m, const float *x, const int *y, size_t n, size_t dim, mlac_err *err);
int cnn_model_score(model *m, const float *x, size_t n, size_t dim, double *prob_out,
                    double *score_out, mlac_err *err);
int cnn_model_save(model *m, buf *out, mlac_err *err);
int cnn_model_load(model *m, const void *data, size_t n, mlac_err *err);
void cnn_model_describe(model *m, json_t *out);
void cnn_model_free(model *m);

#endif
