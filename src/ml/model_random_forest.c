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

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const struct model_kind model_random_forest;

typedef struct rf_model {
    model base;
    forest_params params;
    forest *f; /* NULL until fitted or loaded */
} rf_model;

static int opt_int(json_t *v, const char *key, int lo, int *out, mlac_err *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > 1000000000)
        return mlac_errf(err, MLAC_EINVAL, "random_forest option '%s' must be an integer >= %d", key, lo);
    *out = (int)json_integer_value(v);
    return MLAC_OK;
}

/* A depth: integer >= 0 or null, 0 and null meaning unlimited. */
static int opt_depth(json_t *v, const char *key, int *out, mlac_err *err)
{
    if (json_is_null(v)) {
        *out = FOREST_DEPTH_UNLIMITED;
        return MLAC_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
        return mlac_errf(err, MLAC_EINVAL,
                         "random_forest option '%s' must hold depths >= 1, or 0/null for unlimited", key);
    *out = (int)json_integer_value(v);
    return MLAC_OK;
}

static int parse_options(json_t *opts, forest_params *p, mlac_err *err)
{
    if (!opts || json_is_null(opts))
        return MLAC_OK;
    if (!json_is_object(opts))
        return mlac_errf(err, MLAC_EINVAL, "random_forest options must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(opts, key, v) {
        int rc = MLAC_OK;
        if (strcmp(key, "n_trees") == 0) {
            rc = opt_int(v, key, 1, &p->n_trees, err);
        } else if (strcmp(key, "max_depth") == 0) {
            rc = opt_depth(v, key, &p->max_depth, err);
        } else if (strcmp(key, "min_samples_leaf") == 0) {
            rc = opt_int(v, key, 1, &p->min_samples_leaf, err);
        } else if (strcmp(key, "max_features") == 0) {
            if (json_is_string(v) && strcmp(json_string_value(v), "sqrt") == 0)
                p->max_features = 0;
            else
                rc = opt_int(v, key, 1, &p->max_features, err);
        } else if (strcmp(key, "bootstrap") == 0) {
            if (!json_is_boolean(v))
                return mlac_errf(err, MLAC_EINVAL, "random_forest option 'bootstrap' must be true or false");
            p->bootstrap = json_is_true(v);
        } else if (strcmp(key, "depth_grid") == 0) {
            size_t n = json_array_size(v);
            if (!json_is_array(v) || n < 1 || n > FOREST_MAX_GRID)
                return mlac_errf(err, MLAC_EINVAL, "random_forest option 'depth_grid' must be an array of 1 to %d depths",
                                 FOREST_MAX_GRID);
            for (size_t i = 0; i < n && !rc; i++)
                rc = opt_depth(json_array_get(v, i), key, &p->depth_grid[i], err);
            p->n_grid = (int)n;
        } else {
            return mlac_errf(err, MLAC_EINVAL,
                             "random_forest has no option '%s' (known: n_trees, max_depth, depth_grid, "
                             "max_features, min_samples_leaf, bootstrap)", key);
        }
        if (rc)
            return rc;
    }
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
