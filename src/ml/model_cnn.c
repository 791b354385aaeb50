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
#include "core/options.h"
#include "nn/safetensors.h"
#include "nn/train.h"

#include <math.h>
#include <stddef.h>
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

static const char *const cnn_optimizers[] = {"adam", "adamw", NULL};

/* Every CNN's options (vgg, mobilenet, resnet): `mlac models` and --help print this table. */
const option_spec cnn_option_table[] = {
    {.key = "epochs", .type = OPTION_INT, .offset = offsetof(cnn_opts, epochs), .lo = 1, .hi = 100000, .dflt = 10,
     .help = "most training epochs (fewer when early stopping ends sooner)"},
    {.key = "batch_size", .type = OPTION_INT, .offset = offsetof(cnn_opts, batch_size), .lo = 2, .hi = 4096,
     .dflt = 32, .help = "images per step"},
    {.key = "lr", .type = OPTION_NUM, .offset = offsetof(cnn_opts, lr), .lo = 1e-9, .hi = 10, .dflt = 1e-3,
     .help = "Adam step size"},
    {.key = "input_size", .type = OPTION_INT, .offset = offsetof(cnn_opts, input_size), .lo = 32, .hi = 1024,
     .dflt = 0, .dflt_text = "the image size, 128", .help = "network input side; images are resized bilinearly when it differs"},
    {.key = "width", .type = OPTION_NUM, .offset = offsetof(cnn_opts, width), .lo = 0.1, .hi = 4, .dflt = 1.0,
     .help = "mobilenet: channel width multiplier (vgg and resnet have fixed widths and ignore it)"},
    {.key = "patience", .type = OPTION_INT, .offset = offsetof(cnn_opts, patience), .lo = 1, .hi = 100000, .dflt = 3,
     .help = "epochs without a better validation ROC-AUC before stopping"},
    {.key = "min_epochs", .type = OPTION_INT, .offset = offsetof(cnn_opts, min_epochs), .lo = 1, .hi = 100000,
     .dflt = 3, .help = "early stopping selects no earlier epoch"},
    {.key = "val_fraction", .type = OPTION_NUM, .offset = offsetof(cnn_opts, val_fraction), .lo = 0, .hi = 0.5,
     .dflt = 0.2, .help = "stratified share of the training clips held out for early stopping (0 = none)"},
    {.key = "min_val_per_class", .type = OPTION_INT, .offset = offsetof(cnn_opts, min_val_per_class), .lo = 1,
     .hi = 100000, .dflt = 10, .help = "a smaller validation set is not used: every clip trains for every epoch"},
    {.key = "optimizer", .type = OPTION_ENUM, .offset = offsetof(cnn_opts, adamw), .dflt = 0,
     .choices = cnn_optimizers, .help = "adam or adamw"},
    {.key = "weight_decay", .type = OPTION_NUM, .offset = offsetof(cnn_opts, weight_decay), .lo = 0, .hi = 1,
     .dflt = -1, .dflt_text = "0; 1e-2 with adamw", .help = "L2 (adam) or decoupled (adamw) weight decay"},
    {.key = "mixup", .type = OPTION_NUM, .offset = offsetof(cnn_opts, mixup), .lo = 0, .hi = 100, .dflt = 0,
     .help = "mixup Beta alpha (0 = off)"},
    {.key = "augment", .type = OPTION_BOOL, .offset = offsetof(cnn_opts, augment), .dflt = 1,
     .help = "SpecAugment time/frequency masks while training"},
    {.key = "masks", .type = OPTION_INT, .offset = offsetof(cnn_opts, masks), .lo = 0, .hi = 16, .dflt = 2,
     .help = "SpecAugment masks per axis"},
    {.key = "mask_width", .type = OPTION_INT, .offset = offsetof(cnn_opts, mask_width), .lo = 0, .hi = 1024,
     .dflt = -1, .dflt_text = "S/8", .help = "widest mask in pixels"},
    {.key = "dropout", .type = OPTION_NUM, .offset = offsetof(cnn_opts, dropout), .lo = 0, .hi = 0.95, .dflt = 0.2,
     .dflt_text = "0.5 for vgg, 0.2 otherwise", .help = "dropout before the last layer"},
    OPTION_END,
};

/* The table's options, plus "pretrained" (a file path, so not a table type). */
static int parse_options(json_t *opts, cnn_opts *o, int arch, mlac_err *err)
{
    memset(o, 0, sizeof *o);
    if (opts && !json_is_null(opts) && !json_is_object(opts))
        return mlac_errf(err, MLAC_EINVAL, "%s options must be a JSON object", nn_arch_name(arch));
    json_t *rest = opts && json_is_object(opts) ? json_copy(opts) : json_object();
    /* jansson's json_copy leaves out a member it cannot allocate and still succeeds. */
    if (!rest || (opts && json_is_object(opts) && json_object_size(rest) != json_object_size(opts))) {
        json_decref(rest);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading %s options", nn_arch_name(arch));
    }
    json_t *pre = json_object_get(rest, "pretrained");
    int rc = MLAC_OK;
    if (pre) {
        const char *s = json_string_value(pre);
        if (s && strlen(s) < sizeof o->pretrained)
            snprintf(o->pretrained, sizeof o->pretrained, "%s", s);
        else
            rc = mlac_errf(err, MLAC_EINVAL, "cnn option 'pretrained' must be a file path");
    }
    char saved[sizeof o->pretrained];
    memcpy(saved, o->pretrained, sizeof saved);
    json_object_del(rest, "pretrained");
    if (!rc)
        rc = options_parse(nn_arch_name(arch), cnn_option_table, rest, o, err);
    memcpy(o->pretrained, saved, sizeof saved);
    if (!rc && arch == NN_ARCH_VGG && !json_object_get(rest, "dropout"))
        o->dropout = 0.5;
    json_decref(rest);
    return rc;
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
