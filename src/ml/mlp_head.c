/* mlp_head.c — forward, backward, Adam and early stopping of the MLP head (see mlp_head.h).
 *
 * Layout of params (and of a gradient): W1 (dim, hidden) row-major, b1 (hidden,), w2 (hidden,),
 * b2 (1,). One workspace per fit holds the batch activations:
 *   xb (B, dim) gathered rows, hid (B, hidden) relu(x W1 + b1), dh (B, hidden), z (B,), dz (B,).
 */
#include "ml/mlp_head.h"
#include "core/rng.h"
#include "stats/metrics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void mlp_options_default(mlp_options *o)
{
    o->hidden = 128;
    o->lr = 1e-3;
    o->alpha = 1e-4;
    o->batch = 200;
    o->max_epochs = 200;
    o->patience = 10;
    o->val_fraction = 0.1;
    o->seed = 0;
    o->cancel = NULL;
}

size_t mlp_param_count(size_t dim, size_t hidden)
{
    return dim * hidden + 2 * hidden + 1;
}

void mlp_release(mlp_head *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->history);
    memset(m, 0, sizeof *m);
}

static int mlp_alloc(mlp_head *m, size_t dim, size_t hidden, mlac_err *err)
{
    mlp_release(m);
    if (dim < 1 || hidden < 1 || dim > (size_t)1 << 20 || hidden > 65536)
        return mlac_errf(err, MLAC_EINVAL, "mlp: bad shape %zu x %zu", dim, hidden);
    m->n_params = mlp_param_count(dim, hidden);
    if (!(m->params = calloc(m->n_params, sizeof *m->params)))
        return mlac_errf(err, MLAC_ENOMEM, "mlp: out of memory for %zu parameters", m->n_params);
    m->dim = dim;
    m->hidden = hidden;
    return MLAC_OK;
}

int mlp_init(mlp_head *m, size_t dim, size_t hidden, unsigned long long seed, mlac_err *err)
{
    int rc = mlp_alloc(m, dim, hidden, err);
    if (rc)
        return rc;
    rng r;
    rng_seed(&r, seed);
    double a1 = sqrt(6.0 / (double)(dim + hidden)), a2 = sqrt(6.0 / (double)(hidden + 1));
    double *w1 = m->params, *w2 = m->params + dim * hidden + hidden;
    for (size_t i = 0; i < dim * hidden; i++)
        w1[i] = (2.0 * rng_uniform(&r) - 1.0) * a1;
    for (size_t i = 0; i < hidden; i++)
        w2[i] = (2.0 * rng_uniform(&r) - 1.0) * a2;
    return MLAC_OK;
}

int mlp_set(mlp_head *m, size_t dim, size_t hidden, const double *params, mlac_err *err)
{
    size_t n = mlp_param_count(dim, hidden);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(params[i]))
            return mlac_errf(err, MLAC_EINVAL, "mlp: parameter %zu is not finite", i);
    int rc = mlp_alloc(m, dim, hidden, err);
    if (!rc)
        memcpy(m->params, params, n * sizeof *params);
    return rc;
}

/* ---- forward / backward -------------------------------------------------------------------- */

typedef struct mlp_ws {
    size_t cap;     /* rows the buffers hold */
    double *xb;     /* (cap, dim) */
    double *hid;    /* (cap, hidden) */
    double *dh;     /* (cap, hidden) */
    double *z;      /* (cap,) */
    double *dz;     /* (cap,) */
} mlp_ws;

static void ws_release(mlp_ws *w)
{
    free(w->xb);
    free(w->hid);
    free(w->dh);
    free(w->z);
    free(w->dz);
    memset(w, 0, sizeof *w);
}

static int ws_alloc(mlp_ws *w, size_t cap, size_t dim, size_t hidden)
{
    memset(w, 0, sizeof *w);
    w->cap = cap;
    w->xb = malloc(cap * dim * sizeof *w->xb);
    w->hid = malloc(cap * hidden * sizeof *w->hid);
    w->dh = malloc(cap * hidden * sizeof *w->dh);
    w->z = malloc(cap * sizeof *w->z);
    w->dz = malloc(cap * sizeof *w->dz);
    if (!w->xb || !w->hid || !w->dh || !w->z || !w->dz) {
        ws_release(w);
        return -1;
    }
    return 0;
}

