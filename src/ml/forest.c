/* forest.c — CART random forest: growing, out-of-bag depth tuning, prediction, save/load.
 *
 * Reference: scikit-learn 1.2's RandomForestClassifier / DecisionTreeClassifier (BestSplitter,
 * Gini criterion). Kept from it: bootstrap as integer sample weights, samples with weight 0 left
 * out of the tree, min_samples_leaf counted in distinct samples, FEATURE_THRESHOLD (values
 * closer than 1e-7 are one value), thresholds a/2 + b/2 in double, the feature draw that visits
 * max_features features (constant ones included) and goes on while none was non-constant, and
 * the strict ">" that keeps the first best split. Not kept: sklearn's random streams.
 *
 * Invariants: node indices follow depth-first preorder, so every child index is larger than its
 * parent's (traversal always terminates, also for loaded trees); a node's rng is seeded from its
 * parent's rng alone, so a node's split is a function of its path (see forest.h); all
 * accumulations over trees run in tree order, so results never depend on the thread count.
 * OOB AUC is stats/metrics.h's metric_roc_auc (average ranks for ties, like sklearn).
 */
#include "ml/forest.h"
#include "core/cancel.h"
#include "core/sealed.h"
#include "core/pool.h"
#include "core/rng.h"
#include "stats/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEATURE_THRESHOLD 1e-7 /* sklearn's _splitter.pyx: closer values are not split */

typedef struct fnode {
    double threshold; /* internal: go left when (double)x[feature] <= threshold */
    double value;     /* weighted fraction of positives among the node's training samples */
    int32_t feature;  /* -1 for a leaf */
    int32_t left;     /* child indices, > this node's index; -1 for a leaf */
    int32_t right;
    int32_t depth;    /* root = 0 */
} fnode;

typedef struct ftree {
    fnode *nodes; /* (n_nodes,) preorder, root first */
    size_t n_nodes;
    size_t cap;
} ftree;

struct forest {
    forest_info info;
    ftree *trees; /* (info.n_trees,) */
};

/* ---- parameters ------------------------------------------------------------------------ */

void forest_params_default(forest_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_trees = 100;
    p->max_depth = FOREST_DEPTH_TUNE;
    p->max_features = 0;
    p->min_samples_leaf = 1;
    p->bootstrap = 1;
    p->n_grid = 4;
    p->depth_grid[0] = 4;
    p->depth_grid[1] = 8;
    p->depth_grid[2] = 16;
    p->depth_grid[3] = FOREST_DEPTH_UNLIMITED;
    p->seed = 0;
    p->n_threads = 1;
}

/* Orders depths shallow to deep with unlimited (0) last. */
static int depth_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    unsigned ux = x == 0 ? 0xffffffffu : (unsigned)x, uy = y == 0 ? 0xffffffffu : (unsigned)y;
    return (ux > uy) - (ux < uy);
}

/* Copies the candidate depths into grid, sorted and without duplicates; returns the count. */
static int resolve_grid(const forest_params *p, int *grid)
{
    if (p->max_depth != FOREST_DEPTH_TUNE) {
        grid[0] = p->max_depth;
        return 1;
    }
    int tmp[FOREST_MAX_GRID], n = 0;
    memcpy(tmp, p->depth_grid, (size_t)p->n_grid * sizeof *tmp);
    qsort(tmp, (size_t)p->n_grid, sizeof *tmp, depth_cmp);
    for (int i = 0; i < p->n_grid; i++)
        if (n == 0 || tmp[i] != grid[n - 1])
            grid[n++] = tmp[i];
    return n;
}

static int check_params(const forest_params *p, size_t dim, mlac_err *err)
{
    if (p->n_trees < 1 || p->n_trees > FOREST_MAX_TREES)
        return mlac_errf(err, MLAC_EINVAL, "forest 'n_trees' must be in [1, %d], got %d",
                         FOREST_MAX_TREES, p->n_trees);
    if (p->max_depth < FOREST_DEPTH_TUNE)
        return mlac_errf(err, MLAC_EINVAL, "forest 'max_depth' must be >= 0 (0 = unlimited), got %d",
                         p->max_depth);
    if (p->max_features < 0 || (size_t)p->max_features > dim)
        return mlac_errf(err, MLAC_EINVAL, "forest 'max_features' must be in [1, %zu] (0 = sqrt), got %d",
                         dim, p->max_features);
    if (p->min_samples_leaf < 1)
        return mlac_errf(err, MLAC_EINVAL, "forest 'min_samples_leaf' must be >= 1, got %d",
                         p->min_samples_leaf);
    if (p->max_depth == FOREST_DEPTH_TUNE) {
        if (!p->bootstrap)
            return mlac_errf(err, MLAC_EINVAL,
                             "forest 'max_depth' tuning needs out-of-bag samples: set 'bootstrap' or fix 'max_depth'");
        if (p->n_grid < 1 || p->n_grid > FOREST_MAX_GRID)
            return mlac_errf(err, MLAC_EINVAL, "forest 'depth_grid' must hold 1 to %d depths, got %d",
                             FOREST_MAX_GRID, p->n_grid);
        for (int i = 0; i < p->n_grid; i++)
            if (p->depth_grid[i] < 0)
                return mlac_errf(err, MLAC_EINVAL,
                                 "forest 'depth_grid' entries must be >= 0 (0 = unlimited), got %d",
                                 p->depth_grid[i]);
    }
    return MLAC_OK;
}

