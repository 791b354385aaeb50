/* folds.c — seeded stratified folds (of clips, or of groups) and nested training sets (see folds.h). */
#include "exp/folds.h"
#include "core/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t protocol_seed(unsigned long long master, const char *what, const char *species, int repeat,
                              int fold)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s/r%d/f%d", what, species, repeat, fold);
    return rng_derive_seed(master, key);
}

/* One group in the order of assignment. */
typedef struct group_item {
    size_t gid, n_pos, n_neg, rank; /* rank: position in the seeded shuffle, breaks size ties */
} group_item;

static int cmp_group_item(const void *a, const void *b)
{
    const group_item *x = a, *y = b;
    size_t sx = x->n_pos + x->n_neg, sy = y->n_pos + y->n_neg;
    if (sx != sy)
        return sx < sy ? 1 : -1; /* largest first */
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Stratified group k-fold: groups in decreasing size (a seeded shuffle orders equal sizes) go
 * one by one to the fold where their classes are least filled (relative to the class totals),
 * ties to the fold with the fewest clips, then the lowest index. For single-class groups this is
 * list scheduling per class, so each fold's class count is within the largest group of that
 * class of the even share. */
static int assign_groups(const species_data *sp, int folds, unsigned long long master, int repeat, int *fold_of,
                         mlac_err *err)
{
    size_t G = sp->n_groups, K = (size_t)folds;
    group_item *g = calloc(G, sizeof *g);
    size_t *perm = malloc(G * sizeof *perm), *cp = calloc(K, sizeof *cp), *cn = calloc(K, sizeof *cn);
    int *fold_of_group = malloc(G * sizeof *fold_of_group);
    int rc = MLAC_OK;
    if (!g || !perm || !cp || !cn || !fold_of_group) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory assigning grouped folds for '%s'", sp->name);
        goto out;
    }
    for (size_t k = 0; k < sp->n_clips; k++) {
        size_t id = (size_t)sp->clips[k].gid;
        if (id >= G) {
            rc = mlac_errf(err, MLAC_EINTERNAL, "clip '%s' has group index %zu of %zu", sp->clips[k].path, id, G);
            goto out;
        }
        g[id].gid = id;
        sp->clips[k].label ? g[id].n_pos++ : g[id].n_neg++;
    }
    for (size_t i = 0; i < G; i++)
        perm[i] = i;
    rng r;
    rng_seed(&r, protocol_seed(master, "groupfolds", sp->name, repeat, -1));
    rng_shuffle_idx(&r, perm, G);
    for (size_t i = 0; i < G; i++)
        g[perm[i]].rank = i;
    qsort(g, G, sizeof *g, cmp_group_item);
    double tp = sp->n_pos ? (double)sp->n_pos : 1, tn = sp->n_neg ? (double)sp->n_neg : 1;
    for (size_t i = 0; i < G; i++) {
        size_t best = 0;
        double best_cost = 0;
        for (size_t f = 0; f < K; f++) {
            double cost = (double)(cp[f] + g[i].n_pos) * (double)g[i].n_pos / tp +
                          (double)(cn[f] + g[i].n_neg) * (double)g[i].n_neg / tn;
            if (f == 0 || cost < best_cost || (cost == best_cost && cp[f] + cn[f] < cp[best] + cn[best]))
                best = f, best_cost = cost;
        }
        fold_of_group[g[i].gid] = (int)best;
        cp[best] += g[i].n_pos;
        cn[best] += g[i].n_neg;
    }
    for (size_t k = 0; k < sp->n_clips; k++)
        fold_of[k] = fold_of_group[sp->clips[k].gid];
out:
    free(g), free(perm), free(cp), free(cn), free(fold_of_group);
    return rc;
}

int folds_assign(const species_data *sp, int folds, unsigned long long master, int repeat, int *fold_of,
                 mlac_err *err)
{
    if (folds < 2)
        return mlac_errf(err, MLAC_EINVAL, "cv_folds must be at least 2, got %d", folds);
    if (sp->n_groups)
        return assign_groups(sp, folds, master, repeat, fold_of, err);
    size_t *idx = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *idx);
    if (!idx)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory assigning folds for '%s'", sp->name);
    rng r;
    rng_seed(&r, protocol_seed(master, "folds", sp->name, repeat, -1));
    for (int label = 1; label >= 0; label--) {
        size_t m = 0;
        for (size_t i = 0; i < sp->n_clips; i++)
            if (sp->clips[i].label == label)
                idx[m++] = i;
        rng_shuffle_idx(&r, idx, m);
        for (size_t j = 0; j < m; j++)
            fold_of[idx[j]] = (int)(j % (size_t)folds);
    }
    free(idx);
    return MLAC_OK;
}

