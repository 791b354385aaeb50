/* train.c — the CNN training loop (see train.h).
 *
 * A stratified validation split (val_fraction of each class, from r) is held out; every epoch
 * shuffles the training clips, runs mini-batches (augmentation, optional mixup, forward, binary
 * cross-entropy, backward, Adam(W) step; a last batch of one image is skipped: batch norm cannot
 * normalise it), then measures the validation ROC-AUC (stats' metric_roc_auc). From epoch
 * min_epochs on, the best epoch's weights are kept; training stops after `patience` epochs
 * without improvement and the best weights are restored. Without validation (none asked, or
 * fewer than min_val_per_class clips of a class would be held out) all clips train for the
 * asked epochs and the last epoch's weights are kept.
 */
#include "nn/train.h"
#include "core/cancel.h"
#include "core/timeutil.h"
#include "nn/adam.h"
#include "nn/augment.h"
#include "stats/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nn_predict_logits(nn_net *net, const float *xs, size_t n, int batch, double *logit,
                      mlac_err *err)
{
    const nn_slot *in = &net->slots[0];
    size_t per = (size_t)in->c * in->h * in->w;
    for (size_t b = 0; b < n; b += (size_t)batch) {
        int nb = (int)(n - b < (size_t)batch ? n - b : (size_t)batch);
        int rc = nn_forward(net, xs + b * per, nb, 0, NULL, err);
        if (rc)
            return rc;
        const float *out = nn_output(net);
        for (int i = 0; i < nb; i++)
            logit[b + (size_t)i] = out[i];
    }
    return MLAC_OK;
}

void nn_train_log_release(nn_train_log *log)
{
    free(log->epochs);
    memset(log, 0, sizeof *log);
}

/* val (n,) 1 = validation: val_fraction of each class; none at all (*sel says why) when a class
 * would have fewer than min_val_per_class validation clips or no training clip left. */
static int split_validation(const nn_train_opts *o, const int *y, size_t n, int *val, rng *r,
                            size_t *n_val, int *sel)
{
    *n_val = 0;
    memset(val, 0, n * sizeof(int));
    *sel = NN_SELECT_LAST_NO_SPLIT;
    if (o->val_fraction <= 0)
        return MLAC_OK;
    size_t count[2] = {0, 0}, take[2];
    for (size_t i = 0; i < n; i++)
        count[y[i] != 0]++;
    *sel = NN_SELECT_LAST_SMALL_VAL;
    for (int c = 0; c < 2; c++) {
        take[c] = (size_t)llround(o->val_fraction * (double)count[c]);
        if (take[c] < 1 || take[c] < (size_t)o->min_val_per_class || count[c] - take[c] < 1)
            return MLAC_OK;
    }
    size_t *cls = malloc(n * sizeof(size_t));
    if (!cls)
        return MLAC_ENOMEM;
    for (int c = 0; c < 2; c++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == c)
                cls[k++] = i;
        rng_shuffle_idx(r, cls, k);
        for (size_t i = 0; i < take[c]; i++)
            val[cls[i]] = 1;
        *n_val += take[c];
    }
    free(cls);
    *sel = NN_SELECT_VALIDATION;
    return MLAC_OK;
}

typedef struct train_bufs {
    const float *xs; /* (n, per) all prepared images */
    float *batch;    /* (B, per) */
    float *yb;       /* (B,) targets */
    float *dl;       /* (B,) loss gradient */
    float *tmp;      /* (per,) */
    size_t per;
    int side;        /* H == W */
} train_bufs;

static int train_epoch(nn_net *net, const nn_train_opts *o, train_bufs *tb, const int *y,
                       const size_t *tr, size_t n_tr, nn_adam *opt, rng *r, double *loss_out,
                       mlac_err *err)
{
    size_t per = tb->per;
    int B = o->batch_size, mw = o->mask_width >= 0 ? o->mask_width : tb->side / 8;
    double loss_sum = 0;
    size_t seen = 0;
    for (size_t b = 0; b + 1 < n_tr; b += (size_t)B) {
        if (cancel_requested()) /* a cancel of the run (core/cancel.h): stop before the next batch */
            return mlac_errf(err, MLAC_ECANCEL, "training cancelled");
        int nb = (int)(n_tr - b < (size_t)B ? n_tr - b : (size_t)B);
        for (int i = 0; i < nb; i++) {
            float *img = tb->batch + (size_t)i * per;
            memcpy(img, tb->xs + tr[b + (size_t)i] * per, per * sizeof(float));
            if (o->augment)
                nn_augment_image(img, tb->tmp, tb->side, o->masks, mw, r);
            tb->yb[i] = (float)y[tr[b + (size_t)i]];
        }
        if (o->mixup > 0) { /* mix each image with the next one in the batch */
            double lam = nn_beta_sample(r, o->mixup);
            memcpy(tb->tmp, tb->batch, per * sizeof(float));
            float y0 = tb->yb[0];
            for (int i = 0; i < nb; i++) {
                float *a = tb->batch + (size_t)i * per;
                const float *nx = i + 1 < nb ? a + per : tb->tmp;
                for (size_t j = 0; j < per; j++)
                    a[j] = (float)(lam * a[j] + (1 - lam) * nx[j]);
                tb->yb[i] = (float)(lam * tb->yb[i] + (1 - lam) * (i + 1 < nb ? tb->yb[i + 1] : y0));
            }
        }
        int rc = nn_forward(net, tb->batch, nb, 1, r, err);
        if (rc)
            return rc;
        double l = bce_logits_forward_backward(tb->dl, nn_output(net), tb->yb, nb);
        if (!isfinite(l))
            return mlac_errf(err, MLAC_EINTERNAL, "training diverged (loss %g)", l);
        nn_zero_grad(net);
        if ((rc = nn_backward(net, tb->dl, nb, err)))
            return rc;
        nn_adam_step(opt, net);
        loss_sum += l * nb;
        seen += (size_t)nb;
    }
    *loss_out = seen ? loss_sum / (double)seen : NAN;
    return MLAC_OK;
}