static int check_data(const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    if (dim < 1 || dim > FOREST_MAX_DIM)
        return mlac_errf(err, MLAC_EINVAL, "forest needs 1 to %u features, got %zu", FOREST_MAX_DIM, dim);
    if (n < 2 || n > (1u << 30))
        return mlac_errf(err, MLAC_EINVAL, "forest needs 2 to 2^30 training rows, got %zu", n);
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "label at row %zu is %d, expected 0 or 1", i, y[i]);
        n_pos += (size_t)y[i];
        for (size_t j = 0; j < dim; j++)
            if (!isfinite(x[i * dim + j]))
                return mlac_errf(err, MLAC_EINVAL, "x has a non-finite value (%g) at row %zu, column %zu",
                                 (double)x[i * dim + j], i, j);
    }
    if (n_pos == 0 || n_pos == n)
        return mlac_errf(err, MLAC_EINVAL, "all %zu labels are %d: a forest needs both classes", n,
                         n_pos ? 1 : 0);
    return MLAC_OK;
}

/* ---- sorting one feature at one node ---------------------------------------------------- */

typedef struct pair {
    float v;    /* feature value */
    int32_t sw; /* sample weight, negated for label 0 */
} pair;

static void pairs_insertion(pair *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        pair t = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].v > t.v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

/* Quicksort by value: median-of-three Hoare partition, recursing into the smaller side. Only the
 * order of values matters to the split search, never the order of equal values. */
static void pairs_sort(pair *a, size_t n)
{
    while (n > 24) {
        float x0 = a[0].v, x1 = a[n / 2].v, x2 = a[n - 1].v;
        float piv = x0 < x1 ? (x1 < x2 ? x1 : (x0 < x2 ? x2 : x0)) : (x0 < x2 ? x0 : (x1 < x2 ? x2 : x1));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i].v < piv)
                i++;
            while (a[j].v > piv)
                j--;
            if (i >= j)
                break;
            pair t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1; /* [0, left) <= piv <= [left, n) */
        if (left < n - left) {
            pairs_sort(a, left);
            a += left;
            n -= left;
        } else {
            pairs_sort(a + left, n - left);
            n = left;
        }
    }
    pairs_insertion(a, n);
}

/* ---- growing one tree ------------------------------------------------------------------- */

/* Per-feature ranks of the training values, computed once per fit and shared by all trees:
 * large nodes find their splits by counting samples per rank instead of sorting. */
typedef struct ranks {
    uint32_t *rank;  /* (dim, n) index of x[i][f] among feature f's distinct values */
    float *uval;     /* (dim, n) feature f's distinct values ascending, first n_uniq[f] used */
    uint32_t *n_uniq; /* (dim,) */
} ranks;

typedef struct grow_ctx {
    const float *x; /* (n, dim) */
    const int *y;   /* (n,) */
    size_t n, dim;
    int n_trees;
    int max_features, min_samples_leaf, bootstrap;
    int grow_depth;   /* 0 = unlimited */
    uint64_t seed;
    ranks rk;
    ftree *trees;     /* (n_trees,) */
    uint8_t *inbag;   /* (n_trees, n) 1 where tree t drew sample i */
    int *status;      /* (n_trees,) MLAC_OK, MLAC_ENOMEM or MLAC_ECANCEL (not grown) */
    const volatile sig_atomic_t *cancel; /* may be NULL */
    struct scratch *scratch; /* (n_workers,) */
} grow_ctx;

typedef struct pending {
    size_t start, end; /* range of scratch idx */
    int32_t depth, parent;
    int side;          /* 0 = left child of parent, 1 = right */
    uint64_t seed;
} pending;

typedef struct scratch {
    uint32_t *idx;  /* (n,) samples with weight > 0, partitioned node by node */
    int32_t *w;     /* (n,) bootstrap count of each sample */
    pair *pairs;    /* (n,) one feature's values at one node */
    int32_t *cnt;   /* (n, 3) per rank: positive weight, negative weight, samples; kept zero */
    uint32_t *feat; /* (dim,) feature draw order */
    pending *stack; /* (n + 2,) nodes waiting to be grown */
} scratch;

static void scratch_release(scratch *s)
{
    free(s->idx);
    free(s->w);
    free(s->pairs);
    free(s->cnt);
    free(s->feat);
    free(s->stack);
}

