/* head_model.c — options, inner CV, fit, score, save/load of the embedding head (see head_model.h). */
#include "ml/head_model.h"
#include "core/cancel.h"
#include "core/options.h"
#include "core/sealed.h"
#include "core/pool.h"
#include "core/rng.h"
#include "ml/logistic.h"
#include "ml/mlp_head.h"
#include "ml/standardize.h"
#include "stats/metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_MAGIC "MLACHEAD"
#define HEAD_VERSION 1
#define HEAD_MAX_DIM 16384 /* the longest input vector a saved head may declare */
#define HEAD_MAX_GRID 16

typedef struct head_opts {
    int mlp;                      /* 0 logistic, 1 mlp */
    double C;                     /* logistic strength when not chosen by CV */
    int cv;                       /* head_cv */
    double grid[HEAD_MAX_GRID];   /* candidate C (logistic) or alpha (mlp), ascending as given */
    size_t n_grid;
    int cv_folds;
    mlp_options mo;               /* mlp settings; mo.alpha is its strength */
} head_opts;

typedef struct head_state {
    model base;
    head_opts o;
    unsigned long long seed;
    int n_threads;
    /* the fit; dim == 0 until fit or load */
    size_t dim;
    standardizer std;
    double strength;              /* C or alpha used */
    logistic_model lr;
    mlp_head mlp;
    /* inner CV report */
    int cv_ran;
    int cv_k;
    double cv_auc[HEAD_MAX_GRID];
    double cv_loss[HEAD_MAX_GRID];
    const char *note;             /* why CV did not run, or NULL */
} head_state;

/* ---- options ------------------------------------------------------------------------------ */

/* What the option table parses into; copied into head_opts (mlp sizes are size_t there). */
typedef struct head_option_values {
    int mlp, cv, cv_folds, hidden, batch, max_epochs, patience;
    double C, alpha, lr, val_fraction;
    double grid[HEAD_MAX_GRID];
    size_t n_grid; /* 0: the default grid of the chosen head */
} head_option_values;

static const char *const head_names[] = {"logistic", "mlp", NULL};

const option_spec head_model_options[] = {
    {.key = "head", .type = OPTION_ENUM, .offset = offsetof(head_option_values, mlp), .choices = head_names,
     .dflt = 0, .help = "logistic: L2 logistic regression; mlp: one hidden layer of ReLU units"},
    {.key = "C", .type = OPTION_NUM, .offset = offsetof(head_option_values, C), .lo = 1e-12, .hi = 1e12, .dflt = 1,
     .help = "logistic regularisation strength (inverse), when not chosen by head_cv"},
    {.key = "head_cv", .type = OPTION_BOOL, .offset = offsetof(head_option_values, cv), .dflt = 0,
     .help = "choose C (logistic) or alpha (mlp) from grid by inner cross-validation"},
    {.key = "grid", .type = OPTION_NUM_LIST, .offset = offsetof(head_option_values, grid), .lo = 1e-12, .hi = 1e12,
     .max_items = HEAD_MAX_GRID, .count_offset = offsetof(head_option_values, n_grid),
     .dflt_text = "C 0.001..100 or alpha 1e-4..1", .help = "candidates for head_cv"},
    {.key = "cv_folds", .type = OPTION_INT, .offset = offsetof(head_option_values, cv_folds), .lo = 2, .hi = 10,
     .dflt = 3, .help = "inner folds of head_cv"},
    {.key = "hidden", .type = OPTION_INT, .offset = offsetof(head_option_values, hidden), .lo = 1, .hi = 4096,
     .dflt = 128, .help = "mlp: hidden units"},
    {.key = "alpha", .type = OPTION_NUM, .offset = offsetof(head_option_values, alpha), .lo = 0, .hi = 1e6,
     .dflt = 1e-4, .help = "mlp: L2 weight decay"},
    {.key = "lr", .type = OPTION_NUM, .offset = offsetof(head_option_values, lr), .lo = 1e-8, .hi = 1, .dflt = 1e-3,
     .help = "mlp: Adam step size"},
    {.key = "batch", .type = OPTION_INT, .offset = offsetof(head_option_values, batch), .lo = 1, .hi = 65536,
     .dflt = 200, .help = "mlp: rows per step (capped at the training rows)"},
    {.key = "max_epochs", .type = OPTION_INT, .offset = offsetof(head_option_values, max_epochs), .lo = 1,
     .hi = 100000, .dflt = 200, .help = "mlp: most epochs"},
    {.key = "patience", .type = OPTION_INT, .offset = offsetof(head_option_values, patience), .lo = 1, .hi = 10000,
     .dflt = 10, .help = "mlp: epochs without validation improvement before stopping"},
    {.key = "val_fraction", .type = OPTION_NUM, .offset = offsetof(head_option_values, val_fraction), .lo = 0,
     .hi = 0.5, .dflt = 0.1, .help = "mlp: share of the training rows held out for early stopping"},
    OPTION_END,
};

