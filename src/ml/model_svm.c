/* model_svm.c — the `svm` model: libsvm C-SVC with an RBF kernel on standardised features.
 *
 * Training: features standardised on the training set (standardize.h: mean, std ddof 0,
 * constant features scale 1), then libsvm's svm_train with C = 1 and gamma = 1 / (dim * var)
 * where var is the variance of all entries of the standardised training matrix — what
 * scikit-learn's SVC(gamma='scale') computes on that matrix (1 when var is 0). Options: "C"
 * (number > 0) and "gamma" (number > 0 or "scale"); nothing else.
 *
 * Scores: score_out is the decision value sum_i coef_i exp(-gamma |x - sv_i|^2) - rho, signed
 * so that positive means class 1 (libsvm's sign favours its label[0], which is whichever class
 * came first); it is evaluated here, in libsvm's order (support vectors in model order), from
 * the support vectors copied out of libsvm's model. prob_out is logistic(decision value): no
 * Platt scaling, so it is deterministic (no internal cross-validation) and 0.5 lies exactly on
 * the decision boundary, but it is not calibrated.
 *
 * Cancel: svm_train runs through svm_train_cancel.h, so a cancel stops a big fit at once.
 *
 * Saved form: text — "mlac-svm 1", dim, C, the standardisation (mean, scale), libsvm's own model
 * file text (svm_type ... SV, then "coef 1:v 2:v ..." lines, numbers at %.17g so a round trip
 * is exact), "end", and a last line "sha256 <hex>" of everything before it. The libsvm part
 * can be fed to libsvm's svm-predict after standardising. Loading checks the checksum first,
 * then every field, so a truncated or garbled blob fails cleanly.
 */
#include "core/hash.h"
#include "core/pool.h"
#include "ml/model.h"
#include "core/options.h"
#include "ml/standardize.h"
#include "ml/svm_train_cancel.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <svm.h>

#define SVM_MAX_SV 50000000u
#define SVM_MAX_VALUES ((size_t)1 << 27) /* support vectors x features a saved model may hold */

extern const struct model_kind model_svm;

typedef struct svm_state {
    model base;
    int n_threads;
    double C;          /* from options, default 1 */
    double gamma_opt;  /* > 0 fixed, 0 = 'scale' */
    /* the fitted model; dim == 0 until fit or load */
    standardizer std;
    size_t dim;
    size_t n_sv;
    double gamma;
    double rho;        /* libsvm's rho: decision = sum coef K - rho, positive for label[0] */
    int label[2];      /* libsvm's class order */
    int nr_sv[2];      /* support vectors of label[0], then of label[1] */
    double *coef;      /* (n_sv,) libsvm's sv_coef[0] */
    double *sv;        /* (n_sv, dim) support vectors in standardised space */
} svm_state;

static void svm_clear_fit(svm_state *m)
{
    standardize_release(&m->std);
    free(m->coef);
    free(m->sv);
    m->coef = m->sv = NULL;
    m->dim = m->n_sv = 0;
}

