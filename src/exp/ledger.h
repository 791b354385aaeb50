/* ledger.h — tasks.jsonl: the durable record of finished tasks, one JSON object per line.
 *
 * A line is appended (and fsync'd) when a task finishes, so a killed run loses at most the tasks
 * in flight. Loading tolerates a torn last line (the process died mid-write): it is ignored and
 * the task reruns. Loaded entries are sorted by task id, so everything computed from a ledger is
 * independent of the order tasks finished in.
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
    char path[512];        /* "<run_id>/tasks.jsonl" relative to the store root */
    json_t **entries;      /* (n,) sorted by "task_id", owned references */
    size_t n, cap;
    size_t torn_lines;     /* unparsable lines skipped while loading */
    int needs_newline;     /* the file ends in a torn line: the next append starts a new line */
    pthread_mutex_t lock;
} ledger;

/* Opens (and loads, if present) the ledger of a run. */
int ledger_open(store *out, const char *run_id, ledger *l, mlac_err *err);
void ledger_release(ledger *l);
/* The finished entry of a task id, or NULL. Only "status":"ok" entries count as finished unless
 * include_failed is set. */
json_t *ledger_find(const ledger *l, const char *task_id, int include_failed);
/* Appends one task result durably and keeps it in memory. Thread-safe. Steals no reference. */
int ledger_append(ledger *l, json_t *entry, mlac_err *err);
/* Parses jsonl text into sorted entries (used by ledger_open). */
int ledger_parse(const char *text, size_t len, const char *name, ledger *l, mlac_err *err);

#endif