static void grid_default(head_opts *o)
{
    static const double c_grid[] = {0.001, 0.01, 0.1, 1, 10, 100};
    static const double a_grid[] = {1e-4, 1e-3, 1e-2, 1e-1, 1};
    const double *g = o->mlp ? a_grid : c_grid;
    o->n_grid = o->mlp ? 5 : 6;
    memcpy(o->grid, g, o->n_grid * sizeof *g);
}

static int parse_opts(json_t *j, head_opts *o, mlac_err *err)
{
    head_option_values v;
    int rc = options_parse("head", head_model_options, j, &v, err);
    if (rc)
        return rc;
    memset(o, 0, sizeof *o);
    mlp_options_default(&o->mo);
    o->mlp = v.mlp;
    o->C = v.C;
    o->cv = v.cv;
    o->cv_folds = v.cv_folds;
    o->mo.hidden = (size_t)v.hidden;
    o->mo.alpha = v.alpha;
    o->mo.lr = v.lr;
    o->mo.batch = (size_t)v.batch;
    o->mo.max_epochs = v.max_epochs;
    o->mo.patience = v.patience;
    o->mo.val_fraction = v.val_fraction;
    o->n_grid = v.n_grid;
    memcpy(o->grid, v.grid, v.n_grid * sizeof *v.grid);
    if (!o->n_grid)
        grid_default(o);
    return MLAC_OK;
}

int head_model_create(const struct model_kind *kind, const model_config *cfg, model **out, mlac_err *err)
{
    *out = NULL;
    head_state *m = calloc(1, sizeof *m);
    if (!m)
        return mlac_errf(err, MLAC_ENOMEM, "%s: out of memory", kind->name);
    m->base.kind = kind;
    m->seed = cfg ? cfg->seed : 0;
    m->n_threads = cfg && cfg->n_threads > 0 ? cfg->n_threads : 1;
    int rc = parse_opts(cfg ? cfg->options : NULL, &m->o, err);
    if (rc) {
        mlac_err_prefix(err, "%s: ", kind->name);
        free(m);
        return rc;
    }
    *out = &m->base;
    return MLAC_OK;
}

/* ---- one head fit on standardised rows ------------------------------------------------------ */

typedef struct head_fit {
    logistic_model lr;
    mlp_head mlp;
} head_fit;

/* cancel: the task's flag (core/cancel.h), handed over explicitly because inner CV fits run on
 * pool threads. */
static int fit_head(const head_opts *o, double strength, unsigned long long seed, const double *xs, const int *y,
                    size_t n, size_t dim, const volatile sig_atomic_t *cancel, head_fit *h, mlac_err *err)
{
    if (!o->mlp) {
        logistic_options lo;
        logistic_options_default(&lo);
        lo.C = strength;
        lo.cancel = cancel;
        return logistic_fit(&h->lr, xs, y, n, dim, &lo, err);
    }
    mlp_options mo = o->mo;
    mo.alpha = strength;
    mo.seed = seed;
    mo.cancel = cancel;
    return mlp_fit(&h->mlp, xs, y, n, dim, &mo, err);
}

static int predict_head(const head_opts *o, const head_fit *h, const double *xs, size_t n, double *prob,
                        double *logit, mlac_err *err)
{
    if (!o->mlp) {
        logistic_predict(&h->lr, xs, n, prob, logit);
        return MLAC_OK;
    }
    return mlp_predict(&h->mlp, xs, n, prob, logit, err);
}

