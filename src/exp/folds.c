/* folds.c — seeded stratified folds and nested training sets (see folds.h). */
#include "exp/folds.h"
#include "core/rng.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t protocol_seed(unsigned long long master, const char *what, const char *species, int repeat,
                              int fold)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s/r%d/f%d", what, species, repeat, fold);
    return rng_derive_seed(master, key);
}

int folds_assign(const species_data *sp, int folds, unsigned long long master, int repeat, int *fold_of,
                 mlac_err *err)
{
    if (folds < 2)
        return mlac_errf(err, MLAC_EINVAL, "cv_folds must be at least 2, got %d", folds);
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

size_t folds_cap(const species_data *sp, int folds, size_t n)
{
    size_t max = dataset_max_balanced(sp, folds);
    return n < max ? n : max;
}
