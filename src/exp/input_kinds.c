/* input_kinds.c — the table of input kinds (see input_kinds.h): one row per enum model_input.
 *
 * The cache key texts are byte for byte what the feature cache has always been keyed by, so the
 * entries of earlier runs stay valid: an audio kind's text is feat_params_describe of the
 * parameters it reads, then the clip length and offset; the embedding's names the embedder's
 * model, version, dimension, rate, window layout and pooling.
 */
#include "exp/input_kinds.h"
#include "exp/inputs_source.h"

#include <stdio.h>
#include <string.h>

static size_t summary_dim(const input_params *p)
{
    return (size_t)FEAT_SUMMARY_DIM(p->feat);
}

static size_t image_dim(const input_params *p)
{
    return (size_t)p->feat->image_size * (size_t)p->feat->image_size;
}

static size_t embedding_dim(const input_params *p)
{
    return p->embedder ? p->embedder->dim : 0;
}

static void audio_key_text(const feat_params *fp, double clip_seconds, char *out, size_t n)
{
    char fdesc[900];
    feat_params_describe(fp, fdesc, sizeof fdesc);
    snprintf(out, n, "%s clip_seconds=%.6f offset=centre", fdesc, clip_seconds);
}

static void summary_key_text(const input_params *p, char *out, size_t n)
{
    feat_params kp = *p->feat;
    kp.image_size = 0; /* the MFCC summary does not depend on the image size (issue 13) */
    audio_key_text(&kp, p->clip_seconds, out, n);
}

static void image_key_text(const input_params *p, char *out, size_t n)
{
    audio_key_text(p->feat, p->clip_seconds, out, n);
}

static void embedding_key_text(const input_params *p, char *out, size_t n)
{
    const embed_info *e = p->embedder;
    snprintf(out, n, "protocol=1 model=%s version=%s dim=%zu rate=%d window=%zu hop=%zu pooling=%s",
             e ? e->model : "", e ? e->version : "", e ? e->dim : 0, e ? e->rate : 0, p->win, p->hop,
             embed_pooling_name(p->pooling));
}

static const char *const no_image[] = {"image_size", NULL};

static const struct input_kind summary = {
    .input = INPUT_SUMMARY,
    .name = "summary",
    .option = "summary",
    .reads = "78 MFCC summary values",
    .source = &input_source_audio,
    .dim = summary_dim,
    .key_text = summary_key_text,
    .compute = feat_summary_analysed,
    .unread_features = no_image,
};

static const struct input_kind logmel_image = {
    .input = INPUT_LOGMEL_IMAGE,
    .name = "logmel_image",
    .option = "logmel",
    .reads = "log-mel image",
    .source = &input_source_audio,
    .square = 1,
    .dim = image_dim,
    .key_text = image_key_text,
    .compute = feat_image_analysed,
};

static const struct input_kind embedding = {
    .input = INPUT_EMBEDDING,
    .name = "embedding",
    .option = "embedding",
    .reads = "embedding vector",
    .source = &input_source_embedder,
    .dim = embedding_dim,
    .key_text = embedding_key_text,
    /* an embedding reads no feature setting, but its tasks' keys have always kept all but the
     * image size: leaving more out would stop earlier results from being reused */
    .unread_features = no_image,
};

/* Indexed by enum model_input. */
static const struct input_kind *const kinds[INPUT_KIND_COUNT + 1] = {
    [INPUT_SUMMARY] = &summary,
    [INPUT_LOGMEL_IMAGE] = &logmel_image,
    [INPUT_EMBEDDING] = &embedding,
    [INPUT_KIND_COUNT] = NULL,
};

const struct input_kind *const *input_kinds_all(void)
{
    return kinds;
}

const struct input_kind *input_kind_of(enum model_input in)
{
    return (unsigned)in < INPUT_KIND_COUNT ? kinds[in] : NULL;
}

const struct input_kind *input_kind_find(const char *name)
{
    for (size_t i = 0; name && kinds[i]; i++)
        if (!strcmp(kinds[i]->option, name) || !strcmp(kinds[i]->name, name))
            return kinds[i];
    return NULL;
}

unsigned input_kinds_of_source(const struct input_source *source)
{
    unsigned bits = 0;
    for (size_t i = 0; kinds[i]; i++)
        if (kinds[i]->source == source)
            bits |= 1u << kinds[i]->input;
    return bits;
}

void input_kind_options(char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; kinds[i] && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", kinds[i]->option);
}