static int scratch_init(scratch *s, size_t n, size_t dim)
{
    s->idx = malloc(n * sizeof *s->idx);
    s->w = malloc(n * sizeof *s->w);
    s->pairs = malloc(n * sizeof *s->pairs);
    s->cnt = calloc(n * 3, sizeof *s->cnt);
    s->feat = malloc(dim * sizeof *s->feat);
    s->stack = malloc((n + 2) * sizeof *s->stack);
    return s->idx && s->w && s->pairs && s->cnt && s->feat && s->stack ? MLAC_OK : MLAC_ENOMEM;
}

static void ranks_release(ranks *rk)
{
    free(rk->rank);
    free(rk->uval);
    free(rk->n_uniq);
}

static int ranks_build(ranks *rk, const float *x, size_t n, size_t dim)
{
    rk->rank = malloc(n * dim * sizeof *rk->rank);
    rk->uval = malloc(n * dim * sizeof *rk->uval);
    rk->n_uniq = malloc(dim * sizeof *rk->n_uniq);
    pair *pr = malloc(n * sizeof *pr);
    if (!rk->rank || !rk->uval || !rk->n_uniq || !pr) {
        free(pr);
        return MLAC_ENOMEM;
    }
    for (size_t f = 0; f < dim; f++) {
        for (size_t i = 0; i < n; i++)
            pr[i] = (pair){x[i * dim + f], (int32_t)i};
        pairs_sort(pr, n);
        uint32_t u = 0;
        float *uval = rk->uval + f * n;
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && pr[i].v != pr[i - 1].v)
                u++;
            uval[u] = pr[i].v;
            rk->rank[f * n + (size_t)pr[i].sw] = u;
        }
        rk->n_uniq[f] = u + 1;
    }
    free(pr);
    return MLAC_OK;
}

/* The best split so far and the node totals it is measured against. */
typedef struct search {
    int64_t wp, wn;     /* node's positive and negative weight */
    size_t m, msl;      /* node's distinct samples, min_samples_leaf */
    double best_proxy;  /* sum over children of (pos^2 + neg^2) / weight: Gini's proxy */
    int feature;        /* -1: none found */
    double threshold;
} search;

/* Split between consecutive present values a < b with lp/ln weight and n_left samples left. */
static inline void consider(search *sr, uint32_t f, int64_t lp, int64_t ln, size_t n_left, float a,
                            float b)
{
    if ((double)b <= (double)a + FEATURE_THRESHOLD || n_left < sr->msl || sr->m - n_left < sr->msl)
        return;
    int64_t rp = sr->wp - lp, rn = sr->wn - ln;
    double proxy = ((double)lp * (double)lp + (double)ln * (double)ln) / (double)(lp + ln) +
                   ((double)rp * (double)rp + (double)rn * (double)rn) / (double)(rp + rn);
    if (proxy > sr->best_proxy) {
        sr->best_proxy = proxy;
        sr->feature = (int)f;
        double t = (double)a / 2.0 + (double)b / 2.0;
        sr->threshold = (t == (double)b || isinf(t)) ? (double)a : t;
    }
}

/* Feature f at a small node: sort the node's (value, weight) pairs and scan them.
 * Returns 0 when the feature is constant at this node. */
static int scan_sorted(const grow_ctx *c, scratch *s, const uint32_t *idx, uint32_t f, search *sr)
{
    size_t m = sr->m, dim = c->dim;
    pair *pr = s->pairs;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        uint32_t u = idx[i];
        float v = c->x[(size_t)u * dim + f];
        pr[i].v = v;
        pr[i].sw = c->y[u] ? s->w[u] : -s->w[u];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if ((double)hi <= (double)lo + FEATURE_THRESHOLD)
        return 0;
    pairs_sort(pr, m);
    int64_t lp = 0, ln = 0;
    for (size_t i = 0; i + 1 < m; i++) {
        if (pr[i].sw > 0)
            lp += pr[i].sw;
        else
            ln -= pr[i].sw;
        consider(sr, f, lp, ln, i + 1, pr[i].v, pr[i + 1].v);
    }
    return 1;
}

/* Feature f at a large node: count weight per rank, then walk the ranks in order. Visits the
 * same boundaries in the same order as scan_sorted, so both give the same split. */
static int scan_counted(const grow_ctx *c, scratch *s, const uint32_t *idx, uint32_t f, search *sr)
{
    const uint32_t *rank = c->rk.rank + f * c->n;
    const float *uval = c->rk.uval + f * c->n;
    int32_t *cnt = s->cnt;
    uint32_t rlo = UINT32_MAX, rhi = 0;
    for (size_t i = 0; i < sr->m; i++) {
        uint32_t u = idx[i], q = rank[u];
        cnt[3 * q + (c->y[u] ? 0 : 1)] += s->w[u];
        cnt[3 * q + 2]++;
        rlo = q < rlo ? q : rlo;
        rhi = q > rhi ? q : rhi;
    }
    int nonconst = (double)uval[rhi] > (double)uval[rlo] + FEATURE_THRESHOLD;
    int64_t lp = 0, ln = 0;
    size_t n_left = 0;
    uint32_t prev = rlo;
    for (uint32_t q = rlo; q <= rhi; q++) {
        int32_t *e = cnt + 3 * (size_t)q;
        if (!e[2])
            continue;
        if (nonconst && q != rlo)
            consider(sr, f, lp, ln, n_left, uval[prev], uval[q]);
        lp += e[0];
        ln += e[1];
        n_left += (size_t)e[2];
        e[0] = e[1] = e[2] = 0;
        prev = q;
    }
    return nonconst;
}

