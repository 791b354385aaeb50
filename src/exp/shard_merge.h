/* shard_merge.h — `mlac merge`: the shards' ledgers of one run combined into its tables.
 *
 * The grid is rebuilt from the run's spec.json and the data (whose fingerprint must still match);
 * every ledger of the run is read (shards/<I>-of-<N>.jsonl and a plain tasks.jsonl). Each task of
 * the grid must appear in some ledger: missing tasks are named with the shard that should have run
 * them, and nothing is written while any are missing. A task in two ledgers is a duplicate: one is
 * kept when their status and metrics agree (so summaries never count a task twice), and
 * conflicting metrics, or a task not in the grid, are refused. When the run is complete, the merged
 * ledger is written to tasks.jsonl (entries in id order) and summary.csv/json, significance.csv and
 * curves.csv are computed from it exactly as a single process computes them (aggregate.h), so a
 * sharded run's tables equal a single-process run's byte for byte. Merging again gives the same
 * files. The run's lock (<run>/.lock) is held meanwhile: a single-process run and a merge never
 * write one run at once.
 */
#ifndef MLAC_EXP_SHARD_MERGE_H
#define MLAC_EXP_SHARD_MERGE_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct merge_options {
    const char *data; /* data root to rebuild the grid from, instead of spec.json's "data" (or NULL) */
} merge_options;

typedef struct merge_report {
    size_t grid_tasks;     /* tasks of the grid */
    size_t done;           /* tasks with an entry in some ledger (ok or failed) */
    size_t failed;         /* of those, failed */
    size_t duplicates;     /* tasks in two or more ledgers with different records (one kept, the first success) */
    strlist ledgers;       /* "shards/0-of-3.jsonl (8 tasks)", one per ledger read */
    strlist missing;       /* "coyote/svm/n00004/r0/f1 (shard 2/3)" */
    strlist failed_tasks;  /* "coyote/svm/n00004/r0/f1: <error>" */
    strlist duplicate_tasks; /* "coyote/svm/n00004/r0/f1 in shards/0-of-3.jsonl and tasks.jsonl" */
    strlist absent_shards; /* "2/3": shards with missing tasks that have no ledger at all (never started) */
    int written;           /* the run was complete: tasks.jsonl and the tables were written */
} merge_report;

/* Merges the run <root>/<run_id> (root: any store URI). Returns MLAC_OK both when it wrote the
 * tables and when tasks are missing (rep->missing.n > 0, nothing written): the caller decides. */
int merge_run(const char *root, const char *run_id, const merge_options *opt, merge_report *rep, mlac_err *err);
void merge_report_release(merge_report *rep);

#endif