static double softplus(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static double sigmoid(double t)
{
    if (t >= 0)
        return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

/* hid (B, hidden) and z (B,) for x (B, dim). */
static void forward(const mlp_head *m, const double *x, size_t B, mlp_ws *w)
{
    size_t D = m->dim, H = m->hidden;
    const double *W1 = m->params, *b1 = W1 + D * H, *w2 = b1 + H, b2 = w2[H];
    for (size_t i = 0; i < B; i++)
        memcpy(w->hid + i * H, b1, H * sizeof *b1);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)H, (int)D, 1.0, x, (int)D, W1, (int)H, 1.0,
                w->hid, (int)H);
    for (size_t i = 0; i < B * H; i++)
        w->hid[i] = w->hid[i] > 0 ? w->hid[i] : 0.0;
    for (size_t i = 0; i < B; i++)
        w->z[i] = b2;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)B, (int)H, 1.0, w->hid, (int)H, w2, 1, 1.0, w->z, 1);
}

/* Batch loss; grad (n_params,) overwritten when not NULL. Uses forward's hid and z. */
static double loss_backward(const mlp_head *m, const double *x, const int *y, size_t B, double alpha, mlp_ws *w,
                            double *grad)
{
    size_t D = m->dim, H = m->hidden;
    const double *W1 = m->params, *w2 = W1 + D * H + H;
    double loss = 0.0;
    for (size_t i = 0; i < B; i++) {
        loss += softplus(w->z[i]) - (y[i] ? w->z[i] : 0.0);
        w->dz[i] = (sigmoid(w->z[i]) - y[i]) / (double)B;
    }
    double decay = cblas_ddot((int)(D * H), W1, 1, W1, 1) + cblas_ddot((int)H, w2, 1, w2, 1);
    loss = loss / (double)B + 0.5 * alpha * decay / (double)B;
    if (!grad)
        return loss;
    double *gW1 = grad, *gb1 = gW1 + D * H, *gw2 = gb1 + H, *gb2 = gw2 + H;
    double r = alpha / (double)B;
    /* output layer */
    for (size_t j = 0; j < H; j++)
        gw2[j] = r * w2[j];
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)B, (int)H, 1.0, w->hid, (int)H, w->dz, 1, 1.0, gw2, 1);
    double s = 0.0;
    for (size_t i = 0; i < B; i++)
        s += w->dz[i];
    *gb2 = s;
    /* hidden layer: dh = dz w2^T masked by relu' */
    memset(gb1, 0, H * sizeof *gb1);
    for (size_t i = 0; i < B; i++)
        for (size_t j = 0; j < H; j++) {
            double v = w->hid[i * H + j] > 0 ? w->dz[i] * w2[j] : 0.0;
            w->dh[i * H + j] = v;
            gb1[j] += v;
        }
    for (size_t k = 0; k < D * H; k++)
        gW1[k] = r * W1[k];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)H, (int)B, 1.0, x, (int)D, w->dh, (int)H, 1.0,
                gW1, (int)H);
    return loss;
}

double mlp_loss_grad(const mlp_head *m, const double *x, const int *y, size_t n, double alpha, double *grad)
{
    mlp_ws w;
    if (!m->params || !n || ws_alloc(&w, n, m->dim, m->hidden))
        return NAN;
    forward(m, x, n, &w);
    double loss = loss_backward(m, x, y, n, alpha, &w, grad);
    ws_release(&w);
    return loss;
}

int mlp_predict(const mlp_head *m, const double *x, size_t n, double *prob, double *logit, mlac_err *err)
{
    if (!m->params)
        return mlac_errf(err, MLAC_EINVAL, "mlp: predict before fit");
    size_t chunk = n < 256 ? (n ? n : 1) : 256;
    mlp_ws w;
    if (ws_alloc(&w, chunk, m->dim, m->hidden))
        return mlac_errf(err, MLAC_ENOMEM, "mlp: out of memory for prediction");
    for (size_t s = 0; s < n; s += chunk) {
        size_t B = n - s < chunk ? n - s : chunk;
        forward(m, x + s * m->dim, B, &w);
        for (size_t i = 0; i < B; i++) {
            if (logit)
                logit[s + i] = w.z[i];
            if (prob)
                prob[s + i] = sigmoid(w.z[i]);
        }
    }
    ws_release(&w);
    return MLAC_OK;
}