static void head_fit_release(head_fit *h)
{
    logistic_release(&h->lr);
    mlp_release(&h->mlp);
}

/* Standardises x rows idx (n,) with a standardizer fitted on rows fit_idx (n_fit,) into out. */
static int standardise_rows(const float *x, size_t dim, const size_t *fit_idx, size_t n_fit, const size_t *idx,
                            size_t n, double *out, mlac_err *err)
{
    float *tmp = malloc((n_fit > n ? n_fit : n) * dim * sizeof *tmp);
    standardizer s = {0};
    if (!tmp)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory standardising %zu rows", n_fit);
    for (size_t i = 0; i < n_fit; i++)
        memcpy(tmp + i * dim, x + fit_idx[i] * dim, dim * sizeof *tmp);
    int rc = standardize_fit(&s, tmp, n_fit, dim, err);
    for (size_t i = 0; !rc && i < n; i++)
        standardize_apply(&s, x + idx[i] * dim, 1, out + i * dim);
    standardize_release(&s);
    free(tmp);
    return rc;
}

/* ---- inner CV --------------------------------------------------------------------------------- */

typedef struct cv_job {
    const head_state *m;
    const float *x;        /* (n, dim) raw */
    const int *y;          /* (n,) */
    size_t n, dim;
    const int *fold;       /* (n,) inner fold of each row */
    int k;
    double *auc;           /* (n_grid * k,) */
    double *loss;          /* (n_grid * k,) */
    int *rc;               /* (n_grid * k,) */
    mlac_err *errs;        /* (n_grid * k,) */
    const volatile sig_atomic_t *cancel; /* the task's flag, may be NULL */
} cv_job;

static void cv_one(void *ctx, size_t t, int worker)
{
    (void)worker;
    cv_job *j = ctx;
    size_t g = t / (size_t)j->k;
    int f = (int)(t % (size_t)j->k);
    size_t n_tr = 0, n_va = 0, dim = j->dim;
    size_t *tr = malloc(j->n * sizeof *tr), *va = malloc(j->n * sizeof *va);
    double *xtr = NULL, *xva = NULL, *prob = NULL, *logit = NULL;
    int *ytr = NULL, *yva = NULL;
    head_fit h = {0};
    mlac_err *err = &j->errs[t];
    int rc = MLAC_OK;
    if (!tr || !va) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for inner CV");
        goto out;
    }
    for (size_t i = 0; i < j->n; i++) {
        if (j->fold[i] == f)
            va[n_va++] = i;
        else
            tr[n_tr++] = i;
    }
    xtr = malloc(n_tr * dim * sizeof *xtr);
    xva = malloc(n_va * dim * sizeof *xva);
    ytr = malloc(n_tr * sizeof *ytr);
    yva = malloc(n_va * sizeof *yva);
    prob = malloc(n_va * sizeof *prob);
    logit = malloc(n_va * sizeof *logit);
    if (!xtr || !xva || !ytr || !yva || !prob || !logit) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for inner CV");
        goto out;
    }
    rc = standardise_rows(j->x, dim, tr, n_tr, tr, n_tr, xtr, err);
    if (!rc)
        rc = standardise_rows(j->x, dim, tr, n_tr, va, n_va, xva, err);
    for (size_t i = 0; i < n_tr; i++)
        ytr[i] = j->y[tr[i]];
    for (size_t i = 0; i < n_va; i++)
        yva[i] = j->y[va[i]];
    unsigned long long seed = rng_derive_seed(j->m->seed, "head-cv") + t;
    if (!rc)
        rc = fit_head(&j->m->o, j->m->o.grid[g], seed, xtr, ytr, n_tr, dim, j->cancel, &h, err);
    if (!rc)
        rc = predict_head(&j->m->o, &h, xva, n_va, prob, logit, err);
    if (!rc)
        rc = metric_roc_auc_or_nan(logit, yva, n_va, &j->auc[t], err);
    if (!rc)
        j->loss[t] = metric_log_loss(prob, yva, n_va);
