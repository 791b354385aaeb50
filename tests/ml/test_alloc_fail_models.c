/* test_alloc_fail_models.c — allocation-failure injection (tests/alloc_sweep.h) over a model's
 * life as a task lives it: create with options, fit, score, save, write the blob through the file
 * store, read it back, load into a new model, score again; for random_forest, svm, the embedding
 * head (birdnet: standardisation + logistic head; with head_cv's inner folds; the mlp head with
 * early stopping) and a tiny vgg (input 32, one epoch). Each
 * failed allocation must give an error with a message, or the unfailed scores and blob; the
 * output folder holds the complete model file or none. Paths with many allocations are sampled
 * with a stride (the sweep prints it).
 */
#include "alloc_sweep.h"
#include "core/log.h"
#include "core/rng.h"
#include "ml/model.h"
#include "store/store.h"

#include <jansson.h>

typedef struct model_ctx {
    const char *kind;
    const char *options; /* JSON */
    const float *x;      /* (n, dim) */
    const int *y;        /* (n,) */
    size_t n, dim;
    store *out;
    char dir[256];
    double *ref_scores;  /* (2n,) fitted then loaded, of the unfailed run */
    buf ref_blob;
    dir_snapshot ref_dir;
} model_ctx;

static int run_model(void *vctx, int reference, mlac_err *err)
{
    model_ctx *c = vctx;
    const struct model_kind *k = model_find(c->kind);
    json_t *o = json_loads(c->options, 0, NULL);
    model_config cfg = {11, 1, o};
    model *m = NULL, *m2 = NULL;
    buf blob, back;
    buf_init(&blob, 0);
    buf_init(&back, 0);
    double *s = calloc(2 * c->n, sizeof *s);
    int rc = o ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "model options: out of memory");
    if (!rc)
        rc = k->create(&cfg, &m, err);
    if (!rc)
        rc = k->fit(m, c->x, c->y, c->n, c->dim, err);
    if (!rc)
        rc = k->score(m, c->x, c->n, c->dim, NULL, s, err);
    if (!rc)
        rc = k->save(m, &blob, err);
    if (!rc)
        rc = store_write(c->out, "model.bin", blob.data, blob.len, err);
    if (!rc)
        rc = store_read(c->out, "model.bin", &back, err);
    if (!rc)
        rc = k->create(&cfg, &m2, err);
    if (!rc)
        rc = k->load(m2, back.data, back.len, err);
    if (!rc)
        rc = k->score(m2, c->x, c->n, c->dim, NULL, s + c->n, err);
    if (!rc && reference) {
        c->ref_scores = s;
        s = NULL;
        buf_append(&c->ref_blob, blob.data, blob.len, NULL);
    } else if (!rc) {
        CHECK_MSG(!memcmp(s, c->ref_scores, 2 * c->n * sizeof *s), "%s: allocation %lu failed, the run returned success and scored otherwise",
                  c->kind, alloc_sweep_k);
        CHECK_MSG(blob.len == c->ref_blob.len && !memcmp(blob.data, c->ref_blob.data, blob.len),
                  "%s: allocation %lu failed, the run returned success and saved another blob (%zu bytes, not %zu)",
                  c->kind, alloc_sweep_k, blob.len, c->ref_blob.len);
    }
    if (m)
        k->free(m);
    if (m2)
        k->free(m2);
    buf_release(&blob);
    buf_release(&back);
    free(s);
    json_decref(o);
    return rc;
}

static int after_model(void *vctx, int rc)
{
    model_ctx *c = vctx;
    (void)rc;
    if (!c->ref_dir.n)
        dir_snapshot_take(c->dir, &c->ref_dir);
    int bad = c->ref_dir.n != 1 || dir_check_subset(c->dir, &c->ref_dir);
    dir_clear(c->dir);
    return bad;
}

