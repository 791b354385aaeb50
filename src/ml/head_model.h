/* head_model.h — the birdnet and perch models: a shallow head on standardised embeddings.
 *
 * Both models read INPUT_EMBEDDING rows (embed_table.h) and share this implementation; the
 * model files (src/ml/model_birdnet.c, model_perch.c) only name it. Training: per-feature
 * standardisation fitted on the training rows (ml/standardize.h, scikit-learn's
 * StandardScaler), then either
 *   logistic  L2 logistic regression (ml/logistic.h), C = 1 by default, or
 *   mlp       one hidden layer of 128 ReLU units (ml/mlp_head.h), Adam, weight decay alpha,
 *             early stopping.
 * With head_cv the regularisation (C for logistic, alpha for mlp) is chosen from a small grid
 * by stratified k-fold CV inside the training set (k = min(cv_folds, clips of the rarer
 * class); standardisation refitted per inner fold): highest mean ROC-AUC over the folds, ties
 * broken by the lower mean log-loss, then by the grid order. With fewer than 2 clips of a
 * class the default is kept and describe() says why. Scores: prob = sigmoid(logit), score =
 * the logit (so saturated probabilities do not tie the ranking).
 * Model options (JSON object, every key optional): head "logistic"|"mlp", C (> 0),
 * head_cv (bool), grid ([numbers > 0], up to 16), cv_folds (2..10), and for mlp: hidden,
 * alpha, lr, batch, max_epochs, patience, val_fraction. Unknown keys are errors.
 * Saved form: binary, native little-endian: "MLACHEAD", u32 version 1, u32 head (0 logistic,
 * 1 mlp), u64 dim, u64 hidden (0 for logistic), f64 strength, f64 intercept, f64 mean (dim),
 * f64 scale (dim), f64 weights (logistic: dim; mlp: dim*hidden + 2*hidden + 1), then the
 * SHA-256 of everything before it; loading checks size, checksum and every value.
 */
#ifndef MLAC_ML_HEAD_MODEL_H
#define MLAC_ML_HEAD_MODEL_H

#include <jansson.h>
#include "core/options.h"
#include "ml/model.h"

int head_model_create(const struct model_kind *kind, const model_config *cfg, model **out, mlac_err *err);
int head_model_fit(model *m, const float *x, const int *y, size_t n, size_t dim, mlac_err *err);
int head_model_score(model *m, const float *x, size_t n, size_t dim, double *prob_out, double *score_out,
                     mlac_err *err);
int head_model_save(model *m, buf *out, mlac_err *err);
int head_model_load(model *m, const void *data, size_t n, mlac_err *err);
void head_model_describe(model *m, json_t *out);
void head_model_free(model *m);
/* The option table of the head (core/options.h), shared by birdnet and perch. */
extern const struct option_spec head_model_options[];


#endif