out:
    j->rc[t] = rc;
    head_fit_release(&h);
    free(tr);
    free(va);
    free(xtr);
    free(xva);
    free(ytr);
    free(yva);
    free(prob);
    free(logit);
}

/* Stratified folds: each class's rows in a seeded order, dealt round-robin. */
static void inner_folds(const int *y, size_t n, int k, unsigned long long seed, int *fold, size_t *scratch)
{
    rng r;
    rng_seed(&r, seed);
    for (int c = 0; c < 2; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == c)
                scratch[m++] = i;
        rng_shuffle_idx(&r, scratch, m);
        for (size_t i = 0; i < m; i++)
            fold[scratch[i]] = (int)(i % (size_t)k);
    }
}

static int choose_strength(head_state *m, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    head_opts *o = &m->o;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += y[i] == 1;
    size_t rare = pos < n - pos ? pos : n - pos;
    int k = (size_t)o->cv_folds < rare ? o->cv_folds : (int)rare;
    if (k < 2) {
        m->note = "fewer than 2 clips of a class: inner CV skipped, default strength kept";
        return MLAC_OK;
    }
    size_t T = o->n_grid * (size_t)k;
    int *fold = malloc(n * sizeof *fold), *rcs = calloc(T, sizeof *rcs);
    size_t *scratch = malloc(n * sizeof *scratch);
    double *auc = malloc(T * sizeof *auc), *loss = malloc(T * sizeof *loss);
    mlac_err *errs = calloc(T, sizeof *errs);
    int rc = MLAC_OK;
    if (!fold || !rcs || !scratch || !auc || !loss || !errs) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for inner CV");
        goto out;
    }
    inner_folds(y, n, k, rng_derive_seed(m->seed, "head-cv-folds"), fold, scratch);
    cv_job job = {m, x, y, n, dim, fold, k, auc, loss, rcs, errs, cancel_current()};
    pool_for(m->n_threads, T, cv_one, &job);
    for (size_t t = 0; t < T; t++)
        if (rcs[t]) {
            rc = rcs[t];
            if (err)
                *err = errs[t];
            mlac_err_prefix(err, "inner CV: ");
            goto out;
        }
    size_t best = 0;
    for (size_t g = 0; g < o->n_grid; g++) {
        double a = 0, l = 0;
        for (int f = 0; f < k; f++)
            a += auc[g * (size_t)k + (size_t)f], l += loss[g * (size_t)k + (size_t)f];
        m->cv_auc[g] = a / k;
        m->cv_loss[g] = l / k;
        if (g && (m->cv_auc[g] > m->cv_auc[best] + 1e-12 ||
                  (fabs(m->cv_auc[g] - m->cv_auc[best]) <= 1e-12 && m->cv_loss[g] < m->cv_loss[best])))
            best = g;
    }
    m->strength = o->grid[best];
    m->cv_ran = 1;
    m->cv_k = k;
out:
    free(fold);
    free(rcs);
    free(scratch);
    free(auc);
    free(loss);
    free(errs);
    return rc;
}

/* ---- model interface ------------------------------------------------------------------------ */

static void clear_fit(head_state *m)
{
    standardize_release(&m->std);
    logistic_release(&m->lr);
    mlp_release(&m->mlp);
    m->dim = 0;
    m->cv_ran = 0;
    m->note = NULL;
}

int head_model_fit(model *base, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    head_state *m = (head_state *)base;
    const char *name = base->kind->name;
    clear_fit(m);
    if (n < 2 || dim < 1)
        return mlac_errf(err, MLAC_EINVAL, "%s: cannot fit %zu rows of %zu values", name, n, dim);
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "%s: label %d at row %zu is not 0 or 1", name, y[i], i);
    int rc = standardize_check_finite(x, n, dim, "embeddings", err);
    if (rc)
        return mlac_err_prefix(err, "%s: ", name);
    m->strength = m->o.mlp ? m->o.mo.alpha : m->o.C;
    double *xs = malloc(n * dim * sizeof *xs);
    head_fit h = {0};
    if (!xs) {
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory for %zu x %zu", name, n, dim);
        goto out;
    }
    if (m->o.cv && (rc = choose_strength(m, x, y, n, dim, err)))
        goto out;
    if ((rc = standardize_fit(&m->std, x, n, dim, err)))
        goto out;
    standardize_apply(&m->std, x, n, xs);
    rc = fit_head(&m->o, m->strength, rng_derive_seed(m->seed, "head"), xs, y, n, dim, cancel_current(), &h, err);
    if (!rc) {
        m->lr = h.lr;
        m->mlp = h.mlp;
        memset(&h, 0, sizeof h);
        m->dim = dim;
    }
