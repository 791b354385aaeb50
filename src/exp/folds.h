/* folds.h — the cross-validation protocol of DESIGN.md §3: stratified folds, nested balanced
 * training sets, caps.
 *
 * Invariants (tested in tests/exp/test_folds.c and test_group_folds.c):
 *  - each class is split over K folds by one seeded permutation: fold sizes differ by <= 1;
 *  - a species with groups (groups.h) gets stratified *group* folds instead: every group lies in
 *    exactly one fold, and each fold's count of a class is within that class's largest group of
 *    the even share (for groups of one class);
 *  - the training set for (fold, n) is the first n positives and first n negatives of one seeded
 *    permutation of the training pool, so the set for n is contained in the set for n' > n;
 *  - seeds come only from (master seed, species, repeat, fold): the same clips for every model.
 */
#ifndef MLAC_EXP_FOLDS_H
#define MLAC_EXP_FOLDS_H

#include <stddef.h>
#include "core/error.h"
#include "dataset/dataset.h"

/* fold_of (n_clips,) gets a fold in [0, K) for each clip of sp. */
int folds_assign(const species_data *sp, int folds, unsigned long long master, int repeat, int *fold_of,
                 mlac_err *err);

/* The training clips of (fold, n): train_idx (2n,) gets n positive then n negative clip indices,
 * in permutation order. n must be <= the pool's smaller class (see folds_cap). */
int folds_training_set(const species_data *sp, const int *fold_of, int fold, size_t n,
                       unsigned long long master, int repeat, size_t *train_idx, mlac_err *err);

/* The test clips of a fold: test_idx (n_clips,) gets the indices, *n_test their count. */
void folds_test_set(const species_data *sp, const int *fold_of, int fold, size_t *test_idx, size_t *n_test);

/* The largest n that every fold's training pool of every repeat allows: dataset_max_balanced
 * without groups; with groups, measured on the grouped folds of repeats 0..repeats-1. */
size_t folds_max_balanced(const species_data *sp, int folds, unsigned long long master, int repeats);
/* n_effective = min(n, folds_max_balanced). */
size_t folds_cap(const species_data *sp, int folds, unsigned long long master, int repeats, size_t n);

/* When a group holds more than 1/K of its class, writes one line into msg naming the (largest
 * such) group and the per-fold class counts reached, and returns 1; else 0. */
int folds_group_balance(const species_data *sp, int folds, const int *fold_of, char *msg, size_t n);

#endif
