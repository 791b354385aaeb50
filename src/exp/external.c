/* external.c — scoring every task on an external test set (see external.h). */
#include "exp/external.h"
#include "exp/input_kinds.h"
#include "stats/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int external_open(const exp_spec *spec, external_set *ext, mlac_err *err)
{
    memset(ext, 0, sizeof *ext);
    int rc = store_open(spec->test_data, &ext->in, err);
    if (rc)
        mlac_err_prefix(err, "test_data: ");
    else if ((rc = dataset_scan(ext->in, spec->negatives, &ext->data, err)))
        mlac_err_prefix(err, "test_data: ");
    for (size_t i = 0; !rc && i < spec->species.n; i++) {
        const species_data *sp = dataset_find(&ext->data, spec->species.items[i]);
        if (!sp || !sp->n_pos || !sp->n_neg)
            rc = mlac_errf(err, MLAC_EINVAL, "test_data: species '%s' needs positives and negatives under '%s' "
                           "(found %zu and %zu)", spec->species.items[i], spec->test_data, sp ? sp->n_pos : 0,
                           sp ? sp->n_neg : 0);
    }
    if (rc)
        external_release(ext);
    return rc;
}

int external_prepare(const exp_spec *spec, unsigned kinds, feature_cache *cache, external_set *ext, mlac_err *err)
{
    int rc = ext->in ? MLAC_OK : external_open(spec, ext, err);
    unsigned audio = kinds & input_kinds_of_source(&input_source_audio);
    if (!rc && audio)
        rc = feature_tables_build(ext->in, &ext->data, &spec->species, audio, &spec->feat, spec->clip_seconds, cache,
                                  spec->threads, NULL, NULL, ext->tables, err);
    if (rc)
        external_release(ext);
    return rc;
}

void external_release(external_set *ext)
{
    if (!ext)
        return;
    for (int k = 0; k < INPUT_KIND_COUNT; k++)
        feature_table_release(&ext->tables[k]);
    dataset_release(&ext->data);
    store_free(ext->in);
    memset(ext, 0, sizeof *ext);
}

int external_score(const external_set *ext, const char *species, const struct model_kind *kind, model *m,
                   double *auc, json_t *check, mlac_err *err)
{
    *auc = NAN;
    const feature_table *ft = &ext->tables[kind->input];
    const species_data *sp = dataset_find(&ext->data, species);
    if (input_kind_of(kind->input)->source != &input_source_audio || !ft->n || !sp)
        return MLAC_OK;
    size_t n = sp->n_clips, dim = ft->dim;
    float *x = malloc((n ? n : 1) * dim * sizeof *x);
    int *y = malloc((n ? n : 1) * sizeof *y);
    double *prob = malloc((n ? n : 1) * sizeof *prob), *score = malloc((n ? n : 1) * sizeof *score);
    int rc = (!x || !y || !prob || !score) ? mlac_errf(err, MLAC_ENOMEM, "out of memory scoring the test data")
                                           : MLAC_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = feature_table_read(ft, sp->clips[i].path, x + i * dim, err);
        if (rc)
            mlac_err_prefix(err, "test_data: ");
        y[i] = sp->clips[i].label;
    }
    if (!rc)
        rc = kind->score(m, x, n, dim, prob, score, err);
    if (!rc)
        rc = metric_roc_auc_or_nan(score, y, n, auc, err);
    json_t *scores = check && !rc ? json_array() : NULL, *labels = scores ? json_array() : NULL;
    for (size_t i = 0; labels && i < n && !rc; i++)
        if (json_array_append_new(scores, isfinite(score[i]) ? json_real(score[i]) : json_null()) || json_array_append_new(labels, json_integer(y[i])))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory scoring the test data");
    if (check && !rc && (!labels || json_object_set(check, "scores", scores) || json_object_set(check, "labels", labels)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory scoring the test data");
    json_decref(scores), json_decref(labels);
    free(x), free(y), free(prob), free(score);
    return rc;
}
