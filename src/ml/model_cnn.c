/* model_cnn.c — vgg, mobilenet and resnet behind the model interface (see model_cnn.h):
 * options, input preparation, initialisation or pretrained weights, save/load and the task's
 * description. The training loop itself is nn/train.c, the networks nn/nets.c.
 *
 * fit: images are standardised per image (and resized when input_size differs from S); the
 * network is initialised from the seed (or loads pretrained weights by name and shape), then
 * trained by nn_train. Everything random draws from one rng seeded with cfg.seed in a fixed
 * order (initialisation, validation split, shuffles, augmentation, dropout), so a run is
 * reproducible for a seed.
 */
#include "ml/model_cnn.h"
#include "core/fsutil.h"
#include "nn/augment.h"
#include "nn/nets.h"
#include "nn/safetensors.h"
#include "nn/train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct cnn_opts {
    int epochs, batch_size, input_size, patience, adamw, augment, masks, mask_width;
    int min_epochs, min_val_per_class;
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
    nn_train_log log;      /* epochs run, the best one, validation size */
    int n_pretrained;
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
                    .mask_width = -1, .min_epochs = 3, .min_val_per_class = 10, .lr = 1e-3, .width = 1.0, .val_fraction = 0.2,
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
        else if (!strcmp(k, "min_epochs")) rc = opt_int(v, k, 1, 100000, &o->min_epochs, err);
        else if (!strcmp(k, "min_val_per_class")) rc = opt_int(v, k, 1, 100000, &o->min_val_per_class, err);
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
                           "patience, min_epochs, val_fraction, min_val_per_class, optimizer, weight_decay, mixup, augment, masks, "
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
    nn_train_log_release(&m->log);
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

static void train_opts(const cnn_opts *c, nn_train_opts *o)
{
    *o = (nn_train_opts){.epochs = c->epochs, .batch_size = c->batch_size, .patience = c->patience,
                         .val_fraction = c->val_fraction, .min_val_per_class = c->min_val_per_class,
                         .min_epochs = c->min_epochs, .lr = c->lr, .adamw = c->adamw,
                         .weight_decay = c->weight_decay, .mixup = c->mixup, .augment = c->augment,
                         .masks = c->masks, .mask_width = c->mask_width};
}

int cnn_model_fit(model *mb, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    cnn_model *m = (cnn_model *)mb;
    const char *name = mb->kind->name;
    float *xs = NULL, *tmp = NULL;
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
    size_t per = (size_t)m->size * m->size;
    size_t big = (size_t)(m->size > m->image_size ? m->size : m->image_size);
    xs = malloc(n * per * sizeof(float));
    tmp = malloc(big * big * sizeof(float));
    if (!xs || !tmp) {
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory for %zu training images", name, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        prepare(m, xs + i * per, x + i * dim, tmp);
    nn_train_opts to;
    train_opts(&m->o, &to);
    nn_train_log_release(&m->log);
    rc = nn_train(m->net, &to, xs, y, n, &r, &m->log, err);
out:
    free(xs);
    free(tmp);
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
        rc = nn_predict_logits(m->net, xs, nb, m->o.batch_size, lg + b, err);
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

static json_t *history_json(const nn_train_log *log)
{
    json_t *h = json_array();
    for (int i = 0; h && i < log->n_epochs; i++) {
        const nn_epoch_log *e = &log->epochs[i];
        json_array_append_new(h, json_pack("{s:i, s:f, s:o, s:f}", "epoch", e->epoch, "loss",
                                           isfinite(e->loss) ? e->loss : 0.0, "val_auc",
                                           isfinite(e->val_auc) ? json_real(e->val_auc) : json_null(),
                                           "seconds", e->seconds));
    }
    return h;
}

void cnn_model_describe(model *mb, json_t *out)
{
    cnn_model *m = (cnn_model *)mb;
    json_object_set_new(out, "history", history_json(&m->log));
    json_object_set_new(out, "epochs_run", json_integer(m->log.n_epochs));
    json_object_set_new(out, "best_epoch", json_integer(m->log.best_epoch));
    if (isfinite(m->log.best_auc))
        json_object_set_new(out, "best_val_auc", json_real(m->log.best_auc));
    static const char *const sel[] = {"validation", "last (no validation split)",
                                      "last (validation too small: all clips trained)"};
    if (m->log.n_epochs)
        json_object_set_new(out, "epoch_selection", json_string(sel[m->log.selection]));
    json_object_set_new(out, "n_val", json_integer((json_int_t)m->log.n_val));
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
