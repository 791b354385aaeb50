/* model.h — the one interface every model implements, and the registry that names them.
 *
 * A model is fit on a matrix of features (one row per clip) and 0/1 labels, then scores
 * clips with the probability of the positive class. Which features it wants is declared by
 * its `input` kind; the experiment runner builds that matrix (src/exp) so models never touch
 * audio. A new model is one file defining a `const struct model_kind` plus one row in
 * registry.c.
 *
 * Determinism: everything random inside fit/score draws from an rng seeded with cfg.seed;
 * results must not depend on cfg.n_threads.
 */
#ifndef MLAC_ML_MODEL_H
#define MLAC_ML_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

/* What a model reads; the runner turns each into a feature matrix. Each value is one row of the
 * table of input kinds (exp/input_kinds.c: name, dimension, cache key, compute). */
enum model_input {
    INPUT_SUMMARY = 0,     /* 78 MFCC+delta summary values per clip */
    INPUT_LOGMEL_IMAGE,    /* (S, S) log-mel image per clip */
    INPUT_EMBEDDING,       /* pooled embedding vector per clip (birdnet, perch) */
    INPUT_KIND_COUNT       /* not a kind: the number of kinds, for arrays indexed by kind */
};

typedef struct model_config {
    unsigned long long seed;  /* derived from the task's coordinates */
    int n_threads;            /* this task's share of the thread budget */
    json_t *options;          /* model options from the spec (borrowed; may be NULL) */
} model_config;

typedef struct model model;

struct model_kind {
    const char *name;        /* registry name: "random_forest", "svm", ... */
    const char *description; /* one line for --help and reports */
    enum model_input input;
    /* The model's options (core/options.h), for parsing and --help; NULL when it has none. */
    const struct option_spec *options;
    int (*create)(const model_config *cfg, model **out, mlac_err *err);
    /* x (n, dim) row-major, y (n,) in {0,1}. */
    int (*fit)(model *m, const float *x, const int *y, size_t n, size_t dim, mlac_err *err);
    /* prob_out (n,) probability of the positive class; score_out (n,) the ranking score used for
     * ROC-AUC (may equal prob; an SVM's decision value). Either may be NULL. */
    int (*score)(model *m, const float *x, size_t n, size_t dim, double *prob_out, double *score_out,
                 mlac_err *err);
    int (*save)(model *m, buf *out, mlac_err *err);
    int (*load)(model *m, const void *data, size_t n, mlac_err *err);
    /* Adds model-specific facts to a task's result: chosen hyper-parameters, training history
     * ("history": [{"epoch":..,"loss":..,"val_auc":..}]), memory. May be NULL. */
    void (*describe)(model *m, json_t *out);
    void (*free)(model *m);
};

struct model {
    const struct model_kind *kind;
};

const struct model_kind *model_find(const char *name);
/* NULL-terminated table of all registered kinds, in registry order. */
const struct model_kind *const *model_all(void);
/* How many kinds model_all holds. */
size_t model_kind_count(void);
/* "random_forest, svm, ..." for error messages. */
void model_names(char *out, size_t n);
/* Sorts names into registry order, names not in the registry after them in byte order: the
 * canonical order of a run's models (spec.h), so the order they were typed in changes nothing. */
void model_sort_names(strlist *names);
/* A model's place in the registry (0, 1, ...), or -1 for a name it does not hold. */
int model_rank(const char *name);

#endif
