/* ledger.h — tasks.jsonl: the durable record of finished tasks, one JSON object per line.
 *
 * A line is appended (and fsync'd) when a task finishes, so a killed run loses at most the tasks
 * in flight. Loading tolerates a torn last line (the process died mid-write): it is ignored and
 * the task reruns. Loaded entries are sorted by task id, so everything computed from a ledger is
 * independent of the order tasks finished in.
 *
 * Loading names what it skips (core/log.h warnings with file:line): an unparsable line, an object
 * with no task_id, and a later line for a task that already has a finished ("ok") line — the
 * first finished line is kept (a failed line followed by a line of a retry replaces silently).
 *
 * A finished line records its predictions file's row count and SHA-256 ("predictions_rows",
 * "predictions_sha256"); ledger_line_verify checks a line against its file and recomputes the
 * metrics the file determines; group_roc_auc and external_roc_auc, which it does not, are
 * recomputed from what the line keeps for them ("group_check": each predictions row's group and
 * max|mean; "external_check": the external clips' scores and labels), so an edited value of any
 * metric is caught. Lines written before these fields existed (older mlac) are
 * checked for their row count ("n_test") and metrics only, and reported as unverified.
 *
 * A run has one ledger per writer: tasks.jsonl for a single process, shards/<I>-of-<N>.jsonl for
 * each shard (exp/shard.h); `mlac merge` combines them (exp/merge.h).
 */
#ifndef MLAC_EXP_LEDGER_H
#define MLAC_EXP_LEDGER_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include "core/error.h"
#include "store/store.h"

typedef struct ledger {
    store *out;            /* borrowed: the run's results store */
    char path[512];        /* "<run_id>/tasks.jsonl" (or a shard's ledger) relative to the store root */
    json_t **entries;      /* (n,) sorted by "task_id", owned references */
    size_t *line_of;       /* (n,) the entry's line in the file, 0 for one appended by this process */
    size_t n, cap;
    size_t torn_lines;     /* unparsable lines (and objects with no task_id) skipped while loading */
    size_t duplicates;     /* later lines for an already finished task, ignored while loading */
    int needs_newline;     /* the file ends in a torn line: the next append starts a new line */
    pthread_mutex_t lock;
    /* group commit (ledger_append): lines written and lines known durable, counted from open;
     * sync_lock is held by the one thread whose fsync covers the lines written so far */
    unsigned long written, synced;
    pthread_mutex_t sync_lock;
} ledger;

/* Opens (and loads, if present) the ledger of a run. */
int ledger_open(store *out, const char *run_id, ledger *l, mlac_err *err);
/* The same for any ledger file path relative to the store root. */
int ledger_open_path(store *out, const char *path, ledger *l, mlac_err *err);
/* An empty ledger in memory that ledger_save would write to path (nothing is read). */
void ledger_init(ledger *l, store *out, const char *path);
/* Keeps entry (a new reference is taken) in id order; an entry of the same id is replaced. */
int ledger_insert(ledger *l, json_t *entry, mlac_err *err);
/* Replaces the file atomically with every entry, one line each, in id order. */
int ledger_save(const ledger *l, mlac_err *err);
void ledger_release(ledger *l);
/* The finished entry of a task id, or NULL. Only "status":"ok" entries count as finished unless
 * include_failed is set. */
json_t *ledger_find(const ledger *l, const char *task_id, int include_failed);
/* Appends one task result durably and keeps it in memory. Thread-safe. Steals no reference. */
int ledger_append(ledger *l, json_t *entry, mlac_err *err);
/* Removes the entry of a task id (in memory only; ledger_save writes the change). */
void ledger_remove(ledger *l, const char *task_id);
/* "<path>:<line>" of an entry of l (or "<path>" for one appended by this process). */
void ledger_where(const ledger *l, const json_t *entry, char *out, size_t n);

/* Checks a finished ("ok") line of run run_id against its predictions file in out: every field a
 * line needs (task_id, species, model, n, fold, repeat, metrics) is there and agrees with the
 * task id; the file exists, parses (stats/predictions.h), has predictions_rows rows and the
 * SHA-256 predictions_sha256; and the metrics recomputed from it (and group_check/external_check)
 * equal the line's. where names
 * the line in messages (ledger_where). Returns MLAC_OK, or MLAC_EFORMAT with a message naming
 * where and the task; *unverified (may be NULL) is set for a line with no checksum (older mlac),
 * checked by row count and metrics only.
 * Used at resume (a line that fails is run again), at aggregation (it is refused) and by any
 * reader of another run's results. */
int ledger_line_verify(store *out, const char *run_id, const char *where, const json_t *entry, int *unverified,
                       mlac_err *err);

/* Parses jsonl text into sorted entries (used by ledger_open). */
int ledger_parse(const char *text, size_t len, const char *name, ledger *l, mlac_err *err);

#endif