static void quiet(const char *s)
{
    (void)s;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void make_quiet(void)
{
    svm_set_print_string_function(quiet);
}

/* ---- create / options -------------------------------------------------------------------- */

typedef struct svm_options {
    double C, gamma; /* gamma 0 = "scale" */
} svm_options;

static const option_spec svm_option_table[] = {
    {.key = "C", .type = OPTION_NUM, .offset = offsetof(svm_options, C), .lo = 0, .lo_open = 1, .hi = 1e12,
     .dflt = 1, .help = "penalty of the soft margin"},
    {.key = "gamma", .type = OPTION_NUM, .offset = offsetof(svm_options, gamma), .lo = 0, .lo_open = 1,
     .hi = 1e12, .token = "scale", .token_value = 0, .dflt = 0,
     .help = "RBF kernel width; scale = 1 / (features x variance of the standardised training data)"},
    OPTION_END,
};

static int svm_parse_options(json_t *opts, svm_state *m, mlac_err *err)
{
    svm_options o;
    int rc = options_parse("svm", svm_option_table, opts, &o, err);
    m->C = o.C;
    m->gamma_opt = o.gamma;
    return rc;
}

static int svm_create(const model_config *cfg, model **out, mlac_err *err)
{
    *out = NULL;
    svm_state *m = calloc(1, sizeof *m);
    if (!m)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory creating svm");
    m->base.kind = &model_svm;
    m->n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
    int rc = svm_parse_options(cfg->options, m, err);
    if (rc) {
        free(m);
        return rc;
    }
    *out = &m->base;
    return MLAC_OK;
}

/* ---- fit --------------------------------------------------------------------------------- */

static int check_labels(const int *y, size_t n, mlac_err *err)
{
    if (n < 2)
        return mlac_errf(err, MLAC_EINVAL, "svm needs at least 2 training rows, got %zu", n);
    if (n > 0x7fffffffu)
        return mlac_errf(err, MLAC_EINVAL, "svm: too many training rows (%zu)", n);
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "svm: label at row %zu is %d, expected 0 or 1", i, y[i]);
        n_pos += (size_t)y[i];
    }
    if (n_pos == 0 || n_pos == n)
        return mlac_errf(err, MLAC_EINVAL, "svm: all %zu labels are %d: an svm needs both classes", n,
                         n_pos ? 1 : 0);
    return MLAC_OK;
}

/* sklearn's gamma='scale' on the standardised matrix xs (n, dim). */
static double gamma_scale(const double *xs, size_t n, size_t dim)
{
    size_t count = n * dim;
    double sum = 0.0, ss = 0.0;
    for (size_t k = 0; k < count; k++)
        sum += xs[k];
    double mean = sum / (double)count;
    for (size_t k = 0; k < count; k++)
        ss += (xs[k] - mean) * (xs[k] - mean);
    double var = ss / (double)count;
    return var != 0.0 ? 1.0 / ((double)dim * var) : 1.0;
}

/* Copies what scoring needs out of libsvm's fit. */
static int take_model(svm_state *m, const svm_fit_result *sm, size_t dim, mlac_err *err)
{
    m->n_sv = (size_t)sm->l;
    m->coef = malloc(m->n_sv * sizeof *m->coef);
    m->sv = calloc(m->n_sv * dim, sizeof *m->sv);
    if (!m->coef || !m->sv)
        return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory for %zu support vectors", m->n_sv);
    for (size_t i = 0; i < m->n_sv; i++) {
        m->coef[i] = sm->coef[i];
        for (const struct svm_node *p = sm->sv[i]; p->index != -1; p++)
            if (p->index >= 1 && (size_t)p->index <= dim)
                m->sv[i * dim + (size_t)p->index - 1] = p->value;
    }
    m->rho = sm->rho;
    m->label[0] = sm->label[0];
    m->label[1] = sm->label[1];
    m->nr_sv[0] = sm->nr_sv[0];
    m->nr_sv[1] = sm->nr_sv[1];
    m->dim = dim;
    return MLAC_OK;
}