/* ---- training ---------------------------------------------------------------------------- */

/* Stratified split: val_idx gets round(frac * class size) (>= 1) of each class when a class has
 * >= 2 clips; *n_val is the validation count (0 = no early stopping). idx (n,) is a permutation:
 * training rows first (n - n_val), then validation rows. -1 when out of memory (which must not
 * pass for "no early stopping"). */
static int split(const int *y, size_t n, double frac, rng *r, size_t *idx, size_t *n_val_out)
{
    *n_val_out = 0;
    size_t n_cls[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        n_cls[y[i] != 0]++;
    size_t take[2];
    for (int c = 0; c < 2; c++) {
        size_t t = (size_t)llround(frac * (double)n_cls[c]);
        take[c] = n_cls[c] >= 2 ? (t < 1 ? 1 : t) : 0;
        if (take[c] >= n_cls[c])
            take[c] = n_cls[c] - 1;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (!(frac > 0 && take[0] && take[1])) /* no early stopping: every row trains */
        return 0;
    size_t *perm = malloc(n * sizeof *perm);
    if (!perm)
        return -1;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    rng_shuffle_idx(r, perm, n);
    size_t seen[2] = {0, 0}, n_tr = 0, n_val = take[0] + take[1], v = n - n_val;
    for (size_t k = 0; k < n; k++) {
        int c = y[perm[k]] != 0;
        if (seen[c]++ < take[c])
            idx[v++] = perm[k];
        else
            idx[n_tr++] = perm[k];
    }
    free(perm);
    *n_val_out = n_val;
    return 0;
}

static void gather(const double *x, const int *y, size_t dim, const size_t *idx, size_t B, double *xb, int *yb)
{
    for (size_t i = 0; i < B; i++) {
        memcpy(xb + i * dim, x + idx[i] * dim, dim * sizeof *xb);
        yb[i] = y[idx[i]];
    }
}

typedef struct adam {
    double *m, *v; /* (n_params,) */
    double b1t, b2t;
} adam;

static void adam_step(adam *a, double *p, const double *g, size_t n, double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    a->b1t *= b1;
    a->b2t *= b2;
    double c1 = 1.0 - a->b1t, c2 = 1.0 - a->b2t;
    for (size_t i = 0; i < n; i++) {
        a->m[i] = b1 * a->m[i] + (1 - b1) * g[i];
        a->v[i] = b2 * a->v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= lr * (a->m[i] / c1) / (sqrt(a->v[i] / c2) + eps);
    }
}

/* Validation cross-entropy and AUC of m on rows idx (n_val,); MLAC_ENOMEM when the AUC cannot be
 * computed for want of memory (a NaN there would read as "no AUC" and steer early stopping). */
static int validate(const mlp_head *m, const double *x, const int *y, const size_t *idx, size_t n_val, mlp_ws *w,
                    int *yb, double *score, double *loss, double *auc, mlac_err *err)
{
    double sum = 0.0;
    for (size_t s = 0; s < n_val; s += w->cap) {
        size_t B = n_val - s < w->cap ? n_val - s : w->cap;
        gather(x, y, m->dim, idx + s, B, w->xb, yb);
        forward(m, w->xb, B, w);
        for (size_t i = 0; i < B; i++) {
            sum += softplus(w->z[i]) - (yb[i] ? w->z[i] : 0.0);
            score[s + i] = w->z[i];
        }
    }
    *loss = sum / (double)n_val;
    *auc = NAN;
    int *yv = malloc(n_val * sizeof *yv);
    if (!yv)
        return mlac_errf(err, MLAC_ENOMEM, "mlp: out of memory for the validation AUC");
    for (size_t i = 0; i < n_val; i++)
        yv[i] = y[idx[i]];
    int rc = metric_roc_auc_or_nan(score, yv, n_val, auc, err);
    free(yv);
    return rc;
}

int mlp_fit(mlp_head *m, const double *x, const int *y, size_t n, size_t dim, const mlp_options *o, mlac_err *err)
{
    if (n < 1)
        return mlac_errf(err, MLAC_EINVAL, "mlp: no training rows");
    if (!(o->lr > 0) || !(o->alpha >= 0) || o->max_epochs < 1 || o->patience < 1 || !(o->val_fraction >= 0) ||
        o->val_fraction >= 0.9)
        return mlac_errf(err, MLAC_EINVAL, "mlp: bad options (lr %g, alpha %g, epochs %d, patience %d, "
                         "val_fraction %g)", o->lr, o->alpha, o->max_epochs, o->patience, o->val_fraction);
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "mlp: label %d at row %zu is not 0 or 1", y[i], i);
    rng r;
    rng_seed(&r, o->seed ^ 0x6d6c702d68656164ULL);
    int rc = mlp_init(m, dim, o->hidden, rng_u64(&r), err);
    if (rc)
        return rc;
    size_t P = m->n_params;
    size_t *idx = malloc(n * sizeof *idx);
    int *yb = malloc(n * sizeof *yb);
    double *grad = malloc(P * sizeof *grad), *best = malloc(P * sizeof *best), *score = malloc(n * sizeof *score);
    adam a = {calloc(P, sizeof(double)), calloc(P, sizeof(double)), 1.0, 1.0};
    m->history = calloc((size_t)o->max_epochs, sizeof *m->history);
    mlp_ws w = {0};
    size_t n_val = 0;
    int split_failed = idx ? split(y, n, o->val_fraction, &r, idx, &n_val) : 0;
    size_t n_tr = n - n_val;
    size_t B = o->batch < 1 ? 1 : (o->batch < n_tr ? o->batch : n_tr);
    if (split_failed || !idx || !yb || !grad || !best || !score || !a.m || !a.v || !m->history || ws_alloc(&w, B, dim, m->hidden)) {
        rc = mlac_errf(err, MLAC_ENOMEM, "mlp: out of memory training on %zu x %zu", n, dim);
        goto out;
    }
    double best_loss = INFINITY;
    int since = 0;
    memcpy(best, m->params, P * sizeof *best);
    m->best_epoch = o->max_epochs;
    for (int ep = 0; ep < o->max_epochs; ep++) {
        rng_shuffle_idx(&r, idx, n_tr);
        double sum = 0.0;
        size_t steps = 0;
        for (size_t s = 0; s < n_tr; s += B, steps++) {
            if (o->cancel && *o->cancel) {
                rc = mlac_errf(err, MLAC_ECANCEL, "cancelled: mlp fit stopped in epoch %d", ep + 1);
                goto out;
            }
            size_t b = n_tr - s < B ? n_tr - s : B;
            gather(x, y, dim, idx + s, b, w.xb, yb);
            forward(m, w.xb, b, &w);
            sum += loss_backward(m, w.xb, yb, b, o->alpha, &w, grad);
            adam_step(&a, m->params, grad, P, o->lr);
        }
        mlp_epoch *h = &m->history[ep];
        h->train_loss = sum / (double)steps;
        h->val_loss = h->val_auc = NAN;
        m->epochs = ep + 1;
        if (!isfinite(h->train_loss)) {
            rc = mlac_errf(err, MLAC_EINVAL, "mlp: training diverged at epoch %d (loss %g)", ep + 1, h->train_loss);
            goto out;
        }
        if (!n_val)
            continue;
        rc = validate(m, x, y, idx + n_tr, n_val, &w, yb, score, &h->val_loss, &h->val_auc, err);
        if (rc)
            goto out;
        if (h->val_loss < best_loss - 1e-12) {
            best_loss = h->val_loss;
            memcpy(best, m->params, P * sizeof *best);
            m->best_epoch = ep + 1;
            since = 0;
        } else if (++since >= o->patience) {
            break;
        }
    }
    if (n_val)
        memcpy(m->params, best, P * sizeof *best);
    else
        m->best_epoch = m->epochs;
out:
    ws_release(&w);
    free(idx);
    free(yb);
    free(grad);
    free(best);
    free(score);
    free(a.m);
    free(a.v);
    if (rc)
        mlp_release(m);
    return rc;
}