int folds_training_set(const species_data *sp, const int *fold_of, int fold, size_t n,
                       unsigned long long master, int repeat, size_t *train_idx, mlac_err *err)
{
    size_t *pool = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *pool);
    if (!pool)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory building a training set for '%s'", sp->name);
    size_t m = 0;
    for (size_t i = 0; i < sp->n_clips; i++)
        if (fold_of[i] != fold)
            pool[m++] = i;
    rng r;
    rng_seed(&r, protocol_seed(master, "train", sp->name, repeat, fold));
    rng_shuffle_idx(&r, pool, m);
    size_t got_pos = 0, got_neg = 0;
    for (size_t j = 0; j < m && (got_pos < n || got_neg < n); j++) {
        size_t c = pool[j];
        if (sp->clips[c].label == 1 && got_pos < n)
            train_idx[got_pos++] = c;
        else if (sp->clips[c].label == 0 && got_neg < n)
            train_idx[n + got_neg++] = c;
    }
    free(pool);
    if (got_pos < n || got_neg < n)
        return mlac_errf(err, MLAC_EINVAL, "species '%s' fold %d: a training size of %zu per class needs more clips "
                         "(%zu positives and %zu negatives available)", sp->name, fold, n, got_pos, got_neg);
    return MLAC_OK;
}

void folds_test_set(const species_data *sp, const int *fold_of, int fold, size_t *test_idx, size_t *n_test)
{
    size_t m = 0;
    for (size_t i = 0; i < sp->n_clips; i++)
        if (fold_of[i] == fold)
            test_idx[m++] = i;
    *n_test = m;
}

/* Per-fold class counts of an assignment: cp, cn (folds,). */
static void fold_counts(const species_data *sp, int folds, const int *fold_of, size_t *cp, size_t *cn)
{
    memset(cp, 0, (size_t)folds * sizeof *cp);
    memset(cn, 0, (size_t)folds * sizeof *cn);
    for (size_t k = 0; k < sp->n_clips; k++)
        if (fold_of[k] >= 0 && fold_of[k] < folds)
            (sp->clips[k].label ? cp : cn)[fold_of[k]]++;
}

size_t folds_max_balanced(const species_data *sp, int folds, unsigned long long master, int repeats)
{
    if (!sp->n_groups || folds < 2)
        return dataset_max_balanced(sp, folds);
    int *fold_of = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *fold_of);
    size_t *cp = calloc((size_t)folds, sizeof *cp), *cn = calloc((size_t)folds, sizeof *cn);
    size_t best = (size_t)-1;
    for (int r = 0; fold_of && cp && cn && r < (repeats > 0 ? repeats : 1); r++) {
        if (folds_assign(sp, folds, master, r, fold_of, NULL)) {
            best = 0;
            break;
        }
        fold_counts(sp, folds, fold_of, cp, cn);
        for (int f = 0; f < folds; f++) {
            size_t pp = sp->n_pos - cp[f], pn = sp->n_neg - cn[f];
            size_t m = pp < pn ? pp : pn;
            best = m < best ? m : best;
        }
    }
    if (!fold_of || !cp || !cn)
        best = 0;
    free(fold_of), free(cp), free(cn);
    return best == (size_t)-1 ? 0 : best;
}

size_t folds_cap(const species_data *sp, int folds, unsigned long long master, int repeats, size_t n)
{
    size_t max = folds_max_balanced(sp, folds, master, repeats);
    return n < max ? n : max;
}

static size_t print_counts(char *out, size_t n, const char *what, const size_t *c, int folds)
{
    size_t len = (size_t)snprintf(out, n, "%s per fold:", what);
    for (int f = 0; f < folds && len < n; f++)
        len += (size_t)snprintf(out + len, n - len, " %zu", c[f]);
    return len < n ? len : n;
}

int folds_group_balance(const species_data *sp, int folds, const int *fold_of, char *msg, size_t n)
{
    if (!sp->n_groups || folds < 2 || !n)
        return 0;
    size_t *count = calloc(sp->n_groups * 2, sizeof *count);
    size_t *cp = calloc((size_t)folds, sizeof *cp), *cn = calloc((size_t)folds, sizeof *cn);
    int found = 0;
    if (count && cp && cn) {
        for (size_t k = 0; k < sp->n_clips; k++)
            count[2 * (size_t)sp->clips[k].gid + (size_t)sp->clips[k].label]++;
        size_t worst = 0;
        double worst_share = 0;
        for (size_t k = 0; k < sp->n_clips; k++) {
            int label = sp->clips[k].label;
            size_t c = count[2 * (size_t)sp->clips[k].gid + (size_t)label], total = label ? sp->n_pos : sp->n_neg;
            double share = total ? (double)c / (double)total : 0;
            if (c * (size_t)folds > total && share > worst_share)
                worst = k, worst_share = share, found = 1;
        }
        if (found) {
            const clip_ref *w = &sp->clips[worst];
            size_t c = count[2 * (size_t)w->gid + (size_t)w->label];
            fold_counts(sp, folds, fold_of, cp, cn);
            size_t len = (size_t)snprintf(msg, n, "species '%s': group '%s' holds %zu of %zu %s (more than 1/%d), so "
                                          "the folds cannot be balanced; ", sp->name, w->group, c,
                                          w->label ? sp->n_pos : sp->n_neg, w->label ? "positives" : "negatives", folds);
            if (len < n)
                len += print_counts(msg + len, n - len, "positives", cp, folds);
            if (len < n)
                len += (size_t)snprintf(msg + len, n - len, "; ");
            if (len < n)
                print_counts(msg + len, n - len, "negatives", cn, folds);
        }
    }
    free(count), free(cp), free(cn);
    return found;
}
