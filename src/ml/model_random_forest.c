/* model_random_forest.c — the `random_forest` model: forest.h behind the model interface.
 *
 * Options (cfg->options, all optional): n_trees (int >= 1, default 100); max_depth (int >= 1
 * fixes it, 0 or null = unlimited, absent = tuned on out-of-bag AUC); depth_grid (array of
 * depths, 0 or null = unlimited; default [4, 8, 16, null]); max_features (int >= 1 or "sqrt",
 * default "sqrt"); min_samples_leaf (int >= 1, default 1); bootstrap (bool, default true).
 * Unknown keys are rejected, so a typo in a spec is an error rather than a silent default.
 * Scores: prob_out and score_out are both the forest's probability of class 1.
 * A failed fit or load leaves the model unfitted (score then fails) rather than stale.
 */
#include "ml/forest.h"
#include "ml/model.h"
#include "core/options.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

extern const struct model_kind model_random_forest;

typedef struct rf_model {
    model base;
    forest_params params;
    forest *f; /* NULL until fitted or loaded */
} rf_model;

/* The options of random_forest, parsed by core/options into rf_options and copied into the
 * forest's parameters. */
typedef struct rf_options {
    int n_trees, max_depth, max_features, min_samples_leaf, bootstrap;
    size_t n_grid;
    int depth_grid[FOREST_MAX_GRID];
} rf_options;

static const double default_depth_grid[] = {4, 8, 16, FOREST_DEPTH_UNLIMITED};

static const option_spec rf_option_table[] = {
    {.key = "n_trees", .type = OPTION_INT, .offset = offsetof(rf_options, n_trees), .lo = 1,
     .hi = FOREST_MAX_TREES, .dflt = 100, .help = "trees in the forest"},
    {.key = "max_depth", .type = OPTION_INT, .offset = offsetof(rf_options, max_depth), .lo = 0, .hi = 1000000,
     .dflt = FOREST_DEPTH_TUNE, .null_ok = 1, .null_value = FOREST_DEPTH_UNLIMITED, .dflt_text = "tuned",
     .help = "fixed depth; 0 or null = unlimited; absent = tuned on out-of-bag ROC-AUC over depth_grid"},
    {.key = "depth_grid", .type = OPTION_INT_LIST, .offset = offsetof(rf_options, depth_grid), .lo = 0,
     .hi = 1000000, .null_ok = 1, .null_value = FOREST_DEPTH_UNLIMITED, .max_items = FOREST_MAX_GRID,
     .count_offset = offsetof(rf_options, n_grid), .dflt_items = default_depth_grid, .dflt_count = 4,
     .help = "depths tried when tuning (0 or null = unlimited)"},
    {.key = "max_features", .type = OPTION_INT, .offset = offsetof(rf_options, max_features), .lo = 1,
     .hi = FOREST_MAX_DIM, .token = "sqrt", .token_value = 0, .dflt = 0,
     .help = "features tried per split; sqrt = floor(sqrt(features))"},
    {.key = "min_samples_leaf", .type = OPTION_INT, .offset = offsetof(rf_options, min_samples_leaf), .lo = 1,
     .hi = 1000000, .dflt = 1, .help = "fewest training clips in a leaf"},
    {.key = "bootstrap", .type = OPTION_BOOL, .offset = offsetof(rf_options, bootstrap), .dflt = 1,
     .help = "each tree sees a bootstrap sample (false: every clip once, no out-of-bag tuning)"},
    OPTION_END,
};

static int parse_options(json_t *opts, forest_params *p, mlac_err *err)
{
    rf_options o;
    int rc = options_parse("random_forest", rf_option_table, opts, &o, err);
    if (rc)
        return rc;
    p->n_trees = o.n_trees;
    p->max_depth = o.max_depth;
    p->max_features = o.max_features;
    p->min_samples_leaf = o.min_samples_leaf;
    p->bootstrap = o.bootstrap;
    p->n_grid = (int)o.n_grid;
    memcpy(p->depth_grid, o.depth_grid, o.n_grid * sizeof *o.depth_grid);
    return MLAC_OK;
}

