/* cnn_model.c — training and scoring vgg / mobilenet / resnet on log-mel images (see
 * cnn_model.h).
 *
 * fit: images are standardised per image (and resized when input_size differs from S); a
 * stratified validation split (val_fraction of each class, seeded) is held out; the network is
 * initialised from the seed (or loads pretrained weights by name and shape), then trained with
 * Adam(W) on shuffled mini-batches (a last batch of one image is skipped: batch norm cannot
 * normalise it), with augmentation and optional mixup; after every epoch the validation AUC is
 * measured and the best weights kept; training stops after `patience` epochs without
 * improvement and the best weights are restored. Everything random draws from one rng seeded
 * with cfg.seed, so a run is reproducible for a seed and a thread count. The oneDNN
 * backward-weights reduction may split work by thread count, so results can differ in the last
 * bits between thread counts (the rest of the engine is thread-count independent).
 */
#include "nn/cnn_model.h"
#include "core/fsutil.h"
#include "core/timeutil.h"
#include "nn/adam.h"
#include "nn/augment.h"
#include "nn/nets.h"
#include "nn/safetensors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct cnn_opts {
    int epochs, batch_size, input_size, patience, adamw, augment, masks, mask_width;
    double lr, width, val_fraction, weight_decay, mixup, dropout;
    char pretrained[1024];
} cnn_opts;

typedef struct cnn_model {
    model base;
    int arch;              /* enum nn_arch */
    cnn_opts o;
    unsigned long long seed;
    int n_threads;
    nn_net *net;           /* NULL until fit or load */
    int image_size;        /* S of the rows seen in fit */
    int size;              /* network input size */
    json_t *history;       /* [{"epoch", "loss", "val_auc", "seconds"}] */
    int epochs_run, best_epoch, n_pretrained;
    double best_auc;
} cnn_model;

/* ---- options ----------------------------------------------------------------------------- */

static int opt_num(json_t *v, const char *k, double lo, double hi, double *out, mlac_err *err)
{
    if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
        return mlac_errf(err, MLAC_EINVAL, "cnn option '%s' must be a number in [%g, %g]", k, lo, hi);
    *out = json_number_value(v);
    return MLAC_OK;
}

static int opt_int(json_t *v, const char *k, int lo, int hi, int *out, mlac_err *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return mlac_errf(err, MLAC_EINVAL, "cnn option '%s' must be an integer in [%d, %d]", k, lo, hi);
    *out = (int)json_integer_value(v);
    return MLAC_OK;
}

