/* embed.h — embedders: audio windows at a model's rate and length in, one vector per window out.
 *
 * Owns the model specs (birdnet, perch), the window layout of a clip, pooling over a clip's
 * windows and the embedder interface that back ends implement (embed_command.c runs a program
 * over the protocol of docs/EMBEDDERS.md; embed_import.h reads what the official tools wrote).
 * The dimension is a property of the embedder (it reports it), not a constant: perch v1 is
 * 1280-d, perch v2 1536-d. Invariant: an embedder returns exactly n * dim finite floats for n
 * windows or fails with a message that names the embedder and what was wrong.
 * Reference: DESIGN.md §4, BirdNET-Analyzer (3 s windows at 48 kHz, 1024-d v2.4) and Perch
 * (5 s at 32 kHz, 1280-d v1 / 1536-d v2).
 */
#ifndef MLAC_EMBED_EMBED_H
#define MLAC_EMBED_EMBED_H

#include <signal.h>
#include <stddef.h>
#include "core/error.h"

#define EMBED_MAX_DIM 16384          /* longest vector any back end may return */
#define EMBED_MAX_WINDOWS_CLIP 4096  /* windows per clip (3.4 h of birdnet at no overlap) */

/* A pretrained model an embedder implements. */
typedef struct embed_model_spec {
    const char *model;    /* "birdnet", "perch" */
    const char *version;  /* "2.4", "1", "2" */
    int rate;             /* sample rate of a window, Hz */
    double window_s;      /* window length, seconds */
    size_t dim;           /* vector length */
    int use_5s;           /* 1: read the data_5s twin of a clip when there is one */
} embed_model_spec;

/* version NULL gives the model's default (birdnet 2.4, perch 1); NULL when unknown. */
const embed_model_spec *embed_spec_find(const char *model, const char *version);
/* "birdnet, perch" for messages. */
const char *embed_model_names(void);

enum embed_pooling { EMBED_POOL_MEAN = 0, EMBED_POOL_MAX };

int embed_pooling_parse(const char *text, enum embed_pooling *out, mlac_err *err);
const char *embed_pooling_name(enum embed_pooling p);

/* ---- windows and pooling --------------------------------------------------------------------
 * A clip of n samples is cut into windows of win samples every hop samples, starting at 0, while
 * a whole window fits; then one more, zero-padded, window when the samples not yet covered are
 * at least half a window; a clip shorter than one window gives one zero-padded window. */

/* win = round(window_s * rate); hop = max(1, round(win * (1 - overlap))), overlap in [0, 0.9]. */
int embed_window_layout(int rate, double window_s, double overlap, size_t *win, size_t *hop, mlac_err *err);
size_t embed_window_count(size_t n, size_t win, size_t hop);
/* Window k of x (n,) into out (win,), zero-padded past the end of x. */
void embed_window_copy(const float *x, size_t n, size_t win, size_t hop, size_t k, float *out);
/* out (dim,) = mean or max over rows (n_rows, dim) of each column, accumulated in double. */
void embed_pool(const float *rows, size_t n_rows, size_t dim, enum embed_pooling p, float *out);

/* ---- the embedder interface ----------------------------------------------------------------- */

/* What an embedder says it is (the command back end's "info" reply). */
typedef struct embed_info {
    char model[32];     /* must equal the model it was configured for */
    char version[64];   /* goes into the cache key: a new version never reuses old vectors */
    int rate;           /* Hz */
    double window_s;    /* seconds */
    size_t dim;         /* 1 .. EMBED_MAX_DIM */
} embed_info;

typedef struct embedder embedder;

struct embedder_ops {
    const char *name; /* "command" */
    /* windows (n, win) at info.rate with win = round(info.window_s * rate) -> out (n, dim). */
    int (*embed)(embedder *e, const float *windows, size_t n, float *out, mlac_err *err);
    void (*free)(embedder *e);
};

struct embedder {
    const struct embedder_ops *ops;
    embed_info info;
};

int embedder_embed(embedder *e, const float *windows, size_t n, float *out, mlac_err *err);
void embedder_free(embedder *e);

/* ---- the command back end (embed_command.c; protocol in docs/EMBEDDERS.md) ------------------- */

typedef struct embed_command_options {
    double timeout_s;                    /* per call; <= 0 means 600 */
    int threads;                         /* exported to the program as MLAC_EMBED_THREADS */
    const char *tmp_dir;                 /* NULL: $TMPDIR, else /tmp */
    const volatile sig_atomic_t *cancel; /* when set, the running call is killed (may be NULL) */
} embed_command_options;

/* Runs "<command> info" and checks the reply: the model must be `model`, and when (model,
 * version) is a known spec its rate, window and dim must match it. command is a shell command
 * line (run by /bin/sh -c, arguments appended). Keeps a copy of command. */
int embed_command_open(const char *command, const char *model, const embed_command_options *o, embedder **out,
                       mlac_err *err);

/* Checks the text of an "info" reply (exposed for tests and the fuzz target). */
int embed_info_parse(const char *text, size_t len, const char *who, embed_info *out, int *format_csv,
                     mlac_err *err);

#endif