static void sweep_model(const char *kind, const char *options, const float *x, const int *y, size_t n, size_t dim,
                        unsigned long max_runs)
{
    model_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = kind, c.options = options, c.x = x, c.y = y, c.n = n, c.dim = dim;
    buf_init(&c.ref_blob, 0);
    mlac_err err = {0};
    dir_make_temp(c.dir, sizeof c.dir, "allocmodel");
    CHECK_OK(store_open(c.dir, &c.out, &err), &err);
    char name[128];
    snprintf(name, sizeof name, "%s fit/score/save/load/score", kind);
    alloc_path p = {name, run_model, after_model, &c, max_runs};
    CHECK(alloc_sweep(&p) >= 10);
    free(c.ref_scores);
    buf_release(&c.ref_blob);
    dir_snapshot_release(&c.ref_dir);
    store_free(c.out);
    dir_remove(c.dir);
}

/* n rows of dim values: the positives' first half of features shifted by +1. */
static void make_data(float *x, int *y, size_t n, size_t dim, unsigned long long seed)
{
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int)(i % 2);
        for (size_t j = 0; j < dim; j++)
            x[i * dim + j] = (float)rng_normal(&r) + (y[i] && j < dim / 2 ? 1.0f : 0.0f);
    }
}

/* Rows where the class shows only in x1 - x0 (x1 = x0 + a small shift): strong regularisation
 * (a small C, close to the class-mean direction) ranks them poorly and a weak one well, so the
 * inner CV's pick depends on every candidate's AUC. */
static void make_correlated(float *x, int *y, size_t n, size_t dim, unsigned long long seed)
{
    rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int)(i % 2);
        for (size_t j = 0; j < dim; j++)
            x[i * dim + j] = (float)rng_normal(&r);
        x[i * dim + 1] = x[i * dim] + (y[i] ? 0.3f : -0.3f) + 0.05f * (float)rng_normal(&r);
    }
}

int main(void)
{
    log_init(LOG_OFF, 0);
    json_set_alloc_funcs(mlac_malloc, free);
    enum { N = 24, DIM = 8, NI = 8, SIDE = 32 };
    float x[N * DIM];
    int y[N];
    make_data(x, y, N, DIM, 5);
    sweep_model("random_forest", "{\"n_trees\": 4, \"max_depth\": 3}", x, y, N, DIM, 400);
    sweep_model("svm", "{\"C\": 2.0, \"gamma\": 0.1}", x, y, N, DIM, 400);
    sweep_model("birdnet", "{\"C\": 1.0}", x, y, N, DIM, 400);
    /* the head's inner CV ranks its candidates by AUC, and the mlp head stops early on a validation
     * split whose AUC it records: an AUC lost to a failed allocation is an error, not a NaN */
    float xc[N * DIM];
    int yc[N];
    make_correlated(xc, yc, N, DIM, 6);
    sweep_model("birdnet", "{\"head_cv\": true, \"grid\": [0.001, 100], \"cv_folds\": 2}", xc, yc, N, DIM, 400);
    sweep_model("birdnet", "{\"head\": \"mlp\", \"hidden\": 4, \"max_epochs\": 3, \"batch\": 8, \"val_fraction\": 0.25}",
                x, y, N, DIM, 400);

    /* The CNN: ~1,900 allocations, sampled with a stride (about 0.3 s per k in the ASan build);
     * MLAC_ALLOC_CNN_RUNS=N runs N of them instead (2000: every k), MLAC_ALLOC_CNN=0 skips it. */
    const char *cnn = getenv("MLAC_ALLOC_CNN"), *runs = getenv("MLAC_ALLOC_CNN_RUNS");
    if (cnn && !strcmp(cnn, "0"))
        TEST_MAIN_END();
    unsigned long cnn_runs = runs ? strtoul(runs, NULL, 10) : 30;
    static float img[NI * SIDE * SIDE];
    int yi[NI];
    make_data(img, yi, NI, SIDE * SIDE, 9);
    sweep_model("vgg", "{\"epochs\": 1, \"batch_size\": 4, \"input_size\": 32, \"val_fraction\": 0, \"augment\": false}",
                img, yi, NI, SIDE * SIDE, cnn_runs ? cnn_runs : 30);
    TEST_MAIN_END();
}