/* Best Gini split of the samples idx[start, end) holding wp positive and wn negative weight:
 * visits max_features random features (constant ones included), and more while none of those
 * visited was non-constant. */
static search node_split(const grow_ctx *c, scratch *s, size_t start, size_t end, int64_t wp,
                         int64_t wn, rng *r)
{
    size_t dim = c->dim;
    search sr = {wp, wn, end - start, (size_t)c->min_samples_leaf, -INFINITY, -1, 0.0};
    const uint32_t *idx = s->idx + start;
    for (size_t j = 0; j < dim; j++)
        s->feat[j] = (uint32_t)j;
    size_t visited = 0, nonconst = 0;
    for (size_t k = 0; k < dim && (visited < (size_t)c->max_features || nonconst == 0); k++) {
        size_t pick = k + (size_t)rng_below(r, dim - k);
        uint32_t f = s->feat[pick];
        s->feat[pick] = s->feat[k];
        s->feat[k] = f;
        visited++;
        /* counting costs about m + n_uniq, sorting about m log2 m compares */
        int large = sr.m * 8 >= c->rk.n_uniq[f];
        nonconst += large ? scan_counted(c, s, idx, f, &sr) : scan_sorted(c, s, idx, f, &sr);
    }
    return sr;
}

static int tree_push_node(ftree *t)
{
    if (t->n_nodes == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        fnode *p = realloc(t->nodes, cap * sizeof *p);
        if (!p)
            return -1;
        t->nodes = p;
        t->cap = cap;
    }
    return (int)t->n_nodes++;
}

/* Grows tree t on s->idx[0, n_in) depth first; nodes are numbered in preorder. */
static int tree_grow(const grow_ctx *c, scratch *s, ftree *t, size_t n_in, uint64_t root_seed)
{
    size_t top = 0;
    s->stack[top++] = (pending){0, n_in, 0, -1, 0, root_seed};
    while (top) {
        pending e = s->stack[--top];
        int k = tree_push_node(t);
        if (k < 0)
            return MLAC_ENOMEM;
        if (e.parent >= 0) {
            if (e.side)
                t->nodes[e.parent].right = k;
            else
                t->nodes[e.parent].left = k;
        }
        int64_t wp = 0, wn = 0;
        for (size_t i = e.start; i < e.end; i++) {
            uint32_t u = s->idx[i];
            if (c->y[u])
                wp += s->w[u];
            else
                wn += s->w[u];
        }
        fnode *nd = &t->nodes[k];
        *nd = (fnode){0.0, (double)wp / (double)(wp + wn), -1, -1, -1, e.depth};
        size_t m = e.end - e.start;
        if (m < 2 || m < 2 * (size_t)c->min_samples_leaf || wp == 0 || wn == 0 ||
            (c->grow_depth > 0 && e.depth >= c->grow_depth))
            continue;
        rng r;
        rng_seed(&r, e.seed);
        uint64_t seed_left = rng_u64(&r), seed_right = rng_u64(&r);
        search sp = node_split(c, s, e.start, e.end, wp, wn, &r);
        if (sp.feature < 0)
            continue;
        size_t i = e.start, j = e.end;
        while (i < j) {
            uint32_t u = s->idx[i];
            if ((double)c->x[(size_t)u * c->dim + (size_t)sp.feature] <= sp.threshold) {
                i++;
            } else {
                s->idx[i] = s->idx[--j];
                s->idx[j] = u;
            }
        }
        nd->feature = sp.feature;
        nd->threshold = sp.threshold;
        s->stack[top++] = (pending){i, e.end, e.depth + 1, k, 1, seed_right};
        s->stack[top++] = (pending){e.start, i, e.depth + 1, k, 0, seed_left};
    }
    return MLAC_OK;
}

static void tree_job(void *ctx, size_t t, int worker)
{
    grow_ctx *c = ctx;
    if (c->cancel && *c->cancel) {
        c->status[t] = MLAC_ECANCEL;
        return;
    }
    scratch *s = &c->scratch[worker];
    char key[64];
    snprintf(key, sizeof key, "tree/%zu", t);
    rng r;
    rng_seed(&r, rng_derive_seed(c->seed, key));
    size_t n = c->n, n_in = 0;
    if (c->bootstrap) {
        memset(s->w, 0, n * sizeof *s->w);
        for (size_t k = 0; k < n; k++)
            s->w[rng_below(&r, n)]++;
    } else {
        for (size_t i = 0; i < n; i++)
            s->w[i] = 1;
    }
    uint8_t *inbag = c->inbag + t * n;
    for (size_t i = 0; i < n; i++) {
        inbag[i] = s->w[i] > 0;
        if (s->w[i] > 0)
            s->idx[n_in++] = (uint32_t)i;
    }
    c->status[t] = tree_grow(c, s, &c->trees[t], n_in, rng_u64(&r));
}

