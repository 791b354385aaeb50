/* test_forest.c — random forest against scikit-learn fixtures, plus determinism, save/load and
 * bad input.
 *
 * References (tests/fixtures/gen/ml.py, scikit-learn 1.2): a single tree with bootstrap off
 * and max_features = dim must reproduce DecisionTreeClassifier's predict_proba exactly on
 * data checked to hold no split ties; forests use other random streams than sklearn's, so
 * the test AUC (mean of 3 seeds here, 5 there) must be within 0.03 of sklearn's
 * RandomForestClassifier with the same OOB depth tuning, and so must each depth's OOB AUC.
 */
#include "core/hash.h"
#include "core/npy.h"
#include "ml/forest.h"
#include "ml/model.h"
#include "test.h"

#include <jansson.h>
#include <stdint.h>

#define AUC_TOL 0.03

typedef struct data {
    float *x; /* (n, dim) */
    int *y;   /* (n,) or NULL */
    size_t n, dim;
} data;

static void data_release(data *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

static int load_x(const char *name, data *d)
{
    npy_array a;
    mlac_err err = {0};
    if (npy_load(test_fixture(name), &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    d->n = a.shape[0];
    d->dim = a.ndim > 1 ? a.shape[1] : 1;
    d->x = malloc(a.count * sizeof *d->x);
    for (size_t i = 0; i < a.count; i++)
        d->x[i] = (float)a.data[i];
    npy_release(&a);
    return 0;
}

static int load_y(const char *name, data *d)
{
    npy_array a;
    mlac_err err = {0};
    if (npy_load(test_fixture(name), &a, &err) || a.count != d->n) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return -1;
    }
    d->y = malloc(a.count * sizeof *d->y);
    for (size_t i = 0; i < a.count; i++)
        d->y[i] = (int)a.data[i];
    npy_release(&a);
    return 0;
}

static double *load_doubles(const char *name, size_t *n)
{
    npy_array a;
    mlac_err err = {0};
    if (npy_load(test_fixture(name), &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    *n = a.count;
    return a.data; /* owned by the caller */
}

/* Pairwise ROC-AUC (ties count 1/2): an implementation independent of the library's. */
static double auc_pairwise(const double *s, const int *y, size_t n)
{
    double wins = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y[i] == 1 && y[j] == 0) {
                wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
                pairs += 1.0;
            }
    return wins / pairs;
}

static json_t *reference(void)
{
    json_error_t jerr;
    json_t *ref = json_load_file(test_fixture("ml/reference.json"), 0, &jerr);
    if (!ref)
        fprintf(stderr, "reference.json: %s\n", jerr.text);
    return ref;
}

/* ---- exact single tree --------------------------------------------------------------------- */

static void test_single_tree(json_t *ref, const char *name)
{
    data tr = {0}, te = {0};
    char path[64];
    snprintf(path, sizeof path, "ml/%s_prob.npy", name);
    size_t n_ref = 0;
    double *want = load_doubles(path, &n_ref);
    CHECK(!load_x("ml/tree_xtr.npy", &tr) && !load_y("ml/tree_ytr.npy", &tr));
    CHECK(!load_x("ml/tree_xte.npy", &te));
    CHECK(want && n_ref == te.n);
    if (!want || !tr.x || !te.x)
        goto out;
    json_t *spec = json_object_get(ref, name);
    for (uint64_t seed = 1; seed <= 3; seed++) { /* the feature draw order must not matter */
        forest_params p;
        forest_params_default(&p);
        p.n_trees = 1;
        p.bootstrap = 0;
        p.max_features = (int)tr.dim;
        p.max_depth = (int)json_integer_value(json_object_get(spec, "max_depth"));
        p.min_samples_leaf = (int)json_integer_value(json_object_get(spec, "min_samples_leaf"));
        p.seed = seed;
        forest *f = NULL;
        mlac_err err = {0};
        CHECK_OK(forest_fit(&p, tr.x, tr.y, tr.n, tr.dim, &f, &err), &err);
        if (!f)
            continue;
        forest_info in;
        forest_get_info(f, &in);
        CHECK_MSG(in.n_nodes == (size_t)json_integer_value(json_object_get(spec, "node_count")),
                  "%s: %zu nodes", name, in.n_nodes);
        CHECK(in.n_grid == 0); /* no OOB without bootstrap */
        double *prob = malloc(te.n * sizeof *prob);
        CHECK_OK(forest_predict(f, te.x, te.n, te.dim, 1, prob, &err), &err);
        size_t bad = 0;
        for (size_t i = 0; i < te.n; i++)
            bad += prob[i] != want[i];
        CHECK_MSG(bad == 0, "%s seed %llu: %zu of %zu predictions differ from sklearn", name,
                  (unsigned long long)seed, bad, te.n);
        free(prob);
        forest_free(f);
    }
out:
    free(want);
    data_release(&tr);
    data_release(&te);
}

/* ---- forests against sklearn ------------------------------------------------------------- */

static model *make_model(uint64_t seed, int threads, const char *options)
{
    const struct model_kind *k = model_find("random_forest");
    json_t *opts = options ? json_loads(options, 0, NULL) : NULL;
    model_config cfg = {seed, threads, opts};
    model *m = NULL;
    mlac_err err = {0};
    CHECK_OK(k->create(&cfg, &m, &err), &err);
    json_decref(opts);
    return m;
}

static void test_against_sklearn(json_t *ref, const char *ds)
{
    data tr = {0}, te = {0};
    char p1[64], p2[64], p3[64], p4[64];
    snprintf(p1, sizeof p1, "ml/%s_xtr.npy", ds);
    snprintf(p2, sizeof p2, "ml/%s_ytr.npy", ds);
    snprintf(p3, sizeof p3, "ml/%s_xte.npy", ds);
    snprintf(p4, sizeof p4, "ml/%s_yte.npy", ds);
    CHECK(!load_x(p1, &tr) && !load_y(p2, &tr) && !load_x(p3, &te) && !load_y(p4, &te));
    if (!tr.y || !te.y)
        goto out;
    json_t *r = json_object_get(ref, ds);
    double want_auc = json_real_value(json_object_get(r, "rf_test_auc"));
    json_t *want_oob = json_object_get(r, "rf_oob_auc");
    const int seeds = 3;
    double auc_sum = 0.0, oob_sum[4] = {0};
    double *prob = malloc(te.n * sizeof *prob);
    for (int s = 0; s < seeds; s++) {
        model *m = make_model(1000 + (uint64_t)s, 2, NULL);
        mlac_err err = {0};
        CHECK_OK(m->kind->fit(m, tr.x, tr.y, tr.n, tr.dim, &err), &err);
        CHECK_OK(m->kind->score(m, te.x, te.n, te.dim, prob, NULL, &err), &err);
        auc_sum += auc_pairwise(prob, te.y, te.n);
        json_t *d = json_object();
        m->kind->describe(m, d);
        json_t *grid = json_object_get(d, "oob_auc_by_depth");
        CHECK(json_array_size(grid) == 4);
        /* the chosen depth is the first (shallowest) best OOB AUC of the grid */
        double best = -1.0;
        json_t *chosen = NULL;
        for (size_t g = 0; g < json_array_size(grid) && g < 4; g++) {
            json_t *e = json_array_get(grid, g);
            double auc = json_real_value(json_object_get(e, "oob_auc"));
            oob_sum[g] += auc;
            if (auc > best) {
                best = auc;
                chosen = json_object_get(e, "max_depth");
            }
        }
        CHECK(chosen && json_equal(chosen, json_object_get(d, "max_depth")));
        CHECK(json_is_true(json_object_get(d, "max_depth_tuned")));
        CHECK(json_integer_value(json_object_get(d, "n_trees")) == 100);
        CHECK(json_integer_value(json_object_get(d, "max_features")) == 8); /* floor(sqrt(78)) */
        json_decref(d);
        m->kind->free(m);
    }
    double auc = auc_sum / seeds;
    CHECK_NEAR(auc, want_auc, AUC_TOL);
    printf("%s: test AUC %.4f (sklearn %.4f)  OOB AUC by depth:", ds, auc, want_auc);
    for (int g = 0; g < 4; g++) {
        double want = json_real_value(json_array_get(want_oob, (size_t)g));
        printf(" %.4f (%.4f)", oob_sum[g] / seeds, want);
        CHECK_NEAR(oob_sum[g] / seeds, want, AUC_TOL);
    }
    printf("\n");
    free(prob);
out:
    data_release(&tr);
    data_release(&te);
}

/* ---- determinism, truncation, save/load ----------------------------------------------- */

static double *fit_predict(const data *tr, const data *te, const forest_params *p, forest **keep)
{
    forest *f = NULL;
    mlac_err err = {0};
    double *prob = calloc(te->n, sizeof *prob);
    CHECK_OK(forest_fit(p, tr->x, tr->y, tr->n, tr->dim, &f, &err), &err);
    if (f)
        CHECK_OK(forest_predict(f, te->x, te->n, te->dim, p->n_threads, prob, &err), &err);
    if (keep)
        *keep = f;
    else
        forest_free(f);
    return prob;
}

static void test_determinism(const data *tr, const data *te)
{
    forest_params p;
    forest_params_default(&p);
    p.seed = 42;
    size_t bytes = te->n * sizeof(double);
    p.n_threads = 1;
    double *a = fit_predict(tr, te, &p, NULL);
    p.n_threads = 2;
    double *b = fit_predict(tr, te, &p, NULL);
    p.n_threads = 3;
    double *c = fit_predict(tr, te, &p, NULL);
    p.seed = 43;
    double *d = fit_predict(tr, te, &p, NULL);
    CHECK(memcmp(a, b, bytes) == 0);
    CHECK(memcmp(a, c, bytes) == 0);
    CHECK(memcmp(a, d, bytes) != 0);
    free(a);
    free(b);
    free(c);
    free(d);
}

/* Tuning grows unlimited trees and truncates them; that must equal growing to the depth. */
static void test_truncation(const data *tr, const data *te)
{
    forest_params p;
    forest_params_default(&p);
    p.seed = 7;
    p.n_threads = 2;
    forest *tuned = NULL;
    double *a = fit_predict(tr, te, &p, &tuned);
    forest_info ti;
    forest_get_info(tuned, &ti);
    size_t bytes = te->n * sizeof(double);
    for (int g = 0; g < ti.n_grid; g++) {
        forest_params q = p;
        q.max_depth = ti.depth_grid[g];
        forest *fixed = NULL;
        double *b = fit_predict(tr, te, &q, &fixed);
        forest_info fi;
        forest_get_info(fixed, &fi);
        CHECK(!fi.tuned && fi.n_grid == 1 && fi.max_depth == ti.depth_grid[g]);
        /* same trees, so the same OOB AUC as the tuned forest measured for that depth */
        CHECK_MSG(fi.oob_auc[0] == ti.oob_auc[g], "depth %d: %.17g vs %.17g", ti.depth_grid[g],
                  fi.oob_auc[0], ti.oob_auc[g]);
        if (ti.depth_grid[g] == ti.max_depth) {
            CHECK(memcmp(a, b, bytes) == 0);
            CHECK(fi.n_nodes == ti.n_nodes && fi.n_leaves == ti.n_leaves);
        }
        free(b);
        forest_free(fixed);
    }
    CHECK(ti.deepest_leaf <= (ti.max_depth ? ti.max_depth : 1 << 30));
    free(a);
    forest_free(tuned);
}

static void test_save_load(const data *tr, const data *te)
{
    forest_params p;
    forest_params_default(&p);
    p.seed = 5;
    p.n_trees = 20;
    forest *f = NULL;
    double *a = fit_predict(tr, te, &p, &f);
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    CHECK_OK(forest_save(f, &b, &err), &err);
    forest *g = NULL;
    CHECK_OK(forest_load(b.data, b.len, &g, &err), &err);
    double *c = calloc(te->n, sizeof *c);
    if (g) {
        CHECK_OK(forest_predict(g, te->x, te->n, te->dim, 1, c, &err), &err);
        CHECK(memcmp(a, c, te->n * sizeof *a) == 0);
        forest_info fi, gi;
        forest_get_info(f, &fi);
        forest_get_info(g, &gi);
        CHECK(memcmp(&fi, &gi, sizeof fi) == 0);
        forest_free(g);
    }
    /* truncated */
    size_t cuts[] = {0, 7, 12, 60, b.len / 2, b.len - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        g = NULL;
        CHECK(forest_load(b.data, cuts[k], &g, &err) == MLAC_EFORMAT && !g);
    }
    /* garbled: one flipped byte anywhere is caught */
    for (size_t off = 0; off < b.len; off += b.len / 97 + 1) {
        b.data[off] ^= 0x20;
        g = NULL;
        CHECK(forest_load(b.data, b.len, &g, &err) == MLAC_EFORMAT && !g);
        b.data[off] ^= 0x20;
    }
    CHECK(strstr(err.msg, "forest") != NULL);
    /* garbled with a valid checksum: the structure checks must hold on their own */
    size_t body = b.len - 32;
    unsigned char *copy = malloc(b.len);
    uint64_t x = 88172645463325252ull;
    int loaded = 0;
    for (int it = 0; it < 300; it++) {
        memcpy(copy, b.data, b.len);
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[12 + x % (body - 12)] ^= (unsigned char)(1u << (x >> 32) % 8);
        }
        hash_sha256(copy, body, copy + body);
        g = NULL;
        int rc = forest_load(copy, b.len, &g, &err);
        CHECK(rc == MLAC_OK || (rc == MLAC_EFORMAT && !g));
        if (g) { /* a flip in a threshold, a value or the header can still be a valid forest */
            loaded++;
            rc = forest_predict(g, te->x, te->n, te->dim, 1, c, &err);
            CHECK(rc == MLAC_OK || rc == MLAC_EINVAL); /* EINVAL: dim no longer matches */
            forest_free(g);
        }
    }
    printf("save/load: %zu bytes, %d of 300 re-checksummed garbled images still valid\n", b.len, loaded);
    /* a child link pointing back at its own node (first node of the first tree) */
    memcpy(copy, b.data, b.len);
    size_t node0 = 8 + 4 + 8 + 7 * 4 + 12 * 4 + 4; /* magic, version, header, 4-entry grid, n_nodes */
    memset(copy + node0 + 4, 0, 4);
    hash_sha256(copy, body, copy + body);
    g = NULL;
    CHECK(forest_load(copy, b.len, &g, &err) == MLAC_EFORMAT && strstr(err.msg, "tree 0 node 0"));
    free(copy);
    free(a);
    free(c);
    buf_release(&b);
    forest_free(f);
}

/* ---- bad input and edge cases ------------------------------------------------------------ */

static void test_edges(void)
{
    float x[12 * 3];
    int y[12];
    for (int i = 0; i < 12; i++) {
        y[i] = i % 2;
        x[i * 3 + 0] = 5.0f;            /* constant */
        x[i * 3 + 1] = (float)y[i] * 2; /* separates the classes */
        x[i * 3 + 2] = -1.0f;           /* constant */
    }
    forest_params p;
    forest_params_default(&p);
    forest *f = NULL;
    mlac_err err = {0};
    double prob[12];

    /* constant features: splits only on column 1, and separates perfectly */
    p.max_features = 1;
    CHECK_OK(forest_fit(&p, x, y, 12, 3, &f, &err), &err);
    CHECK_OK(forest_predict(f, x, 12, 3, 1, prob, &err), &err);
    for (int i = 0; i < 12; i++)
        CHECK(prob[i] == (double)y[i]);
    forest_free(f);

    /* every feature constant: each tree is one leaf holding its bootstrap's positive share */
    float xc[12 * 3];
    for (int i = 0; i < 36; i++)
        xc[i] = 1.0f;
    p.max_features = 0;
    CHECK_OK(forest_fit(&p, xc, y, 12, 3, &f, &err), &err);
    forest_info in;
    forest_get_info(f, &in);
    CHECK(in.n_nodes == 100 && in.n_leaves == 100);
    CHECK_OK(forest_predict(f, xc, 1, 3, 1, prob, &err), &err);
    CHECK(prob[0] > 0.3 && prob[0] < 0.7);
    forest_free(f);

    /* n = 2 */
    CHECK_OK(forest_fit(&p, x, y, 2, 3, &f, &err), &err);
    CHECK_OK(forest_predict(f, x, 2, 3, 1, prob, &err), &err);
    CHECK(prob[0] >= 0.0 && prob[0] <= 1.0 && prob[1] >= prob[0]);
    forest_free(f);
    f = NULL;

    /* one class */
    int y1[12] = {0};
    CHECK(forest_fit(&p, x, y1, 12, 3, &f, &err) == MLAC_EINVAL && !f);
    CHECK(strstr(err.msg, "both classes") != NULL);
    /* n = 1, bad label */
    CHECK(forest_fit(&p, x, y, 1, 3, &f, &err) == MLAC_EINVAL);
    int y2[12] = {0, 1, 2};
    CHECK(forest_fit(&p, x, y2, 12, 3, &f, &err) == MLAC_EINVAL && strstr(err.msg, "row 2"));
    /* NaN, named by row and column */
    float xn[12 * 3];
    memcpy(xn, x, sizeof x);
    xn[4 * 3 + 2] = NAN;
    CHECK(forest_fit(&p, xn, y, 12, 3, &f, &err) == MLAC_EINVAL);
    CHECK_MSG(strstr(err.msg, "row 4, column 2") != NULL, "%s", err.msg);
    /* tuning without bootstrap, bad params */
    p.bootstrap = 0;
    CHECK(forest_fit(&p, x, y, 12, 3, &f, &err) == MLAC_EINVAL && strstr(err.msg, "bootstrap"));
    p.bootstrap = 1;
    p.max_features = 4;
    CHECK(forest_fit(&p, x, y, 12, 3, &f, &err) == MLAC_EINVAL && strstr(err.msg, "max_features"));
    p.max_features = 0;
    CHECK_OK(forest_fit(&p, x, y, 12, 3, &f, &err), &err);
    CHECK(forest_predict(f, x, 12, 2, 1, prob, &err) == MLAC_EINVAL); /* wrong dim */
    CHECK(forest_predict(f, xn, 12, 3, 1, prob, &err) == MLAC_EINVAL && strstr(err.msg, "row 4, column 2"));
    forest_free(f);
}

static void test_options(const data *tr)
{
    const struct model_kind *k = model_find("random_forest");
    CHECK(k && k->input == INPUT_SUMMARY);
    const char *bad[] = {"{\"n_trees\": 0}", "{\"n_tree\": 5}", "{\"max_depth\": -2}",
                         "{\"depth_grid\": []}", "{\"depth_grid\": [4, \"x\"]}", "{\"bootstrap\": 1}",
                         "{\"max_features\": \"log2\"}", "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = json_loads(bad[i], 0, NULL);
        model_config cfg = {1, 1, o};
        model *m = NULL;
        mlac_err err = {0};
        CHECK_MSG(k->create(&cfg, &m, &err) == MLAC_EINVAL && !m, "%s", bad[i]);
        CHECK(strstr(err.msg, "random_forest") != NULL);
        json_decref(o);
    }
    model *m = make_model(3, 1, "{\"n_trees\": 7, \"max_depth\": 3, \"min_samples_leaf\": 2, \"max_features\": 5}");
    mlac_err err = {0};
    CHECK_OK(m->kind->fit(m, tr->x, tr->y, tr->n, tr->dim, &err), &err);
    json_t *d = json_object();
    m->kind->describe(m, d);
    CHECK(json_integer_value(json_object_get(d, "n_trees")) == 7);
    CHECK(json_integer_value(json_object_get(d, "max_depth")) == 3);
    CHECK(json_is_false(json_object_get(d, "max_depth_tuned")));
    CHECK(json_integer_value(json_object_get(d, "deepest_leaf")) <= 3);
    CHECK(json_integer_value(json_object_get(d, "max_features")) == 5);
    CHECK(json_integer_value(json_object_get(d, "memory_bytes")) > 0);
    /* model-level save/load: identical scores; garbage refused */
    buf b;
    buf_init(&b, 0);
    CHECK_OK(m->kind->save(m, &b, &err), &err);
    model *m2 = make_model(99, 1, "{\"depth_grid\": [2, null]}");
    double s1[16], s2[16], p2[16];
    CHECK_OK(m->kind->score(m, tr->x, 16, tr->dim, NULL, s1, &err), &err);
    CHECK(m2->kind->score(m2, tr->x, 16, tr->dim, p2, s2, &err) == MLAC_EINVAL); /* not fitted */
    CHECK_OK(m2->kind->load(m2, b.data, b.len, &err), &err);
    CHECK_OK(m2->kind->score(m2, tr->x, 16, tr->dim, p2, s2, &err), &err);
    CHECK(memcmp(s1, s2, sizeof s1) == 0 && memcmp(s1, p2, sizeof s1) == 0);
    json_t *d2 = json_object();
    m2->kind->describe(m2, d2);
    CHECK(json_equal(d, d2)); /* everything describe reports survives the round trip */
    json_decref(d2);
    CHECK(m2->kind->load(m2, "garbage", 7, &err) == MLAC_EFORMAT);
    CHECK(m2->kind->score(m2, tr->x, 16, tr->dim, p2, s2, &err) == MLAC_EINVAL); /* unfitted now */
    buf_release(&b);
    json_decref(d);
    m->kind->free(m);
    m2->kind->free(m2);
    k->free(NULL);
}

int main(void)
{
    json_t *ref = reference();
    CHECK(ref != NULL);
    if (!ref)
        TEST_MAIN_END();
    test_single_tree(ref, "tree_a");
    test_single_tree(ref, "tree_b");
    test_against_sklearn(ref, "easy");
    test_against_sklearn(ref, "hard");
    data tr = {0}, te = {0};
    if (!load_x("ml/hard_xtr.npy", &tr) && !load_y("ml/hard_ytr.npy", &tr) && !load_x("ml/hard_xte.npy", &te)) {
        test_determinism(&tr, &te);
        test_truncation(&tr, &te);
        test_save_load(&tr, &te);
        test_options(&tr);
    } else {
        CHECK(!"fixtures load");
    }
    test_edges();
    data_release(&tr);
    data_release(&te);
    json_decref(ref);
    TEST_MAIN_END();
}
