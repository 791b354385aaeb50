/* forest.h — random forest of CART trees for binary labels, usable without the model interface.
 *
 * Each tree: bootstrap sample (n draws with replacement, kept as integer weights like
 * scikit-learn), Gini impurity, max_features candidate features per node drawn at random,
 * thresholds at midpoints between consecutive distinct values, min_samples_leaf counted in
 * distinct samples. Probability = mean over trees of the leaf's weighted positive fraction
 * (scikit-learn's RandomForestClassifier.predict_proba).
 *
 * Max depth can be tuned on out-of-bag ROC-AUC over a grid: the forest is grown once with no
 * depth limit and each candidate depth is evaluated on the same trees truncated at that depth.
 * This equals growing a forest per depth because every node draws from its own rng, seeded
 * from its parent's (so a node's split depends only on its path from the root, never on how
 * deep an earlier subtree went). Best OOB AUC wins; ties go to the shallower depth; when no
 * depth has a defined OOB AUC (tiny data: an OOB set without both classes) the deepest wins.
 *
 * Determinism: tree t draws from rng_derive_seed(seed, "tree/<t>"); trees are built in
 * parallel but the forest is bitwise identical for any n_threads.
 */
#ifndef MLAC_ML_FOREST_H
#define MLAC_ML_FOREST_H

#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/error.h"

#define FOREST_DEPTH_TUNE (-1)    /* max_depth: choose from depth_grid by OOB AUC */
#define FOREST_DEPTH_UNLIMITED 0  /* max_depth / depth_grid entry: grow until pure */
#define FOREST_MAX_GRID 16
#define FOREST_MAX_TREES 100000
#define FOREST_MAX_DIM (1u << 20)

typedef struct forest_params {
    int n_trees;          /* default 100 */
    int max_depth;        /* default FOREST_DEPTH_TUNE; 0 = unlimited; d > 0 fixed */
    int max_features;     /* candidates per split; 0 (default) = floor(sqrt(dim)), at least 1 */
    int min_samples_leaf; /* default 1 */
    int bootstrap;        /* default 1; 0 = every tree sees every sample once (no OOB) */
    int n_grid;           /* entries of depth_grid used when tuning; default 4 */
    int depth_grid[FOREST_MAX_GRID]; /* candidate depths, 0 = unlimited; default {4, 8, 16, 0} */
    uint64_t seed;
    int n_threads;        /* default 1 */
} forest_params;

/* What a fitted (or loaded) forest reports about itself. */
typedef struct forest_info {
    size_t dim;
    int n_trees;
    int max_depth;        /* the depth in use: chosen by tuning, or fixed; 0 = unlimited */
    int max_features;     /* resolved value */
    int min_samples_leaf;
    int bootstrap;
    int tuned;            /* 1 when max_depth was chosen by OOB AUC */
    int n_grid;           /* depths evaluated on OOB samples (the fixed one alone when not tuned;
                           * 0 without bootstrap) */
    int depth_grid[FOREST_MAX_GRID];
    double oob_auc[FOREST_MAX_GRID]; /* OOB ROC-AUC per depth_grid entry; NAN when undefined
                                      * (an OOB set without both classes) */
    size_t n_nodes;       /* all trees, after truncation to max_depth */
    size_t n_leaves;
    int deepest_leaf;     /* largest leaf depth over all trees (root = 0) */
    size_t memory_bytes;  /* heap held by the fitted forest */
} forest_info;

typedef struct forest forest;

void forest_params_default(forest_params *p);

/* Fits on x (n, dim) row-major float and y (n,) in {0, 1}. Fails on NaN/inf (naming row and
 * column), labels outside {0, 1}, labels all one class, n < 2, or bad params. Tuning needs
 * bootstrap. */
int forest_fit(const forest_params *p, const float *x, const int *y, size_t n, size_t dim,
               forest **out, mlac_err *err);

/* prob (n,) = mean over trees of the leaf's positive fraction, for x (n, dim). */
int forest_predict(const forest *f, const float *x, size_t n, size_t dim, int n_threads,
                   double *prob, mlac_err *err);

void forest_get_info(const forest *f, forest_info *info);

/* Appends a versioned, checksummed little-endian binary image to out. */
int forest_save(const forest *f, buf *out, mlac_err *err);
/* Parses what forest_save wrote; a truncated, garbled or inconsistent image fails cleanly. */
int forest_load(const void *data, size_t n, forest **out, mlac_err *err);

void forest_free(forest *f);

#endif