static int svm_fit(model *base, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    svm_state *m = (svm_state *)base;
    svm_clear_fit(m);
    int rc = check_labels(y, n, err);
    if (rc)
        return rc;
    if (dim < 1 || dim > 0x7ffffffeu)
        return mlac_errf(err, MLAC_EINVAL, "svm: bad feature count %zu", dim);
    double *xs = NULL;               /* (n, dim) standardised */
    struct svm_node *space = NULL;   /* (n, dim + 1) libsvm rows, each ended by index -1 */
    struct svm_node **rows = NULL;   /* (n,) */
    double *labels = NULL;           /* (n,) */
    svm_fit_result sm = {0};
    if ((rc = standardize_fit(&m->std, x, n, dim, err))) {
        mlac_err_prefix(err, "svm: ");
        goto out;
    }
    xs = malloc(n * dim * sizeof *xs);
    space = malloc(n * (dim + 1) * sizeof *space);
    rows = malloc(n * sizeof *rows);
    labels = malloc(n * sizeof *labels);
    if (!xs || !space || !rows || !labels) {
        rc = mlac_errf(err, MLAC_ENOMEM, "svm: out of memory for %zu x %zu training rows", n, dim);
        goto out;
    }
    standardize_apply(&m->std, x, n, xs);
    for (size_t i = 0; i < n; i++) {
        struct svm_node *r = space + i * (dim + 1);
        for (size_t j = 0; j < dim; j++)
            r[j] = (struct svm_node){(int)j + 1, xs[i * dim + j]};
        r[dim] = (struct svm_node){-1, 0.0};
        rows[i] = r;
        labels[i] = y[i];
    }
    struct svm_problem prob = {(int)n, labels, rows};
    struct svm_parameter param = {0};
    param.svm_type = C_SVC;
    param.kernel_type = RBF;
    param.gamma = m->gamma_opt > 0 ? m->gamma_opt : gamma_scale(xs, n, dim);
    param.cache_size = 200; /* MB, sklearn's default */
    param.eps = 1e-3;
    param.C = m->C;
    param.shrinking = 1;
    const char *why = svm_check_parameter(&prob, &param);
    if (why) {
        rc = mlac_errf(err, MLAC_EINVAL, "svm: libsvm rejected the parameters: %s", why);
        goto out;
    }
    pthread_once(&quiet_once, make_quiet);
    if ((rc = svm_train_cancellable(&prob, &param, SVM_CANCEL_MIN_ROWS, &sm, err)))
        goto out; /* a cancel stops a big fit at once (svm_train_cancel.h) */
    m->gamma = param.gamma;
    rc = take_model(m, &sm, dim, err);
out:
    svm_fit_result_release(&sm); /* its SVs point into space, freed below */
    free(xs);
    free(space);
    free(rows);
    free(labels);
    if (rc)
        svm_clear_fit(m);
    return rc;
}

/* ---- score ------------------------------------------------------------------------------- */

typedef struct score_ctx {
    const svm_state *m;
    const float *x;  /* (n, dim) */
    size_t n;
    double *row;     /* (n_workers, dim) standardised row per worker */
    double *prob;    /* (n,) or NULL */
    double *score;   /* (n,) or NULL */
} score_ctx;

#define SCORE_CHUNK 16

static double decision(const svm_state *m, const double *xs)
{
    size_t dim = m->dim;
    double sum = 0.0;
    for (size_t i = 0; i < m->n_sv; i++) {
        const double *sv = m->sv + i * dim;
        double d2 = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double d = xs[j] - sv[j];
            d2 += d * d;
        }
        sum += m->coef[i] * exp(-m->gamma * d2);
    }
    sum -= m->rho;
    return m->label[0] == 1 ? sum : -sum;
}

static void score_job(void *ctx, size_t chunk, int worker)
{
    score_ctx *c = ctx;
    const svm_state *m = c->m;
    double *row = c->row + (size_t)worker * m->dim;
    size_t lo = chunk * SCORE_CHUNK, hi = lo + SCORE_CHUNK < c->n ? lo + SCORE_CHUNK : c->n;
    for (size_t i = lo; i < hi; i++) {
        standardize_apply(&m->std, c->x + i * m->dim, 1, row);
        double d = decision(m, row);
        if (c->score)
            c->score[i] = d;
        if (c->prob)
            c->prob[i] = 1.0 / (1.0 + exp(-d));
    }
}

