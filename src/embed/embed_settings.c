/* embed_settings.c — the embedding settings of a run: read from the configuration, checked,
 * recorded in spec.json (see embed_settings.h). Keys the configuration table does not have yet
 * keep their defaults, so this reads whatever subset the table defines.
 */
#include "embed/embed_settings.h"

#include <stdio.h>
#include <string.h>

void embed_settings_default(embed_settings *s)
{
    memset(s, 0, sizeof *s);
    s->overlap = 0.0;
    s->pooling = EMBED_POOL_MEAN;
    s->timeout_s = 600;
    s->batch_windows = 256;
}

static int read_text(const config *cfg, const char *key, char *out, size_t n, mlac_err *err)
{
    const config_entry *e = config_find(cfg, key);
    if (!e)
        return MLAC_OK;
    if (strlen(e->value) >= n)
        return mlac_errf(err, MLAC_EINVAL, "%s (from %s) is longer than %zu characters", key, e->origin, n - 1);
    snprintf(out, n, "%s", e->value);
    return MLAC_OK;
}

int embed_settings_read(const config *cfg, embed_settings *s, mlac_err *err)
{
    embed_settings_default(s);
    int rc = read_text(cfg, "embedder_birdnet", s->birdnet, sizeof s->birdnet, err);
    if (!rc)
        rc = read_text(cfg, "embedder_perch", s->perch, sizeof s->perch, err);
    if (!rc && config_find(cfg, "embed_overlap"))
        rc = config_double(cfg, "embed_overlap", 0.0, 0.9, &s->overlap, err);
    if (!rc && config_find(cfg, "embed_pooling")) {
        rc = embed_pooling_parse(config_str(cfg, "embed_pooling"), &s->pooling, err);
        if (rc)
            mlac_err_prefix(err, "(from %s) ", config_find(cfg, "embed_pooling")->origin);
    }
    if (!rc && config_find(cfg, "embed_timeout"))
        rc = config_double(cfg, "embed_timeout", 1.0, 7 * 86400.0, &s->timeout_s, err);
    long v;
    if (!rc && config_find(cfg, "embed_batch") && !(rc = config_long(cfg, "embed_batch", 1, 65536, &v, err)))
        s->batch_windows = (size_t)v;
    if (!rc && config_find(cfg, "embed_head")) {
        const char *h = config_str(cfg, "embed_head");
        if (!strcmp(h, "logistic") || !strcmp(h, "mlp"))
            s->head_mlp = !strcmp(h, "mlp");
        else
            rc = mlac_errf(err, MLAC_EINVAL, "embed_head (from %s): expected logistic or mlp, got '%s'",
                           config_find(cfg, "embed_head")->origin, h);
    }
    if (!rc && config_find(cfg, "head_cv"))
        rc = config_bool(cfg, "head_cv", &s->head_cv, err);
    if (!rc && config_find(cfg, "skip_unavailable"))
        rc = config_bool(cfg, "skip_unavailable", &s->skip_unavailable, err);
    return rc;
}

const char *embed_settings_embedder(const embed_settings *s, const char *model)
{
    if (!strcmp(model, "birdnet"))
        return s->birdnet;
    if (!strcmp(model, "perch"))
        return s->perch;
    return "";
}

int embed_check_available(const embed_settings *s, const char *model, mlac_err *err)
{
    if (!embed_spec_find(model, NULL))
        return mlac_errf(err, MLAC_EINVAL, "'%s' is not an embedding model (known: %s)", model, embed_model_names());
    const char *e = embed_settings_embedder(s, model);
    if (e[0])
        return MLAC_OK;
    return mlac_errf(err, MLAC_EUNAVAIL,
                     "model '%s' needs an embedder and none is configured: set embedder_%s (environment "
                     "MLAC_EMBEDDER_%s, or --embedder-%s) to a command that speaks the mlac embedder protocol, or to "
                     "import:<folder-or-file> of embeddings BirdNET-Analyzer or Perch already wrote (see "
                     "docs/EMBEDDERS.md); or pass --skip-unavailable to run the other models",
                     model, model, !strcmp(model, "birdnet") ? "BIRDNET" : "PERCH", model);
}

json_t *embed_settings_to_json(const embed_settings *s, const char *model)
{
    return json_pack("{s:s, s:f, s:s, s:s, s:b}", "embedder", embed_settings_embedder(s, model), "overlap",
                     s->overlap, "pooling", embed_pooling_name(s->pooling), "head", s->head_mlp ? "mlp" : "logistic",
                     "head_cv", s->head_cv);
}

json_t *embed_settings_head_options(const embed_settings *s)
{
    return json_pack("{s:s, s:b}", "head", s->head_mlp ? "mlp" : "logistic", "head_cv", s->head_cv);
}
