/* ledger.h — tasks.jsonl: the durable record of finished tasks, one JSON object per line.
 *
 * A line is appended (and fsync'd) when a task finishes, so a killed run loses at most the tasks
 * in flight. Loading tolerates a torn last line (the process died mid-write): it is ignored and
 * the task reruns. Loaded entries are sorted by task id, so everything computed from a ledger is
 * independent of the order tasks finished in.
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
    size_t n, cap;
    size_t torn_lines;     /* unparsable lines skipped while loading */
    int needs_newline;     /* the file ends in a torn line: the next append starts a new line */
    pthread_mutex_t lock;
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
/* Parses jsonl text into sorted entries (used by ledger_open). */
int ledger_parse(const char *text, size_t len, const char *name, ledger *l, mlac_err *err);

#endif