static int svm_score(model *base, const float *x, size_t n, size_t dim, double *prob_out,
                     double *score_out, mlac_err *err)
{
    svm_state *m = (svm_state *)base;
    if (!m->dim)
        return mlac_errf(err, MLAC_EINVAL, "svm: score called before fit or load");
    if (dim != m->dim)
        return mlac_errf(err, MLAC_EINVAL, "svm was fitted on %zu features, got %zu", m->dim, dim);
    int rc = standardize_check_finite(x, n, dim, "x", err);
    if (rc)
        return mlac_err_prefix(err, "svm: ");
    size_t n_chunks = (n + SCORE_CHUNK - 1) / SCORE_CHUNK;
    int workers = m->n_threads;
    if ((size_t)workers > n_chunks)
        workers = n_chunks ? (int)n_chunks : 1;
    double *row = malloc((size_t)workers * dim * sizeof *row);
    if (!row)
        return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory for scoring");
    score_ctx c = {m, x, n, row, prob_out, score_out};
    pool_for(workers, n_chunks, score_job, &c);
    free(row);
    return MLAC_OK;
}

/* ---- save -------------------------------------------------------------------------------- */

static int put_vector(buf *b, const char *name, const double *v, size_t n, mlac_err *err)
{
    int rc = buf_puts(b, name, err);
    for (size_t j = 0; j < n && !rc; j++)
        rc = buf_printf(b, err, " %.17g", v[j]);
    return rc ? rc : buf_puts(b, "\n", err);
}

static int svm_save(model *base, buf *out, mlac_err *err)
{
    svm_state *m = (svm_state *)base;
    if (!m->dim)
        return mlac_errf(err, MLAC_EINVAL, "svm: save called before fit or load");
    buf b;
    buf_init(&b, out->max);
    int rc = buf_printf(&b, err, "mlac-svm 1\ndim %zu\nC %.17g\n", m->dim, m->C);
    rc = rc ? rc : put_vector(&b, "mean", m->std.mean, m->dim, err);
    rc = rc ? rc : put_vector(&b, "scale", m->std.scale, m->dim, err);
    rc = rc ? rc : buf_printf(&b, err,
                              "svm_type c_svc\nkernel_type rbf\ngamma %.17g\nnr_class 2\ntotal_sv %zu\n"
                              "rho %.17g\nlabel %d %d\nnr_sv %d %d\nSV\n",
                              m->gamma, m->n_sv, m->rho, m->label[0], m->label[1], m->nr_sv[0], m->nr_sv[1]);
    for (size_t i = 0; i < m->n_sv && !rc; i++) {
        rc = buf_printf(&b, err, "%.17g", m->coef[i]);
        for (size_t j = 0; j < m->dim && !rc; j++)
            rc = buf_printf(&b, err, " %zu:%.17g", j + 1, m->sv[i * m->dim + j]);
        rc = rc ? rc : buf_puts(&b, "\n", err);
    }
    rc = rc ? rc : buf_puts(&b, "end\n", err);
    if (!rc) {
        char hex[65];
        hash_sha256_hex(b.data, b.len, hex);
        rc = buf_printf(&b, err, "sha256 %s\n", hex);
    }
    rc = rc ? rc : buf_append(out, b.data, b.len, err);
    buf_release(&b);
    return rc;
}

/* ---- load -------------------------------------------------------------------------------- */

/* Line cursor over a NUL-terminated copy of the blob. */
typedef struct lines {
    char *p;    /* start of the next line */
    size_t no;  /* number of the line last returned, 1-based */
} lines;

static char *next_line(lines *l)
{
    if (!*l->p)
        return NULL;
    char *s = l->p, *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        l->p = nl + 1;
    } else {
        l->p = s + strlen(s);
    }
    l->no++;
    return s;
}

/* "key rest": returns rest when the line starts with key and a space. */
static char *field(lines *l, const char *key)
{
    char *s = next_line(l);
    size_t k = strlen(key);
    if (!s || strncmp(s, key, k) != 0 || s[k] != ' ')
        return NULL;
    return s + k + 1;
}

static int parse_double(char **s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(*s, &end);
    if (end == *s || errno == ERANGE || !isfinite(v))
        return -1;
    *s = end;
    *out = v;
    return 0;
}