static int parse_options(json_t *opts, cnn_opts *o, int arch, mlac_err *err)
{
    *o = (cnn_opts){.epochs = 10, .batch_size = 32, .patience = 3, .augment = 1, .masks = 2,
                    .mask_width = -1, .lr = 1e-3, .width = 1.0, .val_fraction = 0.2,
                    .weight_decay = -1, .dropout = arch == NN_ARCH_VGG ? 0.5 : 0.2};
    if (!opts || json_is_null(opts))
        return MLAC_OK;
    if (!json_is_object(opts))
        return mlac_errf(err, MLAC_EINVAL, "%s options must be a JSON object", nn_arch_name(arch));
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v) {
        int rc;
        if (!strcmp(k, "epochs")) rc = opt_int(v, k, 1, 100000, &o->epochs, err);
        else if (!strcmp(k, "batch_size")) rc = opt_int(v, k, 2, 4096, &o->batch_size, err);
        else if (!strcmp(k, "input_size")) rc = opt_int(v, k, 32, 1024, &o->input_size, err);
        else if (!strcmp(k, "patience")) rc = opt_int(v, k, 1, 100000, &o->patience, err);
        else if (!strcmp(k, "masks")) rc = opt_int(v, k, 0, 16, &o->masks, err);
        else if (!strcmp(k, "mask_width")) rc = opt_int(v, k, 0, 1024, &o->mask_width, err);
        else if (!strcmp(k, "lr")) rc = opt_num(v, k, 1e-9, 10, &o->lr, err);
        else if (!strcmp(k, "width")) rc = opt_num(v, k, 0.1, 4, &o->width, err);
        else if (!strcmp(k, "val_fraction")) rc = opt_num(v, k, 0, 0.5, &o->val_fraction, err);
        else if (!strcmp(k, "weight_decay")) rc = opt_num(v, k, 0, 1, &o->weight_decay, err);
        else if (!strcmp(k, "mixup")) rc = opt_num(v, k, 0, 100, &o->mixup, err);
        else if (!strcmp(k, "dropout")) rc = opt_num(v, k, 0, 0.95, &o->dropout, err);
        else if (!strcmp(k, "augment")) {
            rc = json_is_boolean(v) ? MLAC_OK
                                    : mlac_errf(err, MLAC_EINVAL, "cnn option 'augment' must be true or false");
            o->augment = json_is_true(v);
        } else if (!strcmp(k, "optimizer")) {
            const char *s = json_string_value(v);
            rc = s && (!strcmp(s, "adam") || !strcmp(s, "adamw"))
                     ? MLAC_OK
                     : mlac_errf(err, MLAC_EINVAL, "cnn option 'optimizer' must be \"adam\" or \"adamw\"");
            o->adamw = s && !strcmp(s, "adamw");
        } else if (!strcmp(k, "pretrained")) {
            const char *s = json_string_value(v);
            rc = s && strlen(s) < sizeof o->pretrained
                     ? MLAC_OK
                     : mlac_errf(err, MLAC_EINVAL, "cnn option 'pretrained' must be a file path");
            if (!rc)
                strcpy(o->pretrained, s);
        } else {
            rc = mlac_errf(err, MLAC_EINVAL,
                           "%s has no option '%s' (known: epochs, batch_size, lr, input_size, width, "
                           "patience, val_fraction, optimizer, weight_decay, mixup, augment, masks, "
                           "mask_width, dropout, pretrained)", nn_arch_name(arch), k);
        }
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

int cnn_model_create(const struct model_kind *kind, int arch, const model_config *cfg, model **out,
                     mlac_err *err)
{
    *out = NULL;
    cnn_model *m = calloc(1, sizeof *m);
    if (!m)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory creating %s", kind->name);
    m->base.kind = kind;
    m->arch = arch;
    m->seed = cfg->seed;
    m->n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
    int rc = parse_options(cfg->options, &m->o, arch, err);
    if (!rc && !(m->history = json_array()))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory creating %s", kind->name);
    if (rc) {
        cnn_model_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return MLAC_OK;
}

void cnn_model_free(model *mb)
{
    cnn_model *m = (cnn_model *)mb;
    if (!m)
        return;
    nn_net_free(m->net);
    json_decref(m->history);
    free(m);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static int image_side(size_t dim, int *s, const char *name, mlac_err *err)
{
    size_t r = (size_t)llround(sqrt((double)dim));
    if (r * r != dim || r < 8)
        return mlac_errf(err, MLAC_EINVAL, "%s wants square log-mel images, got rows of %zu values",
                         name, dim);
    *s = (int)r;
    return MLAC_OK;
}

/* dst (size, size): row i of x standardised and resized to the network input. */
static void prepare(const cnn_model *m, float *dst, const float *row, float *tmp)
{
    int s = m->image_size;
    if (s == m->size) {
        memcpy(dst, row, (size_t)s * s * sizeof(float));
    } else {
        memcpy(tmp, row, (size_t)s * s * sizeof(float));
        nn_standardize_image(tmp, s); /* standardise first: resizing keeps it near 0/1 */
        nn_resize_bilinear(dst, m->size, tmp, s);
    }
    nn_standardize_image(dst, m->size);
}

/* Mann-Whitney AUC with ties counted 1/2; -1 when a class is missing. */
static double auc(const double *score, const int *y, size_t n)
{
    double pos = 0, neg = 0, wins = 0;
    for (size_t i = 0; i < n; i++) {
        if (!y[i])
            continue;
        for (size_t j = 0; j < n; j++)
            if (!y[j])
                wins += score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0;
    }
    for (size_t i = 0; i < n; i++)
        pos += y[i] != 0, neg += y[i] == 0;
    return pos > 0 && neg > 0 ? wins / (pos * neg) : -1;
}

/* Logits of the prepared images xs (n, size*size), in batches. */
static int predict(cnn_model *m, const float *xs, size_t n, double *logit, mlac_err *err)
{
    size_t per = (size_t)m->size * m->size;
    for (size_t b = 0; b < n; b += (size_t)m->o.batch_size) {
        int nb = (int)(n - b < (size_t)m->o.batch_size ? n - b : (size_t)m->o.batch_size);
        int rc = nn_forward(m->net, xs + b * per, nb, 0, NULL, err);
        if (rc)
            return rc;
        const float *out = nn_output(m->net);
        for (int i = 0; i < nb; i++)
            logit[b + (size_t)i] = out[i];
    }
    return MLAC_OK;
}

static int build_net(cnn_model *m, mlac_err *err)
{
    nn_arch_params ap = {.arch = m->arch, .in_ch = 1, .size = m->size, .n_out = 1,
                         .width = m->o.width, .dropout = (float)m->o.dropout};
    nn_net_free(m->net);
    m->net = NULL;
    int rc = nn_build(&m->net, &ap, err);
    if (!rc)
        rc = nn_net_plan(m->net, m->o.batch_size, err);
    return rc;
}

static int load_pretrained(cnn_model *m, mlac_err *err)
{
    buf b;
    buf_init(&b, (size_t)2 << 30);
    safetensors st = {0};
    int rc = fs_read_file(m->o.pretrained, &b, (size_t)2 << 30, err);
    if (!rc)
        rc = safetensors_parse(b.data, b.len, m->o.pretrained, &st, err);
    if (!rc)
        rc = safetensors_load_net(m->net, &st, 0, &m->n_pretrained, err);
    if (!rc && m->n_pretrained == 0)
        rc = mlac_errf(err, MLAC_EINVAL, "'%s': no tensor matches a %s parameter by name and shape",
                       m->o.pretrained, nn_arch_name(m->arch));
    safetensors_release(&st);
    buf_release(&b);
    return rc;
}

/* ---- fit --------------------------------------------------------------------------------- */

typedef struct fit_buffers {
    float *xs;     /* (n, size*size) prepared images */
    float *batch;  /* (B, size*size) */
    float *yb;     /* (B,) targets */
    float *dl;     /* (B,) */
    float *tmp;    /* (max(S, size)^2) */
    size_t *idx;   /* (n,) */
    int *val;      /* (n,) 1 = validation */
    double *logit; /* (n,) */
    float *best;   /* (n_floats,) best parameters */
} fit_buffers;

static void split_validation(cnn_model *m, const int *y, size_t n, int *val, rng *r, size_t *n_val)
{
    *n_val = 0;
    memset(val, 0, n * sizeof(int));
    if (m->o.val_fraction <= 0)
        return;
    size_t *cls = malloc(n * sizeof(size_t));
    if (!cls)
        return;
    for (int c = 0; c < 2; c++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == c)
                cls[k++] = i;
        size_t take = (size_t)llround(m->o.val_fraction * (double)k);
        if (take < 1 || k - take < 1) /* too few of this class: no validation at all */
            take = 0;
        rng_shuffle_idx(r, cls, k);
        for (size_t i = 0; i < take; i++)
            val[cls[i]] = 1;
        *n_val += take;
    }
    free(cls);
    /* a usable validation set needs both classes */
    int has[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        if (val[i])
            has[y[i]] = 1;
    if (!has[0] || !has[1]) {
        memset(val, 0, n * sizeof(int));
        *n_val = 0;
    }
}

static int train_epoch(cnn_model *m, fit_buffers *fb, const int *y, const size_t *tr, size_t n_tr,
                       nn_adam *opt, rng *r, double *loss_out, mlac_err *err)
{
    size_t per = (size_t)m->size * m->size;
    int B = m->o.batch_size, mw = m->o.mask_width >= 0 ? m->o.mask_width : m->size / 8;
    double loss_sum = 0;
    size_t seen = 0;
    for (size_t b = 0; b + 1 < n_tr; b += (size_t)B) {
        int nb = (int)(n_tr - b < (size_t)B ? n_tr - b : (size_t)B);
        for (int i = 0; i < nb; i++) {
            float *img = fb->batch + (size_t)i * per;
            memcpy(img, fb->xs + tr[b + (size_t)i] * per, per * sizeof(float));
            if (m->o.augment)
                nn_augment_image(img, fb->tmp, m->size, m->o.masks, mw, r);
            fb->yb[i] = (float)y[tr[b + (size_t)i]];
        }
        if (m->o.mixup > 0) { /* mix each image with the next one in the batch */
            double lam = nn_beta_sample(r, m->o.mixup);
            memcpy(fb->tmp, fb->batch, per * sizeof(float));
            float y0 = fb->yb[0];
            for (int i = 0; i < nb; i++) {
                float *a = fb->batch + (size_t)i * per;
                const float *o = i + 1 < nb ? a + per : fb->tmp;
                for (size_t j = 0; j < per; j++)
                    a[j] = (float)(lam * a[j] + (1 - lam) * o[j]);
                fb->yb[i] = (float)(lam * fb->yb[i] + (1 - lam) * (i + 1 < nb ? fb->yb[i + 1] : y0));
            }
        }
        int rc = nn_forward(m->net, fb->batch, nb, 1, r, err);
        if (rc)
            return rc;
        double l = bce_logits_forward_backward(fb->dl, nn_output(m->net), fb->yb, nb);
        if (!isfinite(l))
            return mlac_errf(err, MLAC_EINTERNAL, "%s training diverged (loss %g)",
                             nn_arch_name(m->arch), l);
        nn_zero_grad(m->net);
        if ((rc = nn_backward(m->net, fb->dl, nb, err)))
            return rc;
        nn_adam_step(opt, m->net);
        loss_sum += l * nb;
        seen += (size_t)nb;
    }
    *loss_out = seen ? loss_sum / (double)seen : NAN;
    return MLAC_OK;
}

int cnn_model_fit(model *mb, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    cnn_model *m = (cnn_model *)mb;
    const char *name = mb->kind->name;
    fit_buffers fb = {0};
    nn_adam opt = {0};
    int rc = image_side(dim, &m->image_size, name, err);
    if (rc)
        return rc;
    if (n < 2)
        return mlac_errf(err, MLAC_EINVAL, "%s needs at least 2 training images, got %zu", name, n);
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "%s: label at row %zu is %d, expected 0 or 1", name, i, y[i]);
    m->size = m->o.input_size ? m->o.input_size : m->image_size;
    omp_set_num_threads(m->n_threads);
    rng r;
    rng_seed(&r, m->seed);
    if ((rc = build_net(m, err)))
        return rc;
    nn_net_init_params(m->net, &r);
    if (m->o.pretrained[0] && (rc = load_pretrained(m, err)))
        return rc;
    size_t per = (size_t)m->size * m->size, big = (size_t)(m->size > m->image_size ? m->size : m->image_size);
    int B = m->o.batch_size;
    fb.xs = malloc(n * per * sizeof(float));
    fb.batch = malloc((size_t)B * per * sizeof(float));
    fb.yb = malloc((size_t)B * sizeof(float));
    fb.dl = malloc((size_t)B * sizeof(float));
    fb.tmp = malloc(big * big * sizeof(float));
    fb.idx = malloc(n * sizeof(size_t));
    fb.val = malloc(n * sizeof(int));
    fb.logit = malloc(n * sizeof(double));
    fb.best = malloc(m->net->n_floats * sizeof(float));
    if (!fb.xs || !fb.batch || !fb.yb || !fb.dl || !fb.tmp || !fb.idx || !fb.val || !fb.logit || !fb.best) {
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory for %zu training images", name, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        prepare(m, fb.xs + i * per, x + i * dim, fb.tmp);
    size_t n_val = 0;
    split_validation(m, y, n, fb.val, &r, &n_val);
    /* validation images first (packed), then the training indices */
    float *xv = malloc((n_val ? n_val : 1) * per * sizeof(float));
    int *yv = malloc((n_val ? n_val : 1) * sizeof(int));
    size_t *tr = fb.idx, n_tr = 0, k = 0;
    if (!xv || !yv) {
        free(xv), free(yv);
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (fb.val[i]) {
            memcpy(xv + k * per, fb.xs + i * per, per * sizeof(float));
            yv[k++] = y[i];
        } else {
            tr[n_tr++] = i;
        }
    }
    if ((rc = nn_adam_init(&opt, m->net, m->o.adamw, err)))
        goto out_val;
    opt.lr = m->o.lr;
    if (m->o.weight_decay >= 0)
        opt.weight_decay = m->o.weight_decay;
    m->best_auc = -1;
    m->best_epoch = 0;
    json_array_clear(m->history);
    int stale = 0;
    for (int ep = 1; ep <= m->o.epochs; ep++) {
        double t0 = time_now(), loss = NAN, vauc = -1;
        rng_shuffle_idx(&r, tr, n_tr);
        if ((rc = train_epoch(m, &fb, y, tr, n_tr, &opt, &r, &loss, err)))
            goto out_val;
        if (n_val) {
            if ((rc = predict(m, xv, n_val, fb.logit, err)))
                goto out_val;
            vauc = auc(fb.logit, yv, n_val);
        }
        m->epochs_run = ep;
        json_array_append_new(m->history,
                              json_pack("{s:i, s:f, s:o, s:f}", "epoch", ep, "loss", isfinite(loss) ? loss : 0.0,
                                        "val_auc", vauc >= 0 ? json_real(vauc) : json_null(),
                                        "seconds", time_now() - t0));
        if (!n_val || vauc > m->best_auc) {
            m->best_auc = vauc;
            m->best_epoch = ep;
            memcpy(fb.best, m->net->params, m->net->n_floats * sizeof(float));
            stale = 0;
        } else if (++stale >= m->o.patience) {
            break;
        }
    }
    memcpy(m->net->params, fb.best, m->net->n_floats * sizeof(float));
out_val:
    free(xv);
    free(yv);
out:
    nn_adam_release(&opt);
    free(fb.xs), free(fb.batch), free(fb.yb), free(fb.dl), free(fb.tmp), free(fb.idx), free(fb.val);
    free(fb.logit), free(fb.best);
    if (rc)
        mlac_err_prefix(err, "training %s: ", name);
    return rc;
}

/* ---- score, save, load, describe --------------------------------------------------------- */

int cnn_model_score(model *mb, const float *x, size_t n, size_t dim, double *prob_out,
                    double *score_out, mlac_err *err)
{
    cnn_model *m = (cnn_model *)mb;
    if (!m->net)
        return mlac_errf(err, MLAC_EINVAL, "%s: score before fit or load", mb->kind->name);
    if (dim != (size_t)m->image_size * m->image_size)
        return mlac_errf(err, MLAC_EINVAL, "%s was trained on %dx%d images, got rows of %zu values",
                         mb->kind->name, m->image_size, m->image_size, dim);
    omp_set_num_threads(m->n_threads);
    size_t per = (size_t)m->size * m->size, B = (size_t)m->o.batch_size;
    size_t big = (size_t)(m->size > m->image_size ? m->size : m->image_size);
    float *xs = malloc(B * per * sizeof(float)), *tmp = malloc(big * big * sizeof(float));
    double *lg = malloc((n ? n : 1) * sizeof(double));
    int rc = MLAC_OK;
    if (!xs || !tmp || !lg) {
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory scoring", mb->kind->name);
        goto out;
    }
    for (size_t b = 0; b < n && !rc; b += B) {
        size_t nb = n - b < B ? n - b : B;
        for (size_t i = 0; i < nb; i++)
            prepare(m, xs + i * per, x + (b + i) * dim, tmp);
        rc = predict(m, xs, nb, lg + b, err);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (score_out)
            score_out[i] = lg[i];
        if (prob_out)
            prob_out[i] = 1.0 / (1.0 + exp(-lg[i]));
    }
out:
    free(xs), free(tmp), free(lg);
    return rc;
}

int cnn_model_save(model *mb, buf *out, mlac_err *err)
{
    cnn_model *m = (cnn_model *)mb;
    if (!m->net)
        return mlac_errf(err, MLAC_EINVAL, "%s: save before fit", mb->kind->name);
    char s1[32], s2[32], s3[32];
    snprintf(s1, sizeof s1, "%d", m->size);
    snprintf(s2, sizeof s2, "%d", m->image_size);
    snprintf(s3, sizeof s3, "%.17g", m->o.width);
    json_t *meta = json_pack("{s:s, s:s, s:s, s:s}", "mlac_model", mb->kind->name, "input_size", s1,
                             "image_size", s2, "width", s3);
    int rc = meta ? safetensors_write_net(out, m->net, meta, err)
                  : mlac_errf(err, MLAC_ENOMEM, "out of memory saving %s", mb->kind->name);
    json_decref(meta);
    return rc;
}

static int meta_int(json_t *meta, const char *k, int lo, int hi, int *out)
{
    const char *s = json_string_value(json_object_get(meta, k));
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int cnn_model_load(model *mb, const void *data, size_t n, mlac_err *err)
{
    cnn_model *m = (cnn_model *)mb;
    safetensors st;
    int rc = safetensors_parse(data, n, mb->kind->name, &st, err);
    if (rc)
        return rc;
    const char *kind = json_string_value(json_object_get(st.metadata, "mlac_model"));
    const char *w = json_string_value(json_object_get(st.metadata, "width"));
    char *end = NULL;
    double width = w ? strtod(w, &end) : 0;
    if (!kind || strcmp(kind, mb->kind->name) || meta_int(st.metadata, "input_size", 8, 4096, &m->size) ||
        meta_int(st.metadata, "image_size", 8, 4096, &m->image_size) || !w || *end ||
        !(width >= 0.05 && width <= 4)) {
        rc = mlac_errf(err, MLAC_EFORMAT, "saved %s model has missing or bad metadata", mb->kind->name);
        goto out;
    }
    m->o.width = width;
    omp_set_num_threads(m->n_threads);
    if (!(rc = build_net(m, err)))
        rc = safetensors_load_net(m->net, &st, 1, NULL, err);
    if (rc) {
        nn_net_free(m->net);
        m->net = NULL;
    }
out:
    safetensors_release(&st);
    return rc;
}

void cnn_model_describe(model *mb, json_t *out)
{
    cnn_model *m = (cnn_model *)mb;
    json_object_set(out, "history", m->history);
    json_object_set_new(out, "epochs_run", json_integer(m->epochs_run));
    json_object_set_new(out, "best_epoch", json_integer(m->best_epoch));
    if (m->best_auc >= 0)
        json_object_set_new(out, "best_val_auc", json_real(m->best_auc));
    json_object_set_new(out, "input_size", json_integer(m->size));
    json_object_set_new(out, "batch_size", json_integer(m->o.batch_size));
    json_object_set_new(out, "lr", json_real(m->o.lr));
    json_object_set_new(out, "optimizer", json_string(m->o.adamw ? "adamw" : "adam"));
    if (m->arch == NN_ARCH_MOBILENET)
        json_object_set_new(out, "width", json_real(m->o.width));
    if (m->net) {
        json_object_set_new(out, "n_parameters", json_integer((json_int_t)nn_trainable_count(m->net)));
        json_object_set_new(out, "activation_mb",
                            json_real((double)(m->net->acts_len + m->net->dacts_len) * sizeof(float) / 1e6));
    }
    if (m->o.pretrained[0])
        json_object_set_new(out, "pretrained_tensors", json_integer(m->n_pretrained));
}