out:
    if (rc) {
        mlac_err_prefix(err, "%s: ", name);
        clear_fit(m);
    }
    head_fit_release(&h);
    free(xs);
    return rc;
}

int head_model_score(model *base, const float *x, size_t n, size_t dim, double *prob_out, double *score_out,
                     mlac_err *err)
{
    head_state *m = (head_state *)base;
    const char *name = base->kind->name;
    if (!m->dim)
        return mlac_errf(err, MLAC_EINVAL, "%s: score called before fit or load", name);
    if (dim != m->dim)
        return mlac_errf(err, MLAC_EINVAL, "%s was fitted on %zu-d embeddings, got %zu", name, m->dim, dim);
    int rc = standardize_check_finite(x, n, dim, "embeddings", err);
    if (rc)
        return mlac_err_prefix(err, "%s: ", name);
    double *xs = malloc((n ? n : 1) * dim * sizeof *xs);
    if (!xs)
        return mlac_errf(err, MLAC_ENOMEM, "%s: out of memory scoring %zu rows", name, n);
    standardize_apply(&m->std, x, n, xs);
    head_fit h = {m->lr, m->mlp};
    rc = predict_head(&m->o, &h, xs, n, prob_out, score_out, err);
    free(xs);
    return rc;
}

/* ---- save / load ---------------------------------------------------------------------------- */

#define HEAD_WHAT "head model image"

static size_t weight_count(int mlp, size_t dim, size_t hidden)
{
    return mlp ? mlp_param_count(dim, hidden) : dim;
}

int head_model_save(model *base, buf *out, mlac_err *err)
{
    head_state *m = (head_state *)base;
    if (!m->dim)
        return mlac_errf(err, MLAC_EINVAL, "%s: save called before fit or load", base->kind->name);
    size_t hidden = m->o.mlp ? m->mlp.hidden : 0;
    sealed_writer w;
    sealed_write_begin(&w, HEAD_MAGIC, HEAD_VERSION, out->max, err);
    sealed_put_u32(&w, (uint32_t)m->o.mlp);
    sealed_put_u64(&w, m->dim);
    sealed_put_u64(&w, hidden);
    sealed_put_f64(&w, m->strength);
    sealed_put_f64(&w, m->o.mlp ? 0.0 : m->lr.b);
    sealed_put_f64s(&w, m->std.mean, m->dim);
    sealed_put_f64s(&w, m->std.scale, m->dim);
    sealed_put_f64s(&w, m->o.mlp ? m->mlp.params : m->lr.w, weight_count(m->o.mlp, m->dim, hidden));
    return sealed_write_end(&w, out);
}

