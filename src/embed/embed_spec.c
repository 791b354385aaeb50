/* embed_spec.c — the model spec table, window layout, pooling and the embedder wrappers
 * (see embed.h). The table is the single place that knows BirdNET's and Perch's numbers.
 */
#include "embed/embed.h"

#include <math.h>
#include <string.h>

/* First row of a model is its default version. */
static const embed_model_spec specs[] = {
    {"birdnet", "2.4", 48000, 3.0, 1024, 0},
    {"perch", "1", 32000, 5.0, 1280, 1},
    {"perch", "2", 32000, 5.0, 1536, 1},
};

#define N_SPECS (sizeof specs / sizeof specs[0])

const embed_model_spec *embed_spec_find(const char *model, const char *version)
{
    for (size_t i = 0; model && i < N_SPECS; i++)
        if (!strcmp(specs[i].model, model) && (!version || !strcmp(specs[i].version, version)))
            return &specs[i];
    return NULL;
}

const char *embed_model_names(void)
{
    return "birdnet, perch";
}

int embed_pooling_parse(const char *text, enum embed_pooling *out, mlac_err *err)
{
    if (text && !strcmp(text, "mean"))
        *out = EMBED_POOL_MEAN;
    else if (text && !strcmp(text, "max"))
        *out = EMBED_POOL_MAX;
    else
        return mlac_errf(err, MLAC_EINVAL, "embed_pooling: expected mean or max, got '%s'", text ? text : "");
    return MLAC_OK;
}

const char *embed_pooling_name(enum embed_pooling p)
{
    return p == EMBED_POOL_MAX ? "max" : "mean";
}

int embed_window_layout(int rate, double window_s, double overlap, size_t *win, size_t *hop, mlac_err *err)
{
    if (rate < 1 || rate > 768000)
        return mlac_errf(err, MLAC_EINVAL, "embedding sample rate %d Hz is out of range", rate);
    if (!(window_s >= 0.01 && window_s <= 600))
        return mlac_errf(err, MLAC_EINVAL, "embedding window of %g s is out of range (0.01 to 600)", window_s);
    if (!(overlap >= 0 && overlap <= 0.9))
        return mlac_errf(err, MLAC_EINVAL, "embed_overlap: %g is not a fraction between 0 and 0.9", overlap);
    *win = (size_t)llround(window_s * rate);
    double h = llround((double)*win * (1.0 - overlap));
    *hop = h < 1 ? 1 : (size_t)h;
    return MLAC_OK;
}

size_t embed_window_count(size_t n, size_t win, size_t hop)
{
    if (n <= win)
        return 1;
    size_t full = (n - win) / hop + 1;      /* windows that fit whole */
    size_t covered = (full - 1) * hop + win; /* samples they cover */
    return full + (2 * (n - covered) >= win ? 1 : 0);
}

void embed_window_copy(const float *x, size_t n, size_t win, size_t hop, size_t k, float *out)
{
    size_t start = k * hop;
    size_t avail = start < n ? n - start : 0;
    size_t take = avail < win ? avail : win;
    if (take)
        memcpy(out, x + start, take * sizeof *out);
    memset(out + take, 0, (win - take) * sizeof *out);
}

void embed_pool(const float *rows, size_t n_rows, size_t dim, enum embed_pooling p, float *out)
{
    for (size_t j = 0; j < dim; j++) {
        double acc = p == EMBED_POOL_MAX ? -INFINITY : 0.0;
        for (size_t i = 0; i < n_rows; i++) {
            double v = rows[i * dim + j];
            acc = p == EMBED_POOL_MAX ? (v > acc ? v : acc) : acc + v;
        }
        out[j] = (float)(p == EMBED_POOL_MAX ? acc : (n_rows ? acc / (double)n_rows : 0.0));
    }
}

int embedder_embed(embedder *e, const float *windows, size_t n, float *out, mlac_err *err)
{
    if (!n)
        return MLAC_OK;
    int rc = e->ops->embed(e, windows, n, out, err);
    if (rc)
        return rc;
    /* a safety net for every back end: nothing non-finite leaves an embedder */
    for (size_t i = 0; i < n * e->info.dim; i++)
        if (!isfinite(out[i]))
            return mlac_errf(err, MLAC_EFORMAT, "%s embedder of '%s' returned a non-finite value in window %zu",
                             e->ops->name, e->info.model, i / e->info.dim);
    return MLAC_OK;
}

void embedder_free(embedder *e)
{
    if (e)
        e->ops->free(e);
}
