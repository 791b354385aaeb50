/* model_perch.c — the `perch` model: Perch embeddings (computed by an embedder, see
 * src/exp/embed_table.h and docs/EMBEDDERS.md) under the shared shallow head of
 * src/ml/head_model.h. The runner feeds it INPUT_EMBEDDING rows; this file only names it.
 */
#include "ml/head_model.h"
#include "ml/model.h"

extern const struct model_kind model_perch;

static int perch_create(const model_config *cfg, model **out, mlac_err *err)
{
    return head_model_create(&model_perch, cfg, out, err);
}

const struct model_kind model_perch = {
    .name = "perch",
    .options = head_model_options,
    .description = "Perch embeddings (32 kHz, 5 s windows from data_5s, 1280-d v1 / 1536-d v2, pooled) with a shallow head: L2 logistic regression or a 1-hidden-layer MLP",
    .input = INPUT_EMBEDDING,
    .create = perch_create,
    .fit = head_model_fit,
    .score = head_model_score,
    .save = head_model_save,
    .load = head_model_load,
    .describe = head_model_describe,
    .free = head_model_free,
};
