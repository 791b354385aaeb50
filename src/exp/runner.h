/* runner.h — runs a spec: data scan, features, tasks in parallel, ledger, aggregates.
 *
 * The run folder is <output_dir>/<run_id>/. Tasks already in its ledger are skipped, so a
 * killed run resumes where it stopped; tasks finished by any other run of the same results store
 * with the same key are copied, not computed (exp/task_reuse.h). An existing run given a spec
 * that only adds models, species or training sizes is extended in place (spec.json rewritten).
 * Before any task the plan is emitted (exp/run_plan.h); with dry_run nothing more happens. --max-concurrent tasks run at once; each gets
 * threads / max_concurrent threads. Every task's randomness comes from its coordinates, so
 * results do not depend on concurrency, thread count or order.
 *
 * Sharded (shard_count > 0, exp/shard.h): only the tasks of shard shard_index run, into the
 * shard's own ledger, under the shard's own lock; features are computed for the clips those tasks
 * touch; nothing is aggregated (`mlac merge` does that once every shard has finished). spec.json is
 * created once (whoever comes first) and verified by every later process of the run.
 */
#ifndef MLAC_EXP_RUNNER_H
#define MLAC_EXP_RUNNER_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include "core/error.h"
#include "exp/grid.h"
#include "exp/spec.h"

typedef struct runner_events {
    void *ctx;
    /* A phase starts ("features", "tasks", "aggregate"), with its number of steps. */
    void (*phase)(void *ctx, const char *name, size_t total);
    /* Progress within the phase; result is the finished task's entry in the tasks phase. */
    void (*step)(void *ctx, size_t done, size_t total, const json_t *result);
    /* The plan (exp/run_plan.h), once the grid is known and before any task runs. May be NULL. */
    void (*plan)(void *ctx, const char *text);
} runner_events;

typedef struct run_options {
    const volatile sig_atomic_t *cancel; /* set by Ctrl-C: no new tasks start */
    const volatile sig_atomic_t *interrupt; /* may be NULL (the CLI: tasks in flight finish); when
                                          * non-zero, feature extraction stops between clips and
                                          * tasks in flight stop inside their fit (forest trees,
                                          * CNN batches), writing nothing: no ledger line, no
                                          * predictions; a resume runs them again */
    runner_events events;
    int shard_index;                     /* this process's shard, in [0, shard_count) */
    int shard_count;                     /* 0 = not sharded: every task, tasks.jsonl, aggregates */
    int dry_run;                         /* only the plan: nothing is written, no task runs */
} run_options;

typedef struct run_result {
    char run_dir[4096];     /* where the results are, for messages */
    size_t tasks_total;     /* tasks of the grid (of this shard when sharded) */
    size_t grid_total;      /* tasks of the whole grid */
    size_t tasks_skipped;   /* already in the ledger */
    size_t tasks_reused;    /* copied from earlier runs of the results store (exp/task_reuse.h) */
    size_t tasks_run;
    size_t tasks_failed;
    int cancelled;
} run_result;

int runner_run(exp_spec *spec, const run_options *opt, run_result *res, mlac_err *err);

#endif