/* ---- out-of-bag tuning ------------------------------------------------------------------ */

typedef struct oob_ctx {
    const float *x;
    size_t n, dim;
    const ftree *trees;
    int n_trees;
    const uint8_t *inbag; /* (n_trees, n) */
    const int *grid;      /* (n_grid,) 0 = unlimited */
    int n_grid;
    double *sum;          /* (n_grid, n) summed OOB predictions */
    int *count;           /* (n,) trees for which the sample is out of bag */
    const volatile sig_atomic_t *cancel; /* may be NULL; checked every OOB_CANCEL_TREES trees of a row */
} oob_ctx;

#define OOB_CANCEL_TREES 256

static void oob_job(void *ctx, size_t i, int worker)
{
    (void)worker;
    oob_ctx *c = ctx;
    const float *row = c->x + i * c->dim;
    int count = 0;
    for (int t = 0; t < c->n_trees; t++) {
        if (t % OOB_CANCEL_TREES == 0 && c->cancel && *c->cancel)
            return; /* oob_evaluate reports the cancel */
        if (c->inbag[(size_t)t * c->n + i])
            continue;
        count++;
        const fnode *nd = c->trees[t].nodes;
        for (int g = 0; g < c->n_grid; g++) {
            int k = 0, limit = c->grid[g];
            while (nd[k].feature >= 0 && (limit == 0 || nd[k].depth < limit))
                k = (double)row[nd[k].feature] <= nd[k].threshold ? nd[k].left : nd[k].right;
            c->sum[(size_t)g * c->n + i] += nd[k].value;
        }
    }
    c->count[i] = count;
}

/* Fills info->oob_auc for every grid depth from the out-of-bag predictions of each sample. */
static int oob_evaluate(const grow_ctx *g, int n_threads, forest_info *info, mlac_err *err)
{
    size_t n = g->n;
    int rc = MLAC_OK;
    double *sum = calloc((size_t)info->n_grid * n, sizeof *sum); /* (n_grid, n) */
    int *count = calloc(n, sizeof *count);                       /* (n,) */
    double *score = malloc(n * sizeof *score);                   /* (m,) OOB rows only */
    int *label = malloc(n * sizeof *label);                      /* (m,) */
    if (!sum || !count || !score || !label) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for out-of-bag scores of %zu rows", n);
        goto out;
    }
    oob_ctx c = {g->x, n, g->dim, g->trees, g->n_trees, g->inbag, info->depth_grid, info->n_grid, sum, count,
                 g->cancel};
    pool_for(n_threads, n, oob_job, &c);
    if (c.cancel && *c.cancel) {
        rc = mlac_errf(err, MLAC_ECANCEL, "cancelled: out-of-bag pass of %d trees not finished", g->n_trees);
        goto out;
    }
    for (int d = 0; d < info->n_grid; d++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (count[i]) {
                score[m] = sum[(size_t)d * n + i] / count[i];
                label[m++] = g->y[i];
            }
        info->oob_auc[d] = NAN;
        mlac_err why;
        if (m && metric_roc_auc_err(score, label, m, &info->oob_auc[d], &why) == MLAC_ENOMEM) {
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the out-of-bag ROC-AUC"); /* not a NaN AUC */
            goto out;
        }
    }
out:
    free(sum);
    free(count);
    free(score);
    free(label);
    return rc;
}

/* Best OOB AUC, ties to the shallower depth (the grid is sorted); with no defined AUC, the
 * deepest candidate. */
static int choose_depth(const forest_info *info)
{
    int best = -1;
    for (int d = 0; d < info->n_grid; d++)
        if (!isnan(info->oob_auc[d]) && (best < 0 || info->oob_auc[d] > info->oob_auc[best]))
            best = d;
    return best >= 0 ? info->depth_grid[best] : info->depth_grid[info->n_grid - 1];
}

/* Cuts t at depth limit (> 0): nodes at that depth become leaves. Preorder is kept, since the
 * kept nodes are exactly those with depth <= limit. */
