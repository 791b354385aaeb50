/* inputs_source.h — how the rows of a group of input kinds are made: the interface between the
 * skeleton (inputs.c) and its two sources. Internal to src/exp.
 *
 * A source says how a clip is decoded (rate, length, offset) and computes the rows of the kinds
 * that missed the cache, either at once on the worker that decoded the clip (the audio source:
 * one analysis per clip, then each kind's compute) or later in clip order, in batches (the
 * embedder source: a clip's windows are staged, then sent to the program with other clips').
 *   input_audio.c     summary, logmel_image: one decode and one STFT per clip, a feat_plan per worker
 *   input_embedder.c  embedding: windows at the embedder's rate, batches to the program, pooling
 */
#ifndef MLAC_EXP_INPUTS_SOURCE_H
#define MLAC_EXP_INPUTS_SOURCE_H

#include <pthread.h>
#include "audio/audio.h"
#include "exp/input_kinds.h"
#include "exp/inputs.h"

#define INPUT_KEY_TEXT_MAX 1024

/* A clip of the current chunk between the parallel step and the in-order step. */
typedef struct input_slot {
    unsigned staged;                    /* kinds whose rows the source computes in its batch step */
    char key[INPUT_KIND_COUNT][65];     /* the clip's cache keys, by kind */
    void *work;                         /* the source's staged work (malloc'd; the skeleton frees it) */
    size_t n_work;                      /* its size in the source's units (embedder: windows) */
} input_slot;

typedef struct input_build {
    const input_settings *s;
    const input_clip *clips;            /* (n,) */
    size_t n;
    unsigned kinds;                     /* bits of the kinds wanted */
    feature_table *out;                 /* indexed by kind */
    int threads;
    input_params params;                /* what dims and cache keys read (the source's open completes it) */
    int rate;                           /* the source's decode: rate (Hz), seconds (0 = whole), offset */
    double seconds;
    enum audio_offset offset;
    char key_text[INPUT_KIND_COUNT][INPUT_KEY_TEXT_MAX];
    float **rows;                       /* (threads * INPUT_KIND_COUNT,) each worker's row of each kind */
    void *src;                          /* the source's own state */
    /* progress and the first failure, under lock */
    pthread_mutex_t lock;
    size_t done, hits;
    size_t failed_at;                   /* index of the first failing clip so far; n when none */
    int failed;
    mlac_err first_err;
} input_build;

struct input_source {
    const char *cancelled;              /* the message of a cancelled build */
    int rows_in_memory;                 /* 1: tables keep rows in memory; 0: row files */
    int keeps_meta;                     /* 1: the tables get each clip's decode metadata (FEATURE_META_DIM) */
    size_t chunk_per_worker;            /* 0: one parallel pass; else clips per worker between in-order steps */
    /* Before any clip: sets b->rate/seconds/offset and completes b->params; per-worker state. */
    int (*open)(input_build *b, mlac_err *err);
    /* The decoded clip i on worker w (where names it): the rows of the kinds in missing into
     * b->rows[w * INPUT_KIND_COUNT + kind], or staged in slot (slot->staged). Any thread. */
    int (*compute)(input_build *b, int w, size_t i, const char *where, const audio_clip *clip, unsigned missing,
                   input_slot *slot, mlac_err *err);
    /* In clip order after each chunk: a clip with staged rows joins the batch (NULL: nothing is
     * ever staged). Rows it completes go to input_row_done. */
    int (*stage)(input_build *b, size_t i, input_slot *slot, mlac_err *err);
    /* After the last chunk: the rest of the batch (may be NULL). */
    int (*finish)(input_build *b, mlac_err *err);
    void (*close)(input_build *b);
};

/* A row computed in the batch step: into the cache (key) and the table; clip i is counted done
 * once all its staged rows are in (the caller says so with last). */
int input_row_done(input_build *b, size_t i, int kind, const char *key, const float *row, int last, mlac_err *err);

#endif
