/* task_reuse.h — finished tasks found again: the key of a task's result and the index of every
 * finished task in a results store, so a new or extended spec copies what earlier runs computed.
 *
 * A task's key is the SHA-256 of everything its result depends on and nothing else: the result
 * version (TASK_RESULT_VERSION), the task's coordinates and its derived model seed, its training
 * and test clips in order (store path, label and SHA-256 of the clip's bytes: not the whole
 * dataset's fingerprint, so a clip added to another species changes no key), the model's options,
 * the feature parameters its input kind reads (an image size never touches an MFCC summary), the
 * clip length, the embedder settings of an embedding model, calibration, group scoring, the groups
 * and the external test root. Threads, concurrency, the run id, the order of --models or
 * --training-sizes, the other sizes and models of the grid are not in it.
 *
 * The index reads every ledger of the store (<run>/tasks.jsonl and <run>/shards/<I>-of-<N>.jsonl)
 * through the store interface, so gs:// result stores work like folders; only "ok" entries that
 * carry a "task_key" count (ledgers written before keys existed are never reused). A reused task
 * gets its predictions copied into the new run and its ledger line copied with "reused_from" set
 * to the run it came from and "n_requested"/"capped" of the new grid.
 */
#ifndef MLAC_EXP_TASK_REUSE_H
#define MLAC_EXP_TASK_REUSE_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "dataset/dataset.h"
#include "exp/grid.h"
#include "exp/spec.h"
#include "store/store.h"

/* Bump when a change of mlac changes the results of unchanged tasks (a model, a metric, a
 * feature): every earlier key then misses and the tasks are computed again. */
#define TASK_RESULT_VERSION 1

typedef struct reuse_entry {
    char key[65];
    char run_id[128];  /* the run whose ledger holds it */
    json_t *entry;     /* its ledger line, owned reference */
} reuse_entry;

typedef struct task_index {
    reuse_entry *v;    /* (n,) sorted by key, then run id: the first of equal keys is used */
    size_t n, cap;
    size_t ledgers;    /* ledgers read */
} task_index;

/* Reads every ledger of the store but those of run skip_run (may be NULL). A store with no
 * results yet gives an empty index. An unreadable ledger is skipped with a warning. */
int task_index_load(store *out, const char *skip_run, task_index *ix, mlac_err *err);
const reuse_entry *task_index_find(const task_index *ix, const char *key);
void task_index_release(task_index *ix);
/* Where a time estimate comes from. */
typedef struct task_time_basis {
    size_t count;      /* earlier tasks of the model it comes from; 0: no estimate */
    int elsewhere;     /* 0: this machine's tasks; 1: one other machine's; 2: several other machines' */
} task_time_basis;

/* Mean seconds (train + predict) of earlier tasks of a model with training size n (the nearest
 * size measured when n was not, scaled linearly with n), from this machine's tasks (ledger lines
 * whose "machine" is machine, core/machine.h) when there are any, else from every other
 * machine's (a line written before lines had a "machine" counts as another machine's). Copied
 * lines ("reused_from", or a line of the same key with the same times: a combined run's) are
 * not measurements and never count. basis says which; returns a
 * negative value when no earlier task of the model is known. */
double task_index_seconds(const task_index *ix, const char *model, size_t n, const char *machine,
                          task_time_basis *basis);

/* SHA-256 of each clip's bytes, by store path. */
typedef struct clip_hashes {
    char **path;      /* (n,) sorted, owned */
    char (*hex)[65];  /* (n,) */
    size_t n;
} clip_hashes;

/* Hashes every clip of the given species (positives and negatives) on up to threads threads. */
int clip_hashes_compute(store *in, const dataset *data, const strlist *species, int threads, clip_hashes *out,
                        mlac_err *err);
void clip_hashes_release(clip_hashes *h);

/* The key of task t (hex, 64 characters). spec_json is spec_to_json() of the run; fold_of the
 * folds of the task's species and repeat. */
int task_key_compute(const exp_spec *spec, const json_t *spec_json, const grid_task *t, const int *fold_of,
                     const clip_hashes *h, char out[65], mlac_err *err);

/* Copies a finished task into run run_id of out: its predictions (read from the source run's
 * folder, in the same store) and its ledger line, returned in *entry (new reference) for the
 * caller to append, with "task_key", "reused_from", "n_requested" and "capped" of t. */
int task_reuse_copy(store *out, const char *run_id, const grid_task *t, const reuse_entry *src, json_t **entry,
                    mlac_err *err);

#endif
