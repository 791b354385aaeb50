/* test_svm.c — the svm model against scikit-learn's SVC, plus standardisation, determinism,
 * save/load and bad input.
 *
 * Reference (tests/fixtures/gen/ml.py, scikit-learn 1.2): SVC(C=1, gamma='scale') on the
 * training set standardised in float64 (mean, std ddof 0, constant -> 1); its
 * decision_function on the standardised test set. Both sides run libsvm's SMO with eps 1e-3,
 * so decision values must agree to DEC_TOL and gamma to rounding.
 */
#include "core/hash.h"
#include "core/npy.h"
#include "ml/model.h"
#include "ml/standardize.h"
#include "test.h"

#include <jansson.h>
#include <stdint.h>

#define DEC_TOL 1e-3

typedef struct data {
    float *x; /* (n, dim) */
    int *y;   /* (n,) */
    size_t n, dim;
} data;

static int load_data(const char *ds, const char *part, data *d)
{
    char px[64], py[64];
    snprintf(px, sizeof px, "ml/%s_x%s.npy", ds, part);
    snprintf(py, sizeof py, "ml/%s_y%s.npy", ds, part);
    npy_array a, b;
    mlac_err err = {0};
    if (npy_load(test_fixture(px), &a, &err) || a.ndim != 2) {
        fprintf(stderr, "%s: %s\n", px, err.msg);
        return -1;
    }
    if (npy_load(test_fixture(py), &b, &err) || b.count != a.shape[0]) {
        fprintf(stderr, "%s: %s\n", py, err.msg);
        npy_release(&a);
        return -1;
    }
    d->n = a.shape[0];
    d->dim = a.shape[1];
    d->x = malloc(a.count * sizeof *d->x);
    d->y = malloc(b.count * sizeof *d->y);
    for (size_t i = 0; i < a.count; i++)
        d->x[i] = (float)a.data[i];
    for (size_t i = 0; i < b.count; i++)
        d->y[i] = (int)b.data[i];
    npy_release(&a);
    npy_release(&b);
    return 0;
}

