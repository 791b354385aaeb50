/* embed_settings.h — the embedding settings of a run, read from the configuration.
 *
 * Owns the keys embedder_birdnet, embedder_perch, embed_overlap, embed_pooling, embed_timeout,
 * embed_batch, embed_head, head_cv and skip_unavailable (docs/EMBEDDERS.md): declared once in
 * embed_config_table (config.h), defaults included. Plain data, so a spec can hold a copy.
 */
#ifndef MLAC_EMBED_EMBED_SETTINGS_H
#define MLAC_EMBED_EMBED_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include "core/config.h"
#include "core/error.h"
#include "embed/embed.h"

#define EMBED_IMPORT_PREFIX "import:"

/* The embedding part of a run's configuration: plain data, safe to copy into a spec. */
typedef struct embed_settings {
    char birdnet[1024];          /* embedder_birdnet: a command line or "import:<path>"; "" = none */
    char perch[1024];            /* embedder_perch */
    double overlap;              /* embed_overlap: fraction of a window shared with the next, 0..0.9 */
    enum embed_pooling pooling;  /* embed_pooling: mean (default) or max */
    double timeout_s;            /* embed_timeout: seconds per embedder call (600) */
    size_t batch_windows;        /* embed_batch: windows per embedder call (256) */
    int head_mlp;                /* embed_head: 0 logistic (default), 1 mlp */
    int head_cv;                 /* head_cv: choose the head's regularisation by inner CV */
    int skip_unavailable;        /* skip_unavailable: skip, with a warning, models with no embedder */
} embed_settings;

/* The keys above: type, range, default, environment names, help. */
extern const config_table embed_config_table;

/* The table's defaults. */
void embed_settings_default(embed_settings *s);
/* Reads the keys above from a configuration made with embed_config_table; errors name the key
 * and where its value came from. */
int embed_settings_read(const config *cfg, embed_settings *s, mlac_err *err);
/* The configured embedder text of a model ("" when none or not an embedding model). */
const char *embed_settings_embedder(const embed_settings *s, const char *model);
/* MLAC_OK when model has an embedder; else MLAC_EUNAVAIL and a message saying how to set one. */
int embed_check_available(const embed_settings *s, const char *model, mlac_err *err);
/* {"embedder": ..., "overlap": ..., "pooling": ..., "head": ..., "head_cv": ...} for spec.json
 * (new reference); embedder texts are recorded as given. */
json_t *embed_settings_to_json(const embed_settings *s, const char *model);
/* The head options these settings imply, {"head": "logistic"|"mlp", "head_cv": bool} (new
 * reference), for the model options of birdnet and perch tasks (ml/head_model.h). */
json_t *embed_settings_head_options(const embed_settings *s);

#endif
