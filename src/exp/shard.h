/* shard.h — which tasks a shard process runs, and where it records them.
 *
 * A grid is split into N shards by a stable hash: a task belongs to shard
 *   (first 8 bytes of SHA-256(task id), big-endian) mod N.
 * The id is hashed, not the task's index in the grid, so the assignment depends only on the task
 * itself. Sharding is not part of the run's identity: every shard of one spec has the same run id
 * and run folder. Shard I of N writes only its own ledger <run>/shards/<I>-of-<N>.jsonl and holds
 * the lock <run>/shards/<I>-of-<N>.lock, so no two shards ever write one file; spec.json is
 * shared, created once and verified by every later shard (runner.c).
 *
 * The shard comes from --shard I/N (0-based I), or from the scheduler's environment:
 *   Kubernetes Indexed Job: I = JOB_COMPLETION_INDEX; N from --shards N or MLAC_SHARDS, because
 *     Kubernetes does not tell a pod its Job's completions count;
 *   Slurm job array: I = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
 *     (MIN 0 and STEP 1 when unset), N = SLURM_ARRAY_TASK_COUNT unless --shards/MLAC_SHARDS say.
 * The flag wins over the environment; Kubernetes' variable over Slurm's.
 */
#ifndef MLAC_EXP_SHARD_H
#define MLAC_EXP_SHARD_H

#include <stddef.h>
#include "core/error.h"

#define SHARD_MAX 1000000 /* most shards of one grid */

typedef struct shard_sel {
    int index;        /* I in [0, count) */
    int count;        /* N >= 1; 0 = the run is not sharded */
    char source[96];  /* where I/N came from, for messages: "--shard", "JOB_COMPLETION_INDEX", ... */
} shard_sel;

/* The shard (0..count-1) of a task id. */
int shard_of(const char *task_id, int count);

/* Parses "I/N" (0 <= I < N <= SHARD_MAX). */
int shard_parse(const char *text, shard_sel *out, mlac_err *err);

/* Looks a variable up; getenv in the CLI, a table in tests. */
typedef const char *(*shard_getenv_fn)(const char *name);

/* The shard of this process from --shard (flag, or NULL), --shards (flag_count, 0 if absent) and
 * the environment (see the top of this file). out->count == 0 when nothing asks for sharding.
 * --shards without any index is an error; MLAC_SHARDS alone is ignored (it is only a count). */
int shard_resolve(const char *flag, long flag_count, shard_getenv_fn env, shard_sel *out, mlac_err *err);

/* "<run_id>/shards/<I>-of-<N>.jsonl" and the same with ".lock". */
void shard_ledger_path(const char *run_id, int index, int count, char *out, size_t n);
void shard_lock_path(const char *run_id, int index, int count, char *out, size_t n);
/* Parses a ledger file name "<I>-of-<N>.jsonl"; returns 0 when it is one. */
int shard_parse_ledger_name(const char *name, int *index, int *count);

#endif