int head_model_load(model *base, const void *data, size_t n, mlac_err *err)
{
    head_state *m = (head_state *)base;
    const char *name = base->kind->name;
    clear_fit(m);
    sealed_reader r;
    uint32_t version;
    int rc = sealed_read_begin(&r, data, n, HEAD_MAGIC, &version, HEAD_WHAT, err);
    if (rc)
        return mlac_err_prefix(err, "%s model: ", name);
    uint32_t head = sealed_get_u32(&r);
    uint64_t dim = sealed_get_u64(&r), hidden = sealed_get_u64(&r);
    double strength = sealed_get_f64(&r), intercept = sealed_get_f64(&r);
    if (r.short_read || version != HEAD_VERSION || head > 1 || dim < 1 || dim > HEAD_MAX_DIM ||
        (head && (hidden < 1 || hidden > 4096)) || (!head && hidden))
        return mlac_errf(err, MLAC_EFORMAT, "%s model: bad header (version %u, head %u, dim %llu, hidden %llu)", name,
                         version, head, (unsigned long long)dim, (unsigned long long)hidden);
    size_t nw = weight_count((int)head, (size_t)dim, (size_t)hidden);
    size_t nvals = 2 * (size_t)dim + nw;
    if (sealed_remaining(&r) != nvals * 8)
        return mlac_errf(err, MLAC_EFORMAT, "%s model: %zu bytes, expected %zu (truncated?)", name, n,
                         n - sealed_remaining(&r) + nvals * 8);
    double *vals = malloc(nvals * sizeof *vals); /* mean | scale | weights */
    if (!vals)
        return mlac_errf(err, MLAC_ENOMEM, "%s: out of memory loading a model", name);
    sealed_get_f64s(&r, vals, nvals);
    rc = isfinite(strength) && strength >= 0 ? sealed_read_end(&r, HEAD_WHAT, err)
                                             : mlac_errf(err, MLAC_EFORMAT, "%s model: bad strength", name);
    if (!rc)
        rc = standardize_set(&m->std, vals, vals + dim, (size_t)dim, err);
    if (!rc)
        rc = head ? mlp_set(&m->mlp, (size_t)dim, (size_t)hidden, vals + 2 * dim, err)
                  : logistic_set(&m->lr, vals + 2 * dim, intercept, (size_t)dim, err);
    free(vals);
    if (rc) {
        mlac_err_prefix(err, "%s model: ", name);
        clear_fit(m);
        return rc;
    }
    m->o.mlp = (int)head;
    m->strength = strength;
    m->dim = (size_t)dim;
    return MLAC_OK;
}

/* ---- describe / free ------------------------------------------------------------------------ */

void head_model_describe(model *base, json_t *out)
{
    head_state *m = (head_state *)base;
    if (!m->dim)
        return;
    json_object_set_new(out, "head", json_string(m->o.mlp ? "mlp" : "logistic"));
    json_object_set_new(out, m->o.mlp ? "alpha" : "C", json_real(m->strength));
    json_object_set_new(out, "standardised", json_true());
    json_object_set_new(out, "head_cv", json_boolean(m->o.cv));
    if (m->cv_ran) {
        json_t *cv = json_array();
        for (size_t g = 0; g < m->o.n_grid; g++)
            json_array_append_new(cv, json_pack("{s:f, s:o, s:o}", m->o.mlp ? "alpha" : "C", m->o.grid[g], "auc",
                                                isfinite(m->cv_auc[g]) ? json_real(m->cv_auc[g]) : json_null(),
                                                "log_loss",
                                                isfinite(m->cv_loss[g]) ? json_real(m->cv_loss[g]) : json_null()));
        json_object_set_new(out, "cv", cv);
        json_object_set_new(out, "cv_folds", json_integer(m->cv_k));
    } else if (m->note) {
        json_object_set_new(out, "cv_note", json_string(m->note));
    }
    if (!m->o.mlp) {
        json_object_set_new(out, "newton_iterations", json_integer(m->lr.n_iter));
        json_object_set_new(out, "converged", json_boolean(m->lr.converged));
        return;
    }
    json_object_set_new(out, "hidden", json_integer((json_int_t)m->mlp.hidden));
    json_object_set_new(out, "epochs", json_integer(m->mlp.epochs));
    json_object_set_new(out, "best_epoch", json_integer(m->mlp.best_epoch));
    json_t *hist = json_array();
    for (int e = 0; m->mlp.history && e < m->mlp.epochs; e++) {
        const mlp_epoch *h = &m->mlp.history[e];
        json_array_append_new(hist, json_pack("{s:i, s:f, s:o, s:o}", "epoch", e + 1, "loss", h->train_loss, "val_loss",
                                              isfinite(h->val_loss) ? json_real(h->val_loss) : json_null(), "val_auc",
                                              isfinite(h->val_auc) ? json_real(h->val_auc) : json_null()));
    }
    json_object_set_new(out, "history", hist);
}

void head_model_free(model *base)
{
    head_state *m = (head_state *)base;
    if (!m)
        return;
    clear_fit(m);
    free(m);
}
