/* test_cnn_model.c — vgg, mobilenet and resnet through the model interface on small synthetic
 * log-mel-like images (positives carry a bright horizontal band — a tone — at a random time):
 * vgg learns it (test AUC), every model fits, scores probabilities, records its history, saves
 * and loads to identical scores, is deterministic for a seed, resizes to input_size, and
 * rejects bad options and inputs.
 */
#include "test.h"

#include "core/rng.h"
#include "ml/model.h"

extern const struct model_kind model_vgg, model_mobilenet, model_resnet;

#define S 32

static void make_images(float *x, int *y, size_t n, unsigned long long seed)
{
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        float *img = x + i * S * S;
        y[i] = (int)(i % 2);
        for (int j = 0; j < S * S; j++)
            img[j] = (float)(-40 + 5 * rng_normal(&r));
        if (y[i]) {
            int row = 8 + (int)rng_below(&r, 16), t0 = (int)rng_below(&r, S / 2);
            for (int t = t0; t < t0 + S / 2; t++)
                img[row * S + t] += 25, img[(row + 1) * S + t] += 15;
        }
    }
}

static double auc(const double *s, const int *y, size_t n)
{
    double w = 0, p = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y[i] && !y[j])
                w += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    for (size_t i = 0; i < n; i++)
        p += y[i], q += !y[i];
    return w / (p * q);
}

static model *fit(const struct model_kind *k, const char *opts, const float *x, const int *y,
                  size_t n, size_t dim)
{
    json_error_t je;
    json_t *o = json_loads(opts, 0, &je);
    model_config cfg = {.seed = 7, .n_threads = 1, .options = o}; /* ctest runs tests 2 at a time */
    model *m = NULL;
    mlac_err err = {0};
    CHECK_OK(k->create(&cfg, &m, &err), &err);
    json_decref(o);
    if (!m)
        return NULL;
    int rc = k->fit(m, x, y, n, dim, &err);
    CHECK_MSG(rc == 0, "%s fit: %s", k->name, err.msg);
    if (rc) {
        k->free(m);
        return NULL;
    }
    return m;
}

/* vgg must learn the band; mobilenet and resnet only run (2 epochs, batch norm statistics from
 * few images) */
static void test_kind(const struct model_kind *k, const char *opts, double min_auc)
{
    enum { NTR = 48, NTE = 24 };
    static float xtr[NTR * S * S], xte[NTE * S * S];
    int ytr[NTR], yte[NTE];
    make_images(xtr, ytr, NTR, 1);
    make_images(xte, yte, NTE, 2);
    CHECK(k->input == INPUT_LOGMEL_IMAGE);
    model *m = fit(k, opts, xtr, ytr, NTR, S * S);
    if (!m)
        return;
    double p[NTE], s[NTE], p2[NTE];
    mlac_err err = {0};
    CHECK_OK(k->score(m, xte, NTE, S * S, p, s, &err), &err);
    int okp = 1;
    for (int i = 0; i < NTE; i++)
        okp &= p[i] > 0 && p[i] < 1 && fabs(p[i] - 1 / (1 + exp(-s[i]))) < 1e-12;
    CHECK(okp);
    double a = auc(s, yte, NTE);
    printf("%s %s: test auc %.3f\n", k->name, opts, a);
    CHECK_MSG(a >= min_auc, "%s test AUC %.3f < %.2f", k->name, a, min_auc);
    json_t *d = json_object();
    k->describe(m, d);
    json_t *h = json_object_get(d, "history");
    int ep = (int)json_integer_value(json_object_get(d, "epochs_run"));
    CHECK(json_is_array(h) && (int)json_array_size(h) == ep && ep >= 1);
    CHECK(json_is_number(json_object_get(json_array_get(h, 0), "loss")));
    CHECK(json_is_number(json_object_get(json_array_get(h, 0), "val_auc")));
    CHECK(json_integer_value(json_object_get(d, "n_parameters")) > 1000);
    json_decref(d);
    /* save / load: identical scores */
    buf b;
    buf_init(&b, 0);
    CHECK_OK(k->save(m, &b, &err), &err);
    model *m2 = NULL;
    model_config cfg = {.seed = 1, .n_threads = 2};
    CHECK_OK(k->create(&cfg, &m2, &err), &err);
    CHECK_OK(k->load(m2, b.data, b.len, &err), &err);
    CHECK_OK(k->score(m2, xte, NTE, S * S, p2, NULL, &err), &err);
    /* other batch size and thread count: oneDNN may pick another kernel, so not bit-exact */
    double md = 0;
    for (int i = 0; i < NTE; i++)
        md = fmax(md, fabs(p[i] - p2[i]));
    CHECK_MSG(md < 1e-5, "%s: loaded model scores differ by %g", k->name, md);
    /* a truncated blob fails cleanly */
    CHECK(k->load(m2, b.data, b.len / 2, &err) != 0);
    k->free(m2);
    buf_release(&b);
    /* determinism for a seed */
    model *m3 = fit(k, opts, xtr, ytr, NTR, S * S);
    if (m3) {
        CHECK_OK(k->score(m3, xte, NTE, S * S, p2, NULL, &err), &err);
        CHECK(memcmp(p, p2, sizeof p) == 0);
        k->free(m3);
    }
    k->free(m);
}

static void test_errors(void)
{
    mlac_err err = {0};
    model *m = NULL;
    json_t *o = json_pack("{s:i}", "epoch", 3);
    model_config cfg = {.seed = 1, .n_threads = 1, .options = o};
    CHECK(model_vgg.create(&cfg, &m, &err) == MLAC_EINVAL && m == NULL);
    CHECK(strstr(err.msg, "'epoch'") != NULL);
    json_decref(o);
    o = json_pack("{s:f}", "lr", -1.0);
    cfg.options = o;
    CHECK(model_resnet.create(&cfg, &m, &err) == MLAC_EINVAL);
    json_decref(o);
    cfg.options = NULL;
    CHECK_OK(model_vgg.create(&cfg, &m, &err), &err);
    float x[2 * 30];
    int y[2] = {0, 1};
    memset(x, 0, sizeof x);
    CHECK(model_vgg.fit(m, x, y, 2, 30, &err) == MLAC_EINVAL); /* not square */
    double p[2];
    CHECK(model_vgg.score(m, x, 2, 30, p, NULL, &err) == MLAC_EINVAL); /* before fit */
    model_vgg.free(m);
}

int main(void)
{
    test_errors();
    test_kind(&model_vgg, "{\"epochs\": 6, \"batch_size\": 8, \"min_val_per_class\": 4}", 0.8);
    test_kind(&model_mobilenet, "{\"epochs\": 2, \"batch_size\": 8, \"width\": 0.5, \"mixup\": 0.4, \"min_val_per_class\": 4}", 0);
    test_kind(&model_resnet, "{\"epochs\": 2, \"batch_size\": 16, \"input_size\": 40, \"optimizer\": \"adamw\", \"min_val_per_class\": 4}", 0);
    TEST_MAIN_END();
}
