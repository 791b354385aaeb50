/* input_kinds.h — the table of input kinds: what a model reads, one row per kind.
 *
 * A model declares its input (enum model_input, ml/model.h); the row of that value says
 * everything else about it: its name (the cache key's kind, the logs, `mlac features --kind`),
 * the length of its rows, the ingredients of its cache key, how one row is computed, and which
 * source makes the rows (inputs.h: the audio source decodes a clip once for every audio kind, the
 * embedder source sends windows to a program in batches). The runner's feature stage and
 * `mlac features` both build rows through inputs_build from these rows, so what `mlac features`
 * writes is, by construction, what the models see.
 *
 * Adding a kind (docs/ARCHITECTURE.md): its compute function in its own file, one enum value in
 * ml/model.h and one row in input_kinds.c.
 */
#ifndef MLAC_EXP_INPUT_KINDS_H
#define MLAC_EXP_INPUT_KINDS_H

#include <stddef.h>
#include "core/error.h"
#include "embed/embed.h"
#include "features/features.h"
#include "ml/model.h"

/* What a build's rows depend on: the settings a kind's dim and cache key read. */
typedef struct input_params {
    const feat_params *feat;    /* the audio kinds' analysis */
    double clip_seconds;        /* centre crop/pad before the analysis; 0 = the whole clip */
    const embed_info *embedder; /* the embedding kind: what the open embedder reported */
    size_t win, hop;            /* its window layout, samples at embedder->rate */
    enum embed_pooling pooling; /* how its windows' vectors become one row */
} input_params;

/* The sources of rows (inputs_source.h; opaque here): the audio source decodes a clip once at the
 * spec's rate and length and computes each kind from one analysis (input_audio.c); the embedder
 * source sends the clip's windows to a program in batches (input_embedder.c). */
struct input_source;
extern const struct input_source input_source_audio;
extern const struct input_source input_source_embedder;

struct input_kind {
    enum model_input input;
    const char *name;           /* cache key kind, row-file name, log lines: "logmel_image" */
    const char *option;         /* `mlac features --kind` and the .npy suffix: "logmel" */
    const char *reads;          /* for `mlac models`: "log-mel image" */
    const struct input_source *source;
    int square;                 /* 1: a row is an (S, S) matrix with S * S = dim; 0: a vector */
    /* Values per row. */
    size_t (*dim)(const input_params *p);
    /* The parameter text of its cache key: every setting its rows depend on and no other, so a
     * setting it does not read never invalidates its cache (issue 13). */
    void (*key_text)(const input_params *p, char *out, size_t n);
    /* Audio kinds: the row of the clip analysed in plan (features.h, feat_analyse). NULL for a
     * kind its source computes in batches (the embedding). */
    int (*compute)(feat_plan *plan, float *row, mlac_err *err);
    /* The keys of spec.json's "features" its rows do not read, NULL-terminated: a task's key
     * (task_reuse.h) leaves them out, so changing one reuses the task. */
    const char *const *unread_features;
};

/* Every kind, in enum order, NULL-terminated. */
const struct input_kind *const *input_kinds_all(void);
/* The kind of a model input. */
const struct input_kind *input_kind_of(enum model_input in);
/* The kind named by its option or its name ("logmel" or "logmel_image"), or NULL. */
const struct input_kind *input_kind_find(const char *name);
/* The bits (1 << input) of the kinds that source makes. */
unsigned input_kinds_of_source(const struct input_source *source);
/* "summary, logmel, embedding" (the options) into out, for messages and --help. */
void input_kind_options(char *out, size_t n);

#endif
