/* test_determinism.c — CNN results never depend on the thread count (issue 14 defect 2): vgg,
 * mobilenet and resnet fitted for several epochs with 1, 2 and 4 threads on the same seed give
 * byte-identical test scores, and identical training histories (losses and validation AUCs).
 * The images are synthetic log-mel-like (a bright band in the positives), as test_cnn_model.c.
 */
#include "test.h"

#include "core/rng.h"
#include "ml/model.h"

extern const struct model_kind model_vgg, model_mobilenet, model_resnet;

#define S 32
enum { NTR = 24, NTE = 12 };

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
                img[row * S + t] += 25;
        }
    }
}

/* Fits k with `threads` threads and scores the test images into p; the history's JSON text
 * into hist (caller frees). Returns 0 on success. */
static int fit_score(const struct model_kind *k, const char *opts, int threads, const float *xtr,
                     const int *ytr, const float *xte, double *p, char **hist)
{
    json_error_t je;
    json_t *o = json_loads(opts, 0, &je);
    model_config cfg = {.seed = 11, .n_threads = threads, .options = o};
    model *m = NULL;
    mlac_err err = {0};
    int rc = k->create(&cfg, &m, &err);
    if (!rc)
        rc = k->fit(m, xtr, ytr, NTR, S * S, &err);
    if (!rc)
        rc = k->score(m, xte, NTE, S * S, p, NULL, &err);
    CHECK_MSG(rc == 0, "%s with %d threads: %s", k->name, threads, err.msg);
    *hist = NULL;
    if (!rc) {
        json_t *d = json_object();
        k->describe(m, d);
        json_t *h = json_deep_copy(json_object_get(d, "history"));
        for (size_t i = 0; i < json_array_size(h); i++)
            json_object_del(json_array_get(h, i), "seconds"); /* wall time differs, of course */
        *hist = json_dumps(h, JSON_COMPACT);
        json_decref(h);
        json_decref(d);
    }
    if (m)
        k->free(m);
    json_decref(o);
    return rc;
}

static void test_kind(const struct model_kind *k, const char *opts)
{
    static float xtr[NTR * S * S], xte[NTE * S * S];
    int ytr[NTR], yte[NTE];
    make_images(xtr, ytr, NTR, 5);
    make_images(xte, yte, NTE, 6);
    double p1[NTE], pt[NTE];
    char *h1 = NULL, *ht = NULL;
    if (fit_score(k, opts, 1, xtr, ytr, xte, p1, &h1))
        return;
    int threads[] = {2, 4};
    for (int t = 0; t < 2; t++) {
        if (fit_score(k, opts, threads[t], xtr, ytr, xte, pt, &ht))
            continue;
        double md = 0;
        for (int i = 0; i < NTE; i++)
            md = fmax(md, fabs(p1[i] - pt[i]));
        CHECK_MSG(memcmp(p1, pt, sizeof p1) == 0, "%s: scores with 1 and %d threads differ by up "
                  "to %.3g", k->name, threads[t], md);
        CHECK_MSG(h1 && ht && strcmp(h1, ht) == 0, "%s: history with 1 and %d threads differs:\n"
                  "%s\n%s", k->name, threads[t], h1, ht);
        printf("%s: 1 vs %d threads: max score difference %.3g\n", k->name, threads[t], md);
        free(ht);
    }
    free(h1);
}

int main(void)
{
    /* val_fraction 0.25 and min_val_per_class 3 keep a validation split (and its AUC in the
     * history) at this size */
    test_kind(&model_vgg, "{\"epochs\": 4, \"batch_size\": 8, \"val_fraction\": 0.25, \"min_val_per_class\": 3}");
    test_kind(&model_mobilenet, "{\"epochs\": 3, \"batch_size\": 8, \"width\": 0.5, \"val_fraction\": 0.25, \"min_val_per_class\": 3}");
    test_kind(&model_resnet, "{\"epochs\": 3, \"batch_size\": 8, \"val_fraction\": 0.25, \"min_val_per_class\": 3}");
    TEST_MAIN_END();
}