static int rf_create(const model_config *cfg, model **out, mlac_err *err)
{
    *out = NULL;
    rf_model *m = calloc(1, sizeof *m);
    if (!m)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory creating random_forest");
    m->base.kind = &model_random_forest;
    forest_params_default(&m->params);
    m->params.seed = cfg->seed;
    m->params.n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
    int rc = parse_options(cfg->options, &m->params, err);
    if (rc) {
        free(m);
        return rc;
    }
    *out = &m->base;
    return MLAC_OK;
}

static int rf_fit(model *base, const float *x, const int *y, size_t n, size_t dim, mlac_err *err)
{
    rf_model *m = (rf_model *)base;
    forest_free(m->f); /* a failed fit leaves the model unfitted, never stale */
    m->f = NULL;
    if (forest_fit(&m->params, x, y, n, dim, &m->f, err))
        return mlac_err_prefix(err, "random_forest: ");
    return MLAC_OK;
}

static int rf_score(model *base, const float *x, size_t n, size_t dim, double *prob_out,
                    double *score_out, mlac_err *err)
{
    rf_model *m = (rf_model *)base;
    if (!m->f)
        return mlac_errf(err, MLAC_EINVAL, "random_forest: score called before fit or load");
    double *prob = prob_out ? prob_out : score_out;
    if (!prob)
        return MLAC_OK;
    if (forest_predict(m->f, x, n, dim, m->params.n_threads, prob, err))
        return mlac_err_prefix(err, "random_forest: ");
    if (score_out && score_out != prob)
        memcpy(score_out, prob, n * sizeof *prob);
    return MLAC_OK;
}

static int rf_save(model *base, buf *out, mlac_err *err)
{
    rf_model *m = (rf_model *)base;
    if (!m->f)
        return mlac_errf(err, MLAC_EINVAL, "random_forest: save called before fit or load");
    return forest_save(m->f, out, err);
}

static int rf_load(model *base, const void *data, size_t n, mlac_err *err)
{
    rf_model *m = (rf_model *)base;
    forest_free(m->f); /* a failed load leaves the model unfitted */
    m->f = NULL;
    if (forest_load(data, n, &m->f, err))
        return mlac_err_prefix(err, "random_forest: ");
    return MLAC_OK;
}

static json_t *depth_json(int depth)
{
    return depth == FOREST_DEPTH_UNLIMITED ? json_null() : json_integer(depth);
}

static void rf_describe(model *base, json_t *out)
{
    rf_model *m = (rf_model *)base;
    if (!m->f)
        return;
    forest_info in;
    forest_get_info(m->f, &in);
    json_object_set_new(out, "max_depth", depth_json(in.max_depth));
    json_object_set_new(out, "max_depth_tuned", json_boolean(in.tuned));
    json_t *grid = json_array();
    for (int d = 0; d < in.n_grid; d++) {
        json_t *e = json_object();
        json_object_set_new(e, "max_depth", depth_json(in.depth_grid[d]));
        json_object_set_new(e, "oob_auc", isnan(in.oob_auc[d]) ? json_null() : json_real(in.oob_auc[d]));
        json_array_append_new(grid, e);
    }
    json_object_set_new(out, "oob_auc_by_depth", grid);
    json_object_set_new(out, "n_trees", json_integer(in.n_trees));
    json_object_set_new(out, "max_features", json_integer(in.max_features));
    json_object_set_new(out, "min_samples_leaf", json_integer(in.min_samples_leaf));
    json_object_set_new(out, "bootstrap", json_boolean(in.bootstrap));
    json_object_set_new(out, "n_nodes", json_integer((json_int_t)in.n_nodes));
    json_object_set_new(out, "n_leaves", json_integer((json_int_t)in.n_leaves));
    json_object_set_new(out, "deepest_leaf", json_integer(in.deepest_leaf));
    json_object_set_new(out, "memory_bytes", json_integer((json_int_t)in.memory_bytes));
}

static void rf_free(model *base)
{
    rf_model *m = (rf_model *)base;
    if (!m)
        return;
    forest_free(m->f);
    free(m);
}

const struct model_kind model_random_forest = {
    .name = "random_forest",
    .options = rf_option_table,
    .description = "random forest: 100 CART trees (Gini, sqrt features, bootstrap), max depth tuned on out-of-bag AUC",
    .input = INPUT_SUMMARY,
    .create = rf_create,
    .fit = rf_fit,
    .score = rf_score,
    .save = rf_save,
    .load = rf_load,
    .describe = rf_describe,
    .free = rf_free,
};