static int tree_truncate(ftree *t, int limit)
{
    int32_t *map = malloc(t->n_nodes * sizeof *map);
    if (!map)
        return MLAC_ENOMEM;
    size_t m = 0;
    for (size_t k = 0; k < t->n_nodes; k++)
        map[k] = t->nodes[k].depth <= limit ? (int32_t)m++ : -1;
    for (size_t k = 0; k < t->n_nodes; k++) {
        if (map[k] < 0)
            continue;
        fnode nd = t->nodes[k];
        if (nd.depth == limit && nd.feature >= 0) {
            nd.feature = nd.left = nd.right = -1;
            nd.threshold = 0.0;
        } else if (nd.feature >= 0) {
            nd.left = map[nd.left];
            nd.right = map[nd.right];
        }
        t->nodes[map[k]] = nd;
    }
    t->n_nodes = m;
    free(map);
    return MLAC_OK;
}

static void count_nodes(forest *f)
{
    forest_info *in = &f->info;
    in->n_nodes = in->n_leaves = 0;
    in->deepest_leaf = 0;
    in->memory_bytes = sizeof *f + (size_t)in->n_trees * sizeof *f->trees;
    for (int t = 0; t < in->n_trees; t++) {
        in->memory_bytes += f->trees[t].n_nodes * sizeof(fnode);
        for (size_t k = 0; k < f->trees[t].n_nodes; k++) {
            const fnode *nd = &f->trees[t].nodes[k];
            in->n_nodes++;
            if (nd->feature < 0) {
                in->n_leaves++;
                if (nd->depth > in->deepest_leaf)
                    in->deepest_leaf = nd->depth;
            }
        }
    }
}

/* ---- fit, predict ------------------------------------------------------------------------ */

static forest *forest_alloc(int n_trees)
{
    forest *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->trees = calloc((size_t)n_trees, sizeof *f->trees);
    if (!f->trees) {
        free(f);
        return NULL;
    }
    f->info.n_trees = n_trees;
    return f;
}

void forest_free(forest *f)
{
    if (!f)
        return;
    for (int t = 0; t < f->info.n_trees; t++)
        free(f->trees[t].nodes);
    free(f->trees);
    free(f);
}

int forest_fit(const forest_params *p, const float *x, const int *y, size_t n, size_t dim,
               forest **out, mlac_err *err)
{
    *out = NULL;
    int rc = check_data(x, y, n, dim, err);
    if (rc || (rc = check_params(p, dim, err)))
        return rc;
    int n_threads = p->n_threads < 1 ? 1 : p->n_threads;
    int n_workers = n_threads < p->n_trees ? n_threads : p->n_trees;
    forest *f = forest_alloc(p->n_trees);
    grow_ctx g = {.x = x, .y = y, .n = n, .dim = dim, .n_trees = p->n_trees,
                  .min_samples_leaf = p->min_samples_leaf, .bootstrap = p->bootstrap, .seed = p->seed};
    g.max_features = p->max_features ? p->max_features : (int)floor(sqrt((double)dim));
    if (g.max_features < 1)
        g.max_features = 1;
    g.inbag = malloc((size_t)p->n_trees * n);
    if (ranks_build(&g.rk, x, n, dim)) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory ranking %zu x %zu training values", n, dim);
        goto out;
    }
    g.status = calloc((size_t)p->n_trees, sizeof *g.status);
    g.scratch = calloc((size_t)n_workers, sizeof *g.scratch);
    if (!f || !g.inbag || !g.status || !g.scratch) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for a forest of %d trees", p->n_trees);
        goto out;
    }
    for (int w = 0; w < n_workers; w++)
        if (scratch_init(&g.scratch[w], n, dim)) {
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for tree scratch (%zu rows)", n);
            goto out;
        }
    forest_info *in = &f->info;
    in->dim = dim;
    in->max_features = g.max_features;
    in->min_samples_leaf = p->min_samples_leaf;
    in->bootstrap = p->bootstrap;
    in->tuned = p->max_depth == FOREST_DEPTH_TUNE;
    in->n_grid = resolve_grid(p, in->depth_grid);
    /* Tuning grows unlimited trees and truncates them; a fixed depth grows to it directly. */
    g.grow_depth = in->tuned ? 0 : p->max_depth;
    g.trees = f->trees;
    g.cancel = cancel_current(); /* the task's flag (core/cancel.h), read by the pool threads */
    pool_for(n_workers, (size_t)p->n_trees, tree_job, &g);
    for (int t = 0; t < p->n_trees; t++)
        if (g.status[t] == MLAC_ECANCEL) {
            rc = mlac_errf(err, MLAC_ECANCEL, "cancelled: tree %d of %d not grown", t, p->n_trees);
            goto out;
        } else if (g.status[t]) {
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory growing tree %d", t);
            goto out;
        }
    if (p->bootstrap) {
        if ((rc = oob_evaluate(&g, n_threads, in, err)))
            goto out;
    } else {
        in->n_grid = 0;
    }
    in->max_depth = in->tuned ? choose_depth(in) : p->max_depth;
    if (in->tuned && in->max_depth > 0)
        for (int t = 0; t < p->n_trees; t++)
            if (tree_truncate(&f->trees[t], in->max_depth)) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory truncating tree %d", t);
                goto out;
            }
    for (int t = 0; t < p->n_trees; t++) { /* give back the growth slack */
        ftree *tr = &f->trees[t];
        fnode *shrunk = realloc(tr->nodes, tr->n_nodes * sizeof *tr->nodes);
        if (shrunk) {
            tr->nodes = shrunk;
            tr->cap = tr->n_nodes;
        }
    }
    count_nodes(f);
    *out = f;
    f = NULL;
