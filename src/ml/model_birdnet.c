/* model_birdnet.c — the `birdnet` model: BirdNET-Analyzer embeddings (computed by an embedder, see
 * src/exp/embed_table.h and docs/EMBEDDERS.md) under the shared shallow head of
 * src/ml/head_model.h. The runner feeds it INPUT_EMBEDDING rows; this file only names it.
 */
#include "ml/head_model.h"
#include "ml/model.h"

extern const struct model_kind model_birdnet;

static int birdnet_create(const model_config *cfg, model **out, mlac_err *err)
{
    return head_model_create(&model_birdnet, cfg, out, err);
}

const struct model_kind model_birdnet = {
    .name = "birdnet",
    .options = head_model_options,
    .description = "BirdNET v2.4 embeddings (48 kHz, 3 s windows, 1024-d, pooled over a clip) with a shallow head: L2 logistic regression or a 1-hidden-layer MLP",
    .input = INPUT_EMBEDDING,
    .create = birdnet_create,
    .fit = head_model_fit,
    .score = head_model_score,
    .save = head_model_save,
    .load = head_model_load,
    .describe = head_model_describe,
    .free = head_model_free,
};