static void data_release(data *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

static model *make_svm(int threads, const char *options)
{
    const struct model_kind *k = model_find("svm");
    CHECK(k && k->input == INPUT_SUMMARY);
    json_t *opts = options ? json_loads(options, 0, NULL) : NULL;
    model_config cfg = {11, threads, opts};
    model *m = NULL;
    mlac_err err = {0};
    CHECK_OK(k->create(&cfg, &m, &err), &err);
    json_decref(opts);
    return m;
}

static void test_standardize(void)
{
    /* columns: {1, 3, 5} -> mean 3, std sqrt(8/3); {2, 2, 2} constant -> scale 1 */
    float x[6] = {1, 2, 3, 2, 5, 2};
    standardizer s = {0};
    mlac_err err = {0};
    CHECK_OK(standardize_fit(&s, x, 3, 2, &err), &err);
    CHECK_NEAR(s.mean[0], 3.0, 1e-15);
    CHECK_NEAR(s.scale[0], sqrt(8.0 / 3.0), 1e-15);
    CHECK(s.mean[1] == 2.0 && s.scale[1] == 1.0);
    double out[6];
    standardize_apply(&s, x, 3, out);
    CHECK_NEAR(out[0], -2.0 / sqrt(8.0 / 3.0), 1e-15);
    CHECK(out[1] == 0.0 && out[3] == 0.0 && out[5] == 0.0);
    float outf[6];
    standardize_apply_f32(&s, x, 3, outf);
    CHECK_NEAR(outf[4], 2.0 / sqrt(8.0 / 3.0), 1e-6);
    CHECK_OK(standardize_fit(&s, x, 2, 3, &err), &err); /* refit releases the old arrays */
    CHECK(s.dim == 3 && s.mean[0] == 1.5 && s.scale[0] == 0.5);
    x[3] = INFINITY;
    CHECK(standardize_fit(&s, x, 3, 2, &err) == MLAC_EINVAL && strstr(err.msg, "row 1, column 1"));
    double mean[2] = {0, 1}, bad[2] = {1, 0};
    CHECK(standardize_set(&s, mean, bad, 2, &err) == MLAC_EFORMAT);
    standardize_release(&s);
    standardize_release(NULL);
}

static void test_against_sklearn(json_t *ref, const char *ds)
{
    data tr = {0}, te = {0};
    char path[64];
    snprintf(path, sizeof path, "ml/%s_svm_dec.npy", ds);
    npy_array want;
    mlac_err err = {0};
    CHECK(!load_data(ds, "tr", &tr) && !load_data(ds, "te", &te));
    CHECK_OK(npy_load(test_fixture(path), &want, &err), &err);
    if (!tr.x || !te.x || want.count != te.n)
        goto out;
    json_t *r = json_object_get(json_object_get(ref, ds), "svm");
    model *m = make_svm(2, NULL);
    CHECK_OK(m->kind->fit(m, tr.x, tr.y, tr.n, tr.dim, &err), &err);
    double *dec = malloc(te.n * sizeof *dec), *prob = malloc(te.n * sizeof *prob);
    CHECK_OK(m->kind->score(m, te.x, te.n, te.dim, prob, dec, &err), &err);
    double worst = 0.0;
    size_t sign_agree = 0;
    for (size_t i = 0; i < te.n; i++) {
        double d = fabs(dec[i] - want.data[i]);
        worst = d > worst ? d : worst;
        sign_agree += (dec[i] > 0) == (want.data[i] > 0);
        CHECK_NEAR(prob[i], 1.0 / (1.0 + exp(-dec[i])), 1e-15);
    }
    CHECK_MSG(worst <= DEC_TOL, "%s: max |decision - sklearn| = %g", ds, worst);
    CHECK(sign_agree == te.n);
    json_t *d = json_object();
    m->kind->describe(m, d);
    double gamma = json_real_value(json_object_get(d, "gamma"));
    double want_gamma = json_real_value(json_object_get(r, "gamma"));
    CHECK_NEAR(gamma / want_gamma, 1.0, 1e-12);
    json_t *nsv = json_object_get(d, "n_support_by_class"), *want_nsv = json_object_get(r, "n_support");
    for (size_t c = 0; c < 2; c++) {
        json_int_t got = json_integer_value(json_array_get(nsv, c));
        json_int_t exp_ = json_integer_value(json_array_get(want_nsv, c));
        CHECK_MSG(got == exp_, "%s class %zu: %lld support vectors, sklearn %lld", ds, c,
                  (long long)got, (long long)exp_);
    }
    printf("%s: max |decision - sklearn| = %.3g, gamma %.6g, %lld support vectors\n", ds, worst, gamma,
           (long long)json_integer_value(json_object_get(d, "n_support_vectors")));
    json_decref(d);
    free(dec);
    free(prob);
    m->kind->free(m);
out:
    npy_release(&want);
    data_release(&tr);
    data_release(&te);
}

static void test_determinism_and_save(const data *tr, const data *te)
{
    model *a = make_svm(1, NULL), *b = make_svm(3, NULL);
    mlac_err err = {0};
    size_t n = te->n, bytes = n * sizeof(double);
    double *sa = malloc(bytes), *sb = malloc(bytes), *pb = malloc(bytes), *sc = malloc(bytes);
    CHECK_OK(a->kind->fit(a, tr->x, tr->y, tr->n, tr->dim, &err), &err);
    CHECK_OK(b->kind->fit(b, tr->x, tr->y, tr->n, tr->dim, &err), &err);
    CHECK_OK(a->kind->score(a, te->x, n, te->dim, NULL, sa, &err), &err);
    CHECK_OK(b->kind->score(b, te->x, n, te->dim, pb, sb, &err), &err);
    CHECK(memcmp(sa, sb, bytes) == 0);

    /* round trip into a fresh model */
    buf blob;
    buf_init(&blob, 0);
    CHECK_OK(a->kind->save(a, &blob, &err), &err);
    model *c = make_svm(2, NULL);
    CHECK(c->kind->score(c, te->x, n, te->dim, NULL, sc, &err) == MLAC_EINVAL); /* not fitted */
    CHECK_OK(c->kind->load(c, blob.data, blob.len, &err), &err);
    CHECK_OK(c->kind->score(c, te->x, n, te->dim, NULL, sc, &err), &err);
    CHECK(memcmp(sa, sc, bytes) == 0);
    CHECK(strncmp(blob.data, "mlac-svm 1\n", 11) == 0 && strstr(blob.data, "\nkernel_type rbf\n"));
    buf again;
    buf_init(&again, 0);
    CHECK_OK(c->kind->save(c, &again, &err), &err);
    CHECK(again.len == blob.len && memcmp(again.data, blob.data, blob.len) == 0);
    buf_release(&again);

    /* truncated, garbled: refused, and the model is left unfitted rather than half-loaded */
    size_t cuts[] = {0, 5, 40, blob.len / 2, blob.len - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++)
        CHECK(c->kind->load(c, blob.data, cuts[k], &err) == MLAC_EFORMAT);
    for (size_t off = 0; off < blob.len; off += blob.len / 53 + 1) {
        blob.data[off] ^= 0x04;
        CHECK(c->kind->load(c, blob.data, blob.len, &err) == MLAC_EFORMAT);
        blob.data[off] ^= 0x04;
    }
    CHECK(c->kind->score(c, te->x, n, te->dim, NULL, sc, &err) == MLAC_EINVAL);

    /* a bad field under a valid checksum is caught by the parser: "nr_class 3" */
    char *text = malloc(blob.len + 1);
    memcpy(text, blob.data, blob.len + 1);
    char *nc = strstr(text, "\nnr_class 2\n");
    CHECK(nc != NULL);
    if (nc) {
        nc[10] = '3';
        size_t body = blob.len - (7 + 64 + 1);
        hash_sha256_hex(text, body, text + body + 7);
        text[blob.len - 1] = '\n';
        CHECK(c->kind->load(c, text, blob.len, &err) == MLAC_EFORMAT && strstr(err.msg, "nr_class"));
        nc[10] = '2'; /* and restored, it loads again: the re-checksumming above is right */
        hash_sha256_hex(text, body, text + body + 7);
        text[blob.len - 1] = '\n';
        CHECK_OK(c->kind->load(c, text, blob.len, &err), &err);
    }
    free(text);
    buf_release(&blob);

    /* dim mismatch, NaN named by row and column */
    CHECK(a->kind->score(a, te->x, n, te->dim - 1, NULL, sa, &err) == MLAC_EINVAL);
    float *xn = malloc(te->dim * 3 * sizeof *xn);
    memcpy(xn, te->x, te->dim * 3 * sizeof *xn);
    xn[2 * te->dim + 7] = NAN;
    CHECK(a->kind->score(a, xn, 3, te->dim, NULL, sa, &err) == MLAC_EINVAL);
    CHECK_MSG(strstr(err.msg, "row 2, column 7") != NULL, "%s", err.msg);
    free(xn);
    a->kind->free(a);
    b->kind->free(b);
    c->kind->free(c);
    free(sa);
    free(sb);
    free(pb);
    free(sc);
}

/* Mutations under a valid checksum: each load either succeeds or fails with MLAC_EFORMAT. */
static void test_load_fuzz(const data *tr)
{
    model *m = make_svm(1, NULL);
    mlac_err err = {0};
    CHECK_OK(m->kind->fit(m, tr->x, tr->y, 40, tr->dim, &err), &err);
    buf blob;
    buf_init(&blob, 0);
    CHECK_OK(m->kind->save(m, &blob, &err), &err);
    size_t tail = 7 + 64 + 1, body = blob.len - tail;
    char *text = malloc(blob.len + 1);
    static const char alphabet[] = "0123456789 :.-+eE\nxSV";
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int loaded = 0;
    double s[4];
    for (int it = 0; it < 150; it++) {
        memcpy(text, blob.data, blob.len + 1);
        for (int k = 0; k < 2; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[x % body] = alphabet[(x >> 40) % (sizeof alphabet - 1)];
        }
        hash_sha256_hex(text, body, text + body + 7);
        text[blob.len - 1] = '\n';
        int rc = m->kind->load(m, text, blob.len, &err);
        CHECK_MSG(rc == MLAC_OK || rc == MLAC_EFORMAT, "rc %d: %s", rc, err.msg);
        if (rc == MLAC_OK) {
            loaded++;
            CHECK_OK(m->kind->score(m, tr->x, 4, tr->dim, NULL, s, &err), &err);
        }
    }
    printf("load fuzz: %d of 150 mutated models still valid\n", loaded);
    free(text);
    buf_release(&blob);
    m->kind->free(m);
}

static void test_edges(void)
{
    float x[8 * 2];
    int y[8];
    for (int i = 0; i < 8; i++) {
        y[i] = i >= 4;
        x[i * 2] = (float)i;
        x[i * 2 + 1] = 3.0f; /* constant */
    }
    model *m = make_svm(1, NULL);
    mlac_err err = {0};
    double s[8], p[8];
    CHECK_OK(m->kind->fit(m, x, y, 8, 2, &err), &err);
    CHECK_OK(m->kind->score(m, x, 8, 2, p, s, &err), &err);
    for (int i = 0; i < 8; i++)
        CHECK_MSG((s[i] > 0) == y[i] && (p[i] > 0.5) == y[i], "row %d: %g", i, s[i]);
    /* n = 2 */
    float x2[4] = {0, 0, 1, 1};
    int y2[2] = {1, 0};
    CHECK_OK(m->kind->fit(m, x2, y2, 2, 2, &err), &err);
    CHECK_OK(m->kind->score(m, x2, 2, 2, p, s, &err), &err);
    CHECK(s[0] > 0 && s[1] < 0); /* class 1 came first: the sign still means class 1 */
    /* every feature constant: gamma falls back to 1, scores are finite */
    float xc[8 * 2];
    for (int i = 0; i < 16; i++)
        xc[i] = 2.0f;
    CHECK_OK(m->kind->fit(m, xc, y, 8, 2, &err), &err);
    CHECK_OK(m->kind->score(m, xc, 8, 2, p, s, &err), &err);
    CHECK(isfinite(s[0]) && s[0] == s[7]);
    /* one class, bad labels, NaN */
    int y1[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(m->kind->fit(m, x, y1, 8, 2, &err) == MLAC_EINVAL && strstr(err.msg, "both classes"));
    CHECK(m->kind->score(m, x, 8, 2, p, s, &err) == MLAC_EINVAL); /* a failed fit leaves no model */
    y1[3] = -1;
    CHECK(m->kind->fit(m, x, y1, 8, 2, &err) == MLAC_EINVAL && strstr(err.msg, "row 3"));
    CHECK(m->kind->fit(m, x, y, 1, 2, &err) == MLAC_EINVAL);
    x[5 * 2 + 1] = NAN;
    CHECK(m->kind->fit(m, x, y, 8, 2, &err) == MLAC_EINVAL);
    CHECK_MSG(strstr(err.msg, "row 5, column 1") != NULL, "%s", err.msg);
    m->kind->free(m);

    /* options */
    const char *bad[] = {"{\"C\": 0}", "{\"gamma\": \"auto\"}", "{\"kernel\": \"linear\"}", "3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        model_config cfg = {1, 1, o};
        model *b = NULL;
        CHECK_MSG(model_find("svm")->create(&cfg, &b, &err) == MLAC_EINVAL && !b, "%s", bad[i]);
        json_decref(o);
    }
    m = make_svm(1, "{\"C\": 10, \"gamma\": 0.5}");
    x[5 * 2 + 1] = 3.0f;
    CHECK_OK(m->kind->fit(m, x, y, 8, 2, &err), &err);
    json_t *d = json_object();
    m->kind->describe(m, d);
    CHECK(json_real_value(json_object_get(d, "gamma")) == 0.5);
    CHECK(json_real_value(json_object_get(d, "C")) == 10.0);
    buf blob;
    buf_init(&blob, 0);
    CHECK_OK(m->kind->save(m, &blob, &err), &err);
    model *c = make_svm(1, NULL);
    CHECK_OK(c->kind->load(c, blob.data, blob.len, &err), &err);
    json_t *d2 = json_object();
    c->kind->describe(c, d2);
    CHECK(json_equal(d, d2)); /* C = 10 and gamma came back from the blob, not from options */
    json_decref(d2);
    c->kind->free(c);
    buf_release(&blob);
    json_decref(d);
    m->kind->free(m);
    model_find("svm")->free(NULL);
}

int main(void)
{
    json_error_t jerr;
    json_t *ref = json_load_file(test_fixture("ml/reference.json"), 0, &jerr);
    CHECK_MSG(ref != NULL, "reference.json: %s", jerr.text);
    test_standardize();
    if (ref) {
        test_against_sklearn(ref, "easy");
        test_against_sklearn(ref, "hard");
    }
    data tr = {0}, te = {0};
    if (!load_data("hard", "tr", &tr) && !load_data("hard", "te", &te))
    {
        test_determinism_and_save(&tr, &te);
        test_load_fuzz(&tr);
    } else
        CHECK(!"fixtures load");
    test_edges();
    data_release(&tr);
    data_release(&te);
    json_decref(ref);
    TEST_MAIN_END();
}
