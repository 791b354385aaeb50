/* train.h — the CNN training loop: epochs of shuffled, augmented mini-batches under Adam(W),
 * a stratified validation split with early stopping, and the per-epoch history.
 *
 * Knows networks (nn/net.h) and prepared images only — nothing of the model interface (the
 * adapter in src/ml/model_cnn.c turns options into nn_train_opts and the log into the task's
 * description). Images are the network's input rows (n, C*H*W) with H == W, already
 * standardised and resized. Everything random (validation split, shuffles, augmentation, mixup,
 * dropout) draws from the caller's rng in a fixed order, so a fit is reproducible for a seed.
 *
 * Epoch selection at small n (issue 12): a validation AUC over a handful of clips is mostly
 * noise, and with early stopping from epoch 1 most small-n fits kept their epoch-1 weights. So
 * validation is used only when it holds at least min_val_per_class clips of each class (10 by
 * default: at val_fraction 0.2 from 50 clips per class); otherwise every clip trains for the
 * asked epochs and the last epoch's weights are kept. With validation, epochs before min_epochs
 * are never selected and do not count towards patience.
 */
#ifndef MLAC_NN_TRAIN_H
#define MLAC_NN_TRAIN_H

#include <stddef.h>
#include "core/error.h"
#include "core/rng.h"
#include "nn/net.h"

typedef struct nn_train_opts {
    int epochs;          /* epochs asked for */
    int batch_size;      /* the network must be planned for it; a last batch of one is skipped */
    int patience;        /* epochs without a better validation AUC before stopping */
    double val_fraction; /* of each class, held out for early stopping; 0 = none */
    int min_val_per_class; /* fewer validation clips of a class: no validation, no early
                            * stopping — all clips train for the asked epochs */
    int min_epochs;      /* early stopping picks no epoch before this one (capped at epochs) */
    double lr;
    int adamw;           /* 0 Adam, 1 AdamW */
    double weight_decay; /* < 0: the optimiser's default (Adam 0, AdamW 1e-2) */
    double mixup;        /* Beta(a, a) mixup of neighbouring batch images; 0 = off */
    int augment;         /* time shift + SpecAugment masks */
    int masks;           /* SpecAugment masks per axis */
    int mask_width;      /* < 0: image side / 8 */
} nn_train_opts;

typedef struct nn_epoch_log {
    int epoch;           /* 1-based */
    double loss;         /* mean training loss; NAN when no batch ran */
    double val_auc;      /* NAN without validation */
    double seconds;
} nn_epoch_log;

typedef struct nn_train_log {
    nn_epoch_log *epochs; /* (n_epochs,) epochs run, owned: nn_train_log_release */
    int n_epochs;
    int best_epoch;       /* the epoch whose weights the network holds at the end */
    double best_auc;      /* its validation AUC; NAN without validation */
    size_t n_val;         /* validation clips (0: none) */
    int selection;        /* enum nn_selection: how best_epoch was chosen */
} nn_train_log;

enum nn_selection {
    NN_SELECT_VALIDATION = 0, /* best validation AUC from min_epochs on, early stopping */
    NN_SELECT_LAST_NO_SPLIT,  /* val_fraction 0: the last epoch */
    NN_SELECT_LAST_SMALL_VAL  /* validation would be too small: the last epoch, all clips */
};

/* Trains net (initialised or pretrained) on xs (n, C*H*W) with labels y (n,) in {0, 1}; at the
 * end the network holds the best epoch's weights. log is filled (release it even on error). */
int nn_train(nn_net *net, const nn_train_opts *o, const float *xs, const int *y, size_t n,
             rng *r, nn_train_log *log, mlac_err *err);
void nn_train_log_release(nn_train_log *log);

/* logit (n,) of the images xs (n, C*H*W), in evaluation mode, batches of at most `batch`. */
int nn_predict_logits(nn_net *net, const float *xs, size_t n, int batch, double *logit,
                      mlac_err *err);

#endif
