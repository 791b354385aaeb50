/* embed_settings.c — the embedding settings of a run: declared in one table, read from the
 * configuration, checked, recorded in spec.json (see embed_settings.h). */
#include "embed/embed_settings.h"

#include <stdio.h>
#include <string.h>

#define T CONFIG_TEXT
static const config_key embed_keys[] = {
    {"embedder_birdnet", T, {"MLAC_EMBEDDER_BIRDNET", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "birdnet embedder: a command (docs/EMBEDDERS.md) or import:<dir-or-file>"},
    {"embedder_perch", T, {"MLAC_EMBEDDER_PERCH", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "perch embedder: a command (docs/EMBEDDERS.md) or import:<dir-or-file>"},
    {"embed_overlap", CONFIG_NUM, {"MLAC_EMBED_OVERLAP", NULL, NULL}, "0", 0, 0.9, NULL, 0, NULL, NULL, "fraction of an embedding window shared with the next (0 to 0.9)"},
    {"embed_pooling", CONFIG_WORDS, {"MLAC_EMBED_POOLING", NULL, NULL}, "mean", 0, 0, "mean|max", 0, NULL, NULL, "pooling of a clip's window embeddings: mean or max"},
    {"embed_timeout", CONFIG_NUM, {"MLAC_EMBED_TIMEOUT", NULL, NULL}, "600", 1, 7 * 86400, NULL, 0, NULL, NULL, "seconds one embedder call may run before it is killed"},
    {"embed_batch", CONFIG_INT, {"MLAC_EMBED_BATCH", NULL, NULL}, "256", 1, 65536, NULL, 0, NULL, NULL, "audio windows per embedder call"},
    {"embed_head", CONFIG_WORDS, {"MLAC_EMBED_HEAD", NULL, NULL}, "logistic", 0, 0, "logistic|mlp", 0, NULL, NULL, "classifier on embeddings: logistic or mlp"},
    {"head_cv", CONFIG_BOOL, {"MLAC_HEAD_CV", NULL, NULL}, "false", 0, 0, NULL, 0, NULL, NULL, "choose the head's regularisation by inner CV"},
    {"skip_unavailable", CONFIG_BOOL, {"MLAC_SKIP_UNAVAILABLE", NULL, NULL}, "false", 0, 0, NULL, 0, NULL, NULL, "skip models with no embedder instead of stopping"},
    {NULL, 0, {NULL, NULL, NULL}, NULL, 0, 0, NULL, 0, NULL, NULL, NULL},
};

const config_table embed_config_table = {"embedders (src/embed/embed_settings.c)", embed_keys};

void embed_settings_default(embed_settings *s)
{
    static const config_table *const own[] = {&embed_config_table, NULL};
    config cfg;
    memset(s, 0, sizeof *s);
    if (!config_init(&cfg, own, NULL))
        embed_settings_read(&cfg, s, NULL); /* the defaults are valid (tests/embed/test_windows.c) */
    config_release(&cfg);
}

static int read_text(const config *cfg, const char *key, char *out, size_t n, mlac_err *err)
{
    const config_entry *e = config_find(cfg, key);
    if (strlen(e->value) >= n)
        return mlac_errf(err, MLAC_EINVAL, "%s (from %s) is longer than %zu characters", key, e->origin, n - 1);
    snprintf(out, n, "%s", e->value);
    return MLAC_OK;
}

int embed_settings_read(const config *cfg, embed_settings *s, mlac_err *err)
{
    memset(s, 0, sizeof *s);
    long batch;
    int pooling, head;
    int rc = read_text(cfg, "embedder_birdnet", s->birdnet, sizeof s->birdnet, err);
    if (!rc) rc = read_text(cfg, "embedder_perch", s->perch, sizeof s->perch, err);
    if (!rc) rc = config_num(cfg, "embed_overlap", &s->overlap, err);
    if (!rc) rc = config_word(cfg, "embed_pooling", &pooling, err);
    if (!rc) rc = config_num(cfg, "embed_timeout", &s->timeout_s, err);
    if (!rc) rc = config_int(cfg, "embed_batch", &batch, err);
    if (!rc) rc = config_word(cfg, "embed_head", &head, err);
    if (!rc) rc = config_flag(cfg, "head_cv", &s->head_cv, err);
    if (!rc) rc = config_flag(cfg, "skip_unavailable", &s->skip_unavailable, err);
    if (rc)
        return rc;
    s->pooling = pooling == 1 ? EMBED_POOL_MAX : EMBED_POOL_MEAN; /* the order of the row's words */
    s->batch_windows = (size_t)batch;
    s->head_mlp = head == 1;
    return MLAC_OK;
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
