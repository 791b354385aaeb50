/* test_head_model.c — the birdnet and perch model kinds (standardisation + head) through the
 * model interface the runner uses: against scikit-learn's StandardScaler + LogisticRegression
 * pipeline on raw float32 embeddings with offsets, wild scales and a constant component
 * (tests/fixtures/gen/embed.py, "pipe"), save/load round trips and corrupt blobs, options,
 * the inner CV of --head-cv, the MLP head, and bad input.
 */
#include "core/npy.h"
#include "ml/head_model.h"
#include "ml/model.h"
#include "embed/embed_settings.h"
#include "test.h"

#include <jansson.h>

extern const struct model_kind model_birdnet;
extern const struct model_kind model_perch;

#define PROB_TOL 1e-4
#define DEC_TOL 1e-3

typedef struct mat {
    float *x;  /* (n, dim) */
    int *y;    /* (n,) */
    double *v; /* (n,) */
    size_t n, dim;
} mat;

static int load(const char *name, mat *m, int kind) /* kind: 0 x, 1 y, 2 v */
{
    char rel[128];
    snprintf(rel, sizeof rel, "embed/%s.npy", name);
    npy_array a;
    mlac_err err = {0};
    if (npy_load(test_fixture(rel), &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    m->n = a.shape[0];
    if (kind == 0) {
        m->dim = a.shape[1];
        m->x = malloc(a.count * sizeof *m->x);
        for (size_t i = 0; i < a.count; i++)
            m->x[i] = (float)a.data[i];
    } else if (kind == 1) {
        m->y = malloc(a.count * sizeof *m->y);
        for (size_t i = 0; i < a.count; i++)
            m->y[i] = (int)a.data[i];
    } else {
        m->v = a.data;
        a.data = NULL;
    }
    npy_release(&a);
    return 0;
}

static model *make(const struct model_kind *k, const char *options, int threads, mlac_err *err)
{
    json_t *o = options ? json_loads(options, 0, NULL) : NULL;
    model_config cfg = {7, threads, o};
    model *m = NULL;
    int rc = k->create(&cfg, &m, err);
    json_decref(o);
    return rc ? NULL : m;
}

static mat xtr, ytr, xte, prob_ref, dec_ref;

static void test_against_sklearn(void)
{
    mlac_err err = {0};
    CHECK(model_birdnet.input == INPUT_EMBEDDING && model_perch.input == INPUT_EMBEDDING);
    CHECK(!strcmp(model_birdnet.name, "birdnet") && !strcmp(model_perch.name, "perch"));
    model *m = make(&model_birdnet, NULL, 1, &err);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_OK(model_birdnet.fit(m, xtr.x, ytr.y, xtr.n, xtr.dim, &err), &err);
    double *p = malloc(xte.n * sizeof *p), *s = malloc(xte.n * sizeof *s);
    CHECK_OK(model_birdnet.score(m, xte.x, xte.n, xte.dim, p, s, &err), &err);
    double wp = 0, ws = 0;
    for (size_t i = 0; i < xte.n; i++) {
        wp = fmax(wp, fabs(p[i] - prob_ref.v[i]));
        ws = fmax(ws, fabs(s[i] - dec_ref.v[i]));
    }
    printf("birdnet head vs sklearn pipeline: prob diff %.2g, decision diff %.2g\n", wp, ws);
    CHECK_MSG(wp <= PROB_TOL, "prob max diff %g", wp);
    CHECK_MSG(ws <= DEC_TOL, "decision max diff %g", ws);
    json_t *info = json_object();
    model_birdnet.describe(m, info);
    CHECK(!strcmp(json_string_value(json_object_get(info, "head")), "logistic"));
    CHECK(json_real_value(json_object_get(info, "C")) == 1.0);
    CHECK(json_is_true(json_object_get(info, "converged")));
    json_decref(info);

    /* save, load into a fresh model: the same scores, bit for bit */
    buf b;
    buf_init(&b, 0);
    CHECK_OK(model_birdnet.save(m, &b, &err), &err);
    model *m2 = make(&model_birdnet, NULL, 1, &err);
    double *p2 = malloc(xte.n * sizeof *p2), *s2 = malloc(xte.n * sizeof *s2);
    CHECK_OK(model_birdnet.load(m2, b.data, b.len, &err), &err);
    CHECK_OK(model_birdnet.score(m2, xte.x, xte.n, xte.dim, p2, s2, &err), &err);
    CHECK(!memcmp(p, p2, xte.n * sizeof *p) && !memcmp(s, s2, xte.n * sizeof *s));
    /* one flipped byte, a truncated blob, garbage */
    b.data[60] ^= 1;
    CHECK(model_birdnet.load(m2, b.data, b.len, &err) == MLAC_EFORMAT && strstr(err.msg, "checksum"));
    b.data[60] ^= 1;
    CHECK(model_birdnet.load(m2, b.data, b.len - 1, &err) == MLAC_EFORMAT);
    CHECK(model_birdnet.load(m2, "hello", 5, &err) == MLAC_EFORMAT);
    CHECK(model_birdnet.score(m2, xte.x, 1, xte.dim, p2, NULL, &err) == MLAC_EINVAL); /* load failed: no model */
    buf_release(&b);
    model_birdnet.free(m2);
    model_birdnet.free(m);
    free(p);
    free(s);
    free(p2);
    free(s2);
}

static void test_head_cv(void)
{
    mlac_err err = {0};
    model *a = make(&model_perch, "{\"head_cv\": true}", 1, &err), *b = make(&model_perch, "{\"head_cv\": true}", 2, &err);
    CHECK(a && b);
    if (!a || !b)
        goto out;
    CHECK_OK(model_perch.fit(a, xtr.x, ytr.y, xtr.n, xtr.dim, &err), &err);
    CHECK_OK(model_perch.fit(b, xtr.x, ytr.y, xtr.n, xtr.dim, &err), &err);
    json_t *ia = json_object(), *ib = json_object();
    model_perch.describe(a, ia);
    model_perch.describe(b, ib);
    json_t *cv = json_object_get(ia, "cv");
    CHECK(json_array_size(cv) == 6 && json_integer_value(json_object_get(ia, "cv_folds")) == 3);
    double C = json_real_value(json_object_get(ia, "C"));
    /* the chosen C is the grid point with the best mean AUC (ties: lower log-loss) */
    double best_auc = -1, best_loss = INFINITY, best_c = 0;
    for (size_t i = 0; i < json_array_size(cv); i++) {
        json_t *e = json_array_get(cv, i);
        double auc = json_real_value(json_object_get(e, "auc")), loss = json_real_value(json_object_get(e, "log_loss"));
        if (auc > best_auc + 1e-12 || (fabs(auc - best_auc) <= 1e-12 && loss < best_loss))
            best_auc = auc, best_loss = loss, best_c = json_real_value(json_object_get(e, "C"));
    }
    CHECK_MSG(C == best_c, "chose C %g, best mean AUC at %g", C, best_c);
    /* the thread count does not change anything */
    CHECK(json_equal(ia, ib));
    double pa[50], pb[50];
    CHECK_OK(model_perch.score(a, xte.x, 50, xte.dim, pa, NULL, &err), &err);
    CHECK_OK(model_perch.score(b, xte.x, 50, xte.dim, pb, NULL, &err), &err);
    CHECK(!memcmp(pa, pb, sizeof pa));
    json_decref(ia);
    json_decref(ib);
    /* too few clips of a class for inner CV: the default is kept and said */
    float x3[3 * 2] = {0, 1, 1, 0, 2, 2};
    int y3[3] = {0, 1, 1};
    CHECK_OK(model_perch.fit(a, x3, y3, 3, 2, &err), &err);
    json_t *i3 = json_object();
    model_perch.describe(a, i3);
    CHECK(json_object_get(i3, "cv_note") && json_real_value(json_object_get(i3, "C")) == 1.0);
    json_decref(i3);
out:
    if (a)
        model_perch.free(a);
    if (b)
        model_perch.free(b);
}

static void test_mlp(void)
{
    mlac_err err = {0};
    model *m = make(&model_perch, "{\"head\": \"mlp\", \"hidden\": 32, \"lr\": 0.01}", 1, &err);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_OK(model_perch.fit(m, xtr.x, ytr.y, xtr.n, xtr.dim, &err), &err);
    double *p = malloc(xte.n * sizeof *p), *s = malloc(xte.n * sizeof *s);
    CHECK_OK(model_perch.score(m, xte.x, xte.n, xte.dim, p, s, &err), &err);
    int ok = 1;
    for (size_t i = 0; i < xte.n; i++)
        ok &= p[i] >= 0 && p[i] <= 1 && fabs(1 / (1 + exp(-s[i])) - p[i]) < 1e-12;
    CHECK(ok);
    json_t *info = json_object();
    model_perch.describe(m, info);
    CHECK(!strcmp(json_string_value(json_object_get(info, "head")), "mlp"));
    CHECK(json_array_size(json_object_get(info, "history")) == (size_t)json_integer_value(json_object_get(info, "epochs")));
    json_decref(info);
    buf b;
    buf_init(&b, 0);
    CHECK_OK(model_perch.save(m, &b, &err), &err);
    model *m2 = make(&model_perch, NULL, 1, &err); /* the blob says it is an mlp */
    double *p2 = malloc(xte.n * sizeof *p2);
    CHECK_OK(model_perch.load(m2, b.data, b.len, &err), &err);
    CHECK_OK(model_perch.score(m2, xte.x, xte.n, xte.dim, p2, NULL, &err), &err);
    CHECK(!memcmp(p, p2, xte.n * sizeof *p));
    buf_release(&b);
    model_perch.free(m2);
    model_perch.free(m);
    free(p);
    free(p2);
    free(s);
}

static void test_bad(void)
{
    mlac_err err = {0};
    CHECK(make(&model_birdnet, "{\"bogus\": 1}", 1, &err) == NULL && strstr(err.msg, "bogus") &&
          strstr(err.msg, "birdnet"));
    CHECK(make(&model_birdnet, "{\"C\": -1}", 1, &err) == NULL && strstr(err.msg, "'C'"));
    CHECK(make(&model_birdnet, "{\"head\": \"svm\"}", 1, &err) == NULL);
    CHECK(make(&model_birdnet, "[1]", 1, &err) == NULL);
    model *m = make(&model_birdnet, "{\"grid\": [0.5, 2], \"cv_folds\": 2}", 1, &err);
    CHECK(m != NULL);
    double p;
    CHECK(model_birdnet.score(m, xte.x, 1, xte.dim, &p, NULL, &err) == MLAC_EINVAL && strstr(err.msg, "before fit"));
    int y2[2] = {0, 2};
    CHECK(model_birdnet.fit(m, xtr.x, y2, 2, xtr.dim, &err) == MLAC_EINVAL);
    float nan_x[4] = {1, NAN, 0, 1};
    int y[2] = {0, 1};
    CHECK(model_birdnet.fit(m, nan_x, y, 2, 2, &err) == MLAC_EINVAL && strstr(err.msg, "row 0, column 1"));
    CHECK_OK(model_birdnet.fit(m, xtr.x, ytr.y, xtr.n, xtr.dim, &err), &err);
    CHECK(model_birdnet.score(m, xte.x, 1, xte.dim - 1, &p, NULL, &err) == MLAC_EINVAL);
    model_birdnet.free(m);
    model_birdnet.free(NULL);
    embed_settings s;
    embed_settings_default(&s);
    s.head_mlp = 1;
    s.head_cv = 1;
    json_t *o = embed_settings_head_options(&s);
    CHECK(!strcmp(json_string_value(json_object_get(o, "head")), "mlp") && json_is_true(json_object_get(o, "head_cv")));
    json_decref(o);
}

int main(void)
{
    int rc = load("pipe_xtr", &xtr, 0) | load("pipe_ytr", &ytr, 1) | load("pipe_xte", &xte, 0) |
             load("pipe_prob", &prob_ref, 2) | load("pipe_dec", &dec_ref, 2);
    CHECK(rc == 0);
    if (!rc) {
        test_against_sklearn();
        test_head_cv();
        test_mlp();
        test_bad();
    }
    free(xtr.x);
    free(ytr.y);
    free(xte.x);
    free(prob_ref.v);
    free(dec_ref.v);
    TEST_MAIN_END();
}
