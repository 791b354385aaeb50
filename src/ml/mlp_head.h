/* mlp_head.h — a one-hidden-layer perceptron for binary labels: the alternative embedding head.
 *
 * Network: h = relu(x W1 + b1), z = h . w2 + b2, p = sigmoid(z). Loss on a batch of B rows:
 * mean binary cross-entropy + alpha / (2 B) * (|W1|^2 + |w2|^2) (biases not decayed) — the
 * weight decay of scikit-learn's MLPClassifier(alpha=...). Training: Adam (beta 0.9, 0.999,
 * eps 1e-8), minibatches of a seeded shuffle, Glorot-uniform weights and zero biases; early
 * stopping on a stratified validation split (val_fraction of each class, at least one clip
 * each): training stops after `patience` epochs without a lower validation loss and the best
 * epoch's weights are kept. Without enough clips for a split it trains max_epochs epochs.
 * All randomness comes from opts.seed; dense math is double precision BLAS (dgemm), so the
 * result does not depend on any thread count. The gradient is checked against finite
 * differences in tests/ml/test_mlp_head.c.
 */
#ifndef MLAC_ML_MLP_HEAD_H
#define MLAC_ML_MLP_HEAD_H

#include <signal.h>
#include <stddef.h>
#include "core/error.h"

typedef struct mlp_options {
    size_t hidden;             /* hidden units (128) */
    double lr;                 /* Adam step size (1e-3) */
    double alpha;              /* L2 weight decay (1e-4, scikit-learn's default) */
    size_t batch;              /* rows per step (200; capped at the training rows) */
    int max_epochs;            /* (200) */
    int patience;              /* epochs without validation improvement before stopping (10) */
    double val_fraction;       /* held out for early stopping (0.1) */
    unsigned long long seed;
    const volatile sig_atomic_t *cancel; /* checked every batch (MLAC_ECANCEL); NULL: none */
} mlp_options;

typedef struct mlp_epoch {
    double train_loss;         /* mean loss of the epoch's batches (with the decay term) */
    double val_loss;           /* mean cross-entropy on the validation split, NAN without one */
    double val_auc;            /* ROC-AUC on the validation split, NAN without one */
} mlp_epoch;

typedef struct mlp_head {
    size_t dim, hidden;        /* 0 before init */
    size_t n_params;
    double *params;            /* (n_params,) W1 (dim, hidden) | b1 (hidden,) | w2 (hidden,) | b2 */
    mlp_epoch *history;        /* (epochs,) of the last fit, owned */
    int epochs;                /* epochs run by the last fit */
    int best_epoch;            /* 1-based epoch whose weights were kept */
} mlp_head;

void mlp_options_default(mlp_options *o);
size_t mlp_param_count(size_t dim, size_t hidden);
/* Allocates and initialises (Glorot uniform from seed; biases 0). */
int mlp_init(mlp_head *m, size_t dim, size_t hidden, unsigned long long seed, mlac_err *err);
/* x (n, dim) row-major, y (n,) in {0, 1}. */
int mlp_fit(mlp_head *m, const double *x, const int *y, size_t n, size_t dim, const mlp_options *o, mlac_err *err);
/* prob (n,) and logit (n,), either may be NULL. */
int mlp_predict(const mlp_head *m, const double *x, size_t n, double *prob, double *logit, mlac_err *err);
/* The batch loss above at m's parameters; grad (n_params,) is overwritten when not NULL. NAN
 * when out of memory. */
double mlp_loss_grad(const mlp_head *m, const double *x, const int *y, size_t n, double alpha, double *grad);
/* Sets the parameters from saved values (copied; all must be finite). */
int mlp_set(mlp_head *m, size_t dim, size_t hidden, const double *params, mlac_err *err);
void mlp_release(mlp_head *m);

#endif