out:
    if (g.scratch)
        for (int w = 0; w < n_workers; w++)
            scratch_release(&g.scratch[w]);
    free(g.scratch);
    ranks_release(&g.rk);
    free(g.status);
    free(g.inbag);
    forest_free(f);
    return rc;
}

typedef struct predict_ctx {
    const forest *f;
    const float *x; /* (n, dim) */
    size_t n;
    double *prob;   /* (n,) */
} predict_ctx;

#define PREDICT_CHUNK 64

static void predict_job(void *ctx, size_t chunk, int worker)
{
    (void)worker;
    predict_ctx *c = ctx;
    size_t dim = c->f->info.dim, lo = chunk * PREDICT_CHUNK;
    size_t hi = lo + PREDICT_CHUNK < c->n ? lo + PREDICT_CHUNK : c->n;
    for (size_t i = lo; i < hi; i++) {
        const float *row = c->x + i * dim;
        double sum = 0.0;
        for (int t = 0; t < c->f->info.n_trees; t++) {
            const fnode *nd = c->f->trees[t].nodes;
            int k = 0;
            while (nd[k].feature >= 0)
                k = (double)row[nd[k].feature] <= nd[k].threshold ? nd[k].left : nd[k].right;
            sum += nd[k].value;
        }
        c->prob[i] = sum / c->f->info.n_trees;
    }
}

int forest_predict(const forest *f, const float *x, size_t n, size_t dim, int n_threads,
                   double *prob, mlac_err *err)
{
    if (dim != f->info.dim)
        return mlac_errf(err, MLAC_EINVAL, "forest was fitted on %zu features, got %zu", f->info.dim, dim);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            if (!isfinite(x[i * dim + j]))
                return mlac_errf(err, MLAC_EINVAL, "x has a non-finite value (%g) at row %zu, column %zu",
                                 (double)x[i * dim + j], i, j);
    predict_ctx c = {f, x, n, prob};
    pool_for(n_threads, (n + PREDICT_CHUNK - 1) / PREDICT_CHUNK, predict_job, &c);
    return MLAC_OK;
}

void forest_get_info(const forest *f, forest_info *info)
{
    *info = f->info;
}

/* ---- save / load ------------------------------------------------------------------------ */

/* Image: magic "MLACFRST", u32 version, header, trees, then the SHA-256 of all bytes before it.
 * Header: u64 dim, u32 n_trees, i32 max_depth, u32 max_features, u32 min_samples_leaf,
 * u32 bootstrap, u32 tuned, u32 n_grid, n_grid x (i32 depth, f64 oob_auc).
 * Tree: u32 n_nodes, then n_nodes x (i32 feature, i32 left, i32 right, f64 threshold, f64 value).
 * All little-endian. Depths are not stored: load recomputes them from the links. */
#define FOREST_MAGIC "MLACFRST"
#define FOREST_VERSION 1u
#define FOREST_WHAT "forest image"
#define NODE_BYTES 28u

int forest_save(const forest *f, buf *out, mlac_err *err)
{
    const forest_info *in = &f->info;
    sealed_writer w;
    sealed_write_begin(&w, FOREST_MAGIC, FOREST_VERSION, out->max, err);
    sealed_put_u64(&w, in->dim);
    sealed_put_u32(&w, (uint32_t)in->n_trees);
    sealed_put_u32(&w, (uint32_t)in->max_depth);
    sealed_put_u32(&w, (uint32_t)in->max_features);
    sealed_put_u32(&w, (uint32_t)in->min_samples_leaf);
    sealed_put_u32(&w, (uint32_t)in->bootstrap);
    sealed_put_u32(&w, (uint32_t)in->tuned);
    sealed_put_u32(&w, (uint32_t)in->n_grid);
    for (int d = 0; d < in->n_grid; d++) {
        sealed_put_u32(&w, (uint32_t)in->depth_grid[d]);
        sealed_put_f64(&w, in->oob_auc[d]);
    }
    for (int t = 0; t < in->n_trees; t++) {
        const ftree *tr = &f->trees[t];
        sealed_put_u32(&w, (uint32_t)tr->n_nodes);
        for (size_t k = 0; k < tr->n_nodes; k++) {
            const fnode *nd = &tr->nodes[k];
            sealed_put_u32(&w, (uint32_t)nd->feature);
            sealed_put_u32(&w, (uint32_t)nd->left);
            sealed_put_u32(&w, (uint32_t)nd->right);
            sealed_put_f64(&w, nd->threshold);
            sealed_put_f64(&w, nd->value);
        }
    }
    return sealed_write_end(&w, out);
}