static int parse_count(const char *s, size_t max, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || errno || s[0] == '-' || v > max)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_vector(char *s, double *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (parse_double(&s, &v[j]))
            return -1;
    return *s ? -1 : 0;
}

/* One "coef i:v i:v ..." line; indices 1-based, strictly increasing, at most dim; gaps are 0. */
static int parse_sv(char *s, size_t dim, double *coef, double *sv)
{
    if (parse_double(&s, coef))
        return -1;
    long last = 0;
    while (*s == ' ')
        s++;
    while (*s) {
        char *end;
        errno = 0;
        long idx = strtol(s, &end, 10);
        if (end == s || errno || *end != ':' || idx <= last || (size_t)idx > dim)
            return -1;
        s = end + 1;
        if (*s == ' ' || parse_double(&s, &sv[idx - 1]))
            return -1;
        last = idx;
        while (*s == ' ')
            s++;
    }
    return 0;
}

/* Verifies the trailing "sha256 <hex>\n" line against the bytes before it. */
static int check_digest(const char *text, size_t n)
{
    static const size_t line = 7 + 64 + 1; /* "sha256 " hex "\n" */
    if (n < line || text[n - 1] != '\n' || memcmp(text + n - line, "sha256 ", 7) != 0 ||
        (n > line && text[n - line - 1] != '\n'))
        return -1;
    char hex[65];
    hash_sha256_hex(text, n - line, hex);
    return memcmp(hex, text + n - line + 7, 64) == 0 ? 0 : -1;
}

static int load_text(svm_state *m, char *text, size_t n, mlac_err *err)
{
    lines l = {text, 0};
    char *s;
    size_t dim = 0, n_sv = 0, nr0 = 0, nr1 = 0;
    double *mean = NULL, *scale = NULL; /* (dim,) */
    int rc = MLAC_OK;
#define BAD(what)                                                                               \
    do {                                                                                        \
        rc = mlac_errf(err, MLAC_EFORMAT, "svm model: bad %s at line %zu", what, l.no);         \
        goto out;                                                                               \
    } while (0)
    if (!(s = next_line(&l)) || strcmp(s, "mlac-svm 1") != 0)
        BAD("header (expected 'mlac-svm 1')");
    if (!(s = field(&l, "dim")) || parse_count(s, 1u << 24, &dim) || dim == 0 || dim > n / 4)
        BAD("dim");
    if (!(s = field(&l, "C")) || parse_vector(s, &m->C, 1) || !(m->C > 0))
        BAD("C");
    mean = malloc(dim * sizeof *mean);
    scale = malloc(dim * sizeof *scale);
    if (!mean || !scale) {
        rc = mlac_errf(err, MLAC_ENOMEM, "svm model: out of memory for %zu features", dim);
        goto out;
    }
    if (!(s = field(&l, "mean")) || parse_vector(s, mean, dim))
        BAD("mean");
    if (!(s = field(&l, "scale")) || parse_vector(s, scale, dim))
        BAD("scale");
    if (standardize_set(&m->std, mean, scale, dim, err)) {
        rc = mlac_err_prefix(err, "svm model: ");
        goto out;
    }
    if (!(s = field(&l, "svm_type")) || strcmp(s, "c_svc") != 0)
        BAD("svm_type (expected c_svc)");
    if (!(s = field(&l, "kernel_type")) || strcmp(s, "rbf") != 0)
        BAD("kernel_type (expected rbf)");
    if (!(s = field(&l, "gamma")) || parse_vector(s, &m->gamma, 1) || !(m->gamma > 0))
        BAD("gamma");
    if (!(s = field(&l, "nr_class")) || strcmp(s, "2") != 0)
        BAD("nr_class (expected 2)");
    if (!(s = field(&l, "total_sv")) || parse_count(s, SVM_MAX_SV, &n_sv) || n_sv == 0 ||
        n_sv > n / 2 || n_sv > SVM_MAX_VALUES / dim)
        BAD("total_sv");
    if (!(s = field(&l, "rho")) || parse_vector(s, &m->rho, 1))
        BAD("rho");
    if (!(s = field(&l, "label")) || sscanf(s, "%d %d", &m->label[0], &m->label[1]) != 2 ||
        m->label[0] + m->label[1] != 1 || m->label[0] * m->label[1] != 0)
        BAD("label (expected '0 1' or '1 0')");
    if (!(s = field(&l, "nr_sv")) || sscanf(s, "%zu %zu", &nr0, &nr1) != 2 || nr0 > n_sv ||
        nr1 > n_sv || nr0 + nr1 != n_sv)
        BAD("nr_sv");
    if (!(s = next_line(&l)) || strcmp(s, "SV") != 0)
        BAD("SV marker");
    m->coef = malloc(n_sv * sizeof *m->coef);
    m->sv = calloc(n_sv * dim, sizeof *m->sv);
    if (!m->coef || !m->sv) {
        rc = mlac_errf(err, MLAC_ENOMEM, "svm model: out of memory for %zu support vectors", n_sv);
        goto out;
    }
    for (size_t i = 0; i < n_sv; i++)
        if (!(s = next_line(&l)) || parse_sv(s, dim, &m->coef[i], m->sv + i * dim))
            BAD("support vector");
    if (!(s = next_line(&l)) || strcmp(s, "end") != 0)
        BAD("end marker");
#undef BAD
    m->nr_sv[0] = (int)nr0;
    m->nr_sv[1] = (int)nr1;
    m->n_sv = n_sv;
    m->dim = dim;
out:
    free(mean);
    free(scale);
    return rc;
}