int nn_train(nn_net *net, const nn_train_opts *o, const float *xs, const int *y, size_t n,
             rng *r, nn_train_log *log, mlac_err *err)
{
    memset(log, 0, sizeof *log);
    log->best_auc = NAN;
    const nn_slot *in = &net->slots[0];
    train_bufs tb = {.xs = xs, .per = (size_t)in->c * in->h * in->w, .side = in->w};
    size_t per = tb.per, n_val = 0, n_tr = 0, k = 0;
    nn_adam opt = {0};
    int B = o->batch_size, rc = MLAC_OK;
    if (in->h != in->w || B < 2 || B > net->max_batch || o->epochs < 1)
        return mlac_errf(err, MLAC_EINVAL, "training wants square inputs, 2 <= batch <= the "
                         "planned %d and >= 1 epoch", net->max_batch);
    int *val = malloc(n * sizeof(int));
    size_t *tr = malloc(n * sizeof(size_t));
    float *xv = NULL, *best = malloc(net->n_floats * sizeof(float));
    int *yv = NULL;
    double *logit = malloc(n * sizeof(double));
    tb.batch = malloc((size_t)B * per * sizeof(float));
    tb.yb = malloc((size_t)B * sizeof(float));
    tb.dl = malloc((size_t)B * sizeof(float));
    tb.tmp = malloc(per * sizeof(float));
    log->epochs = calloc((size_t)o->epochs, sizeof *log->epochs);
    if (!val || !tr || !best || !logit || !tb.batch || !tb.yb || !tb.dl || !tb.tmp || !log->epochs ||
        split_validation(o, y, n, val, r, &n_val, &log->selection) ||
        !(xv = malloc((n_val ? n_val : 1) * per * sizeof(float))) ||
        !(yv = malloc((n_val ? n_val : 1) * sizeof(int)))) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu training images", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) { /* validation images packed; training indices in tr */
        if (val[i]) {
            memcpy(xv + k * per, xs + i * per, per * sizeof(float));
            yv[k++] = y[i];
        } else {
            tr[n_tr++] = i;
        }
    }
    log->n_val = n_val;
    if ((rc = nn_adam_init(&opt, net, o->adamw, err)))
        goto out;
    opt.lr = o->lr;
    if (o->weight_decay >= 0)
        opt.weight_decay = o->weight_decay;
    int stale = 0, first = o->min_epochs < 1 ? 1 : o->min_epochs > o->epochs ? o->epochs : o->min_epochs;
    for (int ep = 1; ep <= o->epochs; ep++) {
        double t0 = time_now(), loss = NAN, vauc = NAN;
        rng_shuffle_idx(r, tr, n_tr);
        if ((rc = train_epoch(net, o, &tb, y, tr, n_tr, &opt, r, &loss, err)))
            goto out;
        if (n_val) {
            if ((rc = nn_predict_logits(net, xv, n_val, B, logit, err)))
                goto out;
            if (metric_roc_auc_err(logit, yv, n_val, &vauc, NULL) == MLAC_ENOMEM) { /* not a NaN AUC */
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory computing epoch %d's validation ROC-AUC", ep);
                goto out;
            }
        }
        log->epochs[log->n_epochs++] = (nn_epoch_log){ep, loss, vauc, time_now() - t0};
        if (n_val && ep < first)
            continue; /* too early to be selected, and no count towards patience */
        if (!n_val || (log->best_epoch == 0 || vauc > log->best_auc)) {
            log->best_auc = vauc;
            log->best_epoch = ep;
            memcpy(best, net->params, net->n_floats * sizeof(float));
            stale = 0;
        } else if (++stale >= o->patience) {
            break;
        }
    }
    memcpy(net->params, best, net->n_floats * sizeof(float));
    nn_net_params_changed(net);
out:
    nn_adam_release(&opt);
    free(val), free(tr), free(xv), free(yv), free(best), free(logit);
    free(tb.batch), free(tb.yb), free(tb.dl), free(tb.tmp);
    return rc;
}