/* Reads and checks one tree: links point forward, every node but the root has exactly one
 * parent, features are in range, values in [0, 1]. Fills depths. */
static int load_tree(sealed_reader *r, ftree *t, size_t dim, int ti, mlac_err *err)
{
    uint32_t n_nodes = sealed_get_u32(r);
    if (r->short_read || n_nodes == 0 || n_nodes > sealed_remaining(r) / NODE_BYTES || n_nodes > 0x7fffffffu)
        return mlac_errf(err, MLAC_EFORMAT, "forest image: tree %d has a bad node count", ti);
    t->nodes = calloc(n_nodes, sizeof *t->nodes);
    uint8_t *has_parent = calloc(n_nodes, 1);
    int rc = MLAC_OK;
    if (!t->nodes || !has_parent) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory loading tree %d (%u nodes)", ti, n_nodes);
        goto out;
    }
    t->n_nodes = t->cap = n_nodes;
    for (uint32_t k = 0; k < n_nodes; k++) {
        fnode *nd = &t->nodes[k];
        nd->feature = sealed_get_i32(r);
        nd->left = sealed_get_i32(r);
        nd->right = sealed_get_i32(r);
        nd->threshold = sealed_get_f64(r);
        nd->value = sealed_get_f64(r);
        int ok = nd->value >= 0.0 && nd->value <= 1.0;
        if (nd->feature == -1) {
            ok = ok && nd->left == -1 && nd->right == -1;
        } else {
            ok = ok && nd->feature >= 0 && (size_t)nd->feature < dim && !isnan(nd->threshold) &&
                 nd->left > (int32_t)k && (uint32_t)nd->left < n_nodes && nd->right > (int32_t)k &&
                 (uint32_t)nd->right < n_nodes && nd->left != nd->right &&
                 !has_parent[nd->left] && !has_parent[nd->right];
            if (ok) {
                has_parent[nd->left] = has_parent[nd->right] = 1;
                t->nodes[nd->left].depth = t->nodes[nd->right].depth = nd->depth + 1;
            }
        }
        if (!ok || (k > 0 && !has_parent[k])) {
            rc = mlac_errf(err, MLAC_EFORMAT, "forest image: tree %d node %u is inconsistent", ti, k);
            goto out;
        }
    }
out:
    free(has_parent);
    return rc;
}

int forest_load(const void *data, size_t n, forest **out, mlac_err *err)
{
    *out = NULL;
    sealed_reader r;
    uint32_t version;
    int rc = sealed_read_begin(&r, data, n, FOREST_MAGIC, &version, FOREST_WHAT, err);
    if (rc)
        return rc;
    if (version != FOREST_VERSION)
        return mlac_errf(err, MLAC_EFORMAT, "forest image version %u is not supported (expected %u)",
                         version, FOREST_VERSION);
    forest_info in = {0};
    uint64_t dim = sealed_get_u64(&r);
    uint32_t n_trees = sealed_get_u32(&r);
    in.max_depth = sealed_get_i32(&r);
    in.max_features = sealed_get_i32(&r);
    in.min_samples_leaf = sealed_get_i32(&r);
    in.bootstrap = sealed_get_i32(&r);
    in.tuned = sealed_get_i32(&r);
    in.n_grid = sealed_get_i32(&r);
    if (r.short_read || dim < 1 || dim > FOREST_MAX_DIM || n_trees < 1 || n_trees > FOREST_MAX_TREES ||
        in.max_depth < 0 || in.max_features < 1 || (uint64_t)in.max_features > dim ||
        in.min_samples_leaf < 1 || (unsigned)in.bootstrap > 1 || (unsigned)in.tuned > 1 ||
        in.n_grid < 0 || in.n_grid > FOREST_MAX_GRID)
        return mlac_errf(err, MLAC_EFORMAT, "forest image has an invalid header");
    for (int d = 0; d < in.n_grid; d++) {
        in.depth_grid[d] = sealed_get_i32(&r);
        in.oob_auc[d] = sealed_get_f64(&r);
        if (in.depth_grid[d] < 0 || (!isnan(in.oob_auc[d]) && !(in.oob_auc[d] >= 0.0 && in.oob_auc[d] <= 1.0)))
            return mlac_errf(err, MLAC_EFORMAT, "forest image has an invalid depth grid entry %d", d);
    }
    in.dim = (size_t)dim;
    in.n_trees = (int)n_trees;
    forest *f = forest_alloc(in.n_trees);
    if (!f)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory loading a forest of %u trees", n_trees);
    f->info = in;
    for (int t = 0; t < in.n_trees && !rc; t++)
        rc = load_tree(&r, &f->trees[t], in.dim, t, err);
    if (!rc)
        rc = sealed_read_end(&r, FOREST_WHAT, err);
    if (rc) {
        forest_free(f);
        return rc;
    }
    count_nodes(f);
    *out = f;
    return MLAC_OK;
}