static int svm_load(model *base, const void *data, size_t n, mlac_err *err)
{
    svm_state *m = (svm_state *)base;
    svm_clear_fit(m);
    char *text = malloc(n + 1);
    if (!text)
        return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory loading a %zu-byte model", n);
    memcpy(text, data, n);
    text[n] = '\0';
    int rc;
    if (memchr(text, '\0', n) || check_digest(text, n))
        rc = mlac_errf(err, MLAC_EFORMAT, "svm model is truncated or corrupt (checksum mismatch)");
    else
        rc = load_text(m, text, n, err);
    free(text);
    if (rc)
        svm_clear_fit(m);
    return rc;
}

/* ---- describe, free ---------------------------------------------------------------------- */

static void svm_describe(model *base, json_t *out)
{
    svm_state *m = (svm_state *)base;
    if (!m->dim)
        return;
    json_object_set_new(out, "kernel", json_string("rbf"));
    json_object_set_new(out, "C", json_real(m->C));
    json_object_set_new(out, "gamma", json_real(m->gamma));
    json_object_set_new(out, "n_support_vectors", json_integer((json_int_t)m->n_sv));
    int neg = m->label[0] == 0 ? m->nr_sv[0] : m->nr_sv[1];
    json_object_set_new(out, "n_support_by_class", json_pack("[ii]", neg, (int)m->n_sv - neg));
    json_object_set_new(out, "probability", json_string("logistic(decision value), not calibrated"));
    size_t bytes = sizeof *m + m->n_sv * (m->dim + 1) * sizeof(double) + 2 * m->dim * sizeof(double);
    json_object_set_new(out, "memory_bytes", json_integer((json_int_t)bytes));
}

static void svm_model_free(model *base)
{
    svm_state *m = (svm_state *)base;
    if (!m)
        return;
    svm_clear_fit(m);
    free(m);
}

const struct model_kind model_svm = {
    .name = "svm",
    .options = svm_option_table,
    .description = "support vector machine (libsvm C-SVC, RBF kernel, gamma 'scale') on standardised features",
    .input = INPUT_SUMMARY,
    .create = svm_create,
    .fit = svm_fit,
    .score = svm_score,
    .save = svm_save,
    .load = svm_load,
    .describe = svm_describe,
    .free = svm_model_free,
};
