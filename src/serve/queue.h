/* queue.h — the durable experiment queue: one SQLite database (WAL, synchronous=FULL) in the
 * service's --state folder holding every experiment and its state machine.
 *
 *   scheduled --(time reached)--> queued --(claimed by a worker)--> running --> succeeded
 *        \                           \                                 \-----> failed
 *         \---------------------------\---------(cancel)------------------> cancelled
 *
 * Invariant: the database is the only record; after a crash (kill -9) queue_recover() turns
 * every "running" row back into "queued" (or "cancelled" if a cancel was requested), so a worker
 * resumes it from its ledger. All calls are serialised by one mutex; every call returns a status
 * and fills mlac_err. Rows are returned as new JSON references (the API's representation).
 */
#ifndef MLAC_SERVE_QUEUE_H
#define MLAC_SERVE_QUEUE_H

#include <jansson.h>
#include "core/error.h"

typedef struct queue queue;

enum queue_state { QS_SCHEDULED = 0, QS_QUEUED, QS_RUNNING, QS_SUCCEEDED, QS_FAILED, QS_CANCELLED, QS_N };

const char *queue_state_name(int s);
int queue_state_parse(const char *name); /* -1 when unknown */

/* What a submission stores. */
typedef struct queue_new {
    const char *submission_id; /* client-chosen idempotency key (validated by the caller) */
    const char *body_hash;     /* hash of the canonical submitted spec: same id + other hash = conflict */
    const char *spec;          /* the resolved spec as JSON text (what a worker runs) */
    const char *run_id;        /* derived at submission */
    const char *output_dir;    /* results root of the run */
    long priority;             /* higher first */
    double scheduled_at;       /* epoch seconds; 0 = as soon as possible */
} queue_new;

enum queue_insert_result { QUEUE_CREATED = 0, QUEUE_EXISTING, QUEUE_CONFLICT };

/* A claimed experiment, for a worker. */
typedef struct queue_job {
    char id[80];
    char *spec;              /* owned, free() */
    char run_id[128];
    char output_dir[4096];
} queue_job;

int queue_open(const char *state_dir, queue **out, mlac_err *err);
void queue_free(queue *q);
/* Running rows back to queued (cancel-requested ones to cancelled); returns how many resumed. */
int queue_recover(queue *q, int *resumed, mlac_err *err);

/* Inserts, or finds the row with the same submission id. *row: the row's JSON (new ref). */
int queue_insert(queue *q, const queue_new *n, int *result, json_t **row, mlac_err *err);
int queue_get(queue *q, const char *id, json_t **row, mlac_err *err); /* MLAC_ENOTFOUND */
/* Rows in submission order after page token (0 = from the start), at most limit; state -1 = all.
 * *next is the token of the next page (0 when this is the last). */
int queue_list(queue *q, int state, long long after, int limit, json_t **rows, long long *next, mlac_err *err);

/* Claims the best ready row (priority desc, then submit time) as running. *got = 0 when none;
 * *next_due is then the epoch time of the earliest scheduled row (0 when none). */
int queue_claim(queue *q, double now, queue_job *job, int *got, double *next_due, mlac_err *err);
void queue_job_release(queue_job *job);
/* Progress of a running row: the grid's total, tasks already in the ledger, done/failed now. */
int queue_progress(queue *q, const char *id, long total, long skipped, long done, long failed,
                   double tasks_started_at, mlac_err *err);
int queue_finish(queue *q, const char *id, int state, const char *error, mlac_err *err);
/* Cancels: scheduled/queued rows become cancelled at once; running rows get cancel_requested.
 * *state is the state before. MLAC_ENOTFOUND when absent. */
int queue_cancel(queue *q, const char *id, int *state, mlac_err *err);
int queue_cancel_requested(queue *q, const char *id, int *requested, mlac_err *err);
/* Rows per state (counts[QS_N]). */
int queue_counts(queue *q, long counts[QS_N], mlac_err *err);
/* A write transaction that changes nothing: the database is writable. */
int queue_check_writable(queue *q, mlac_err *err);
/* A counter bumped after every write (any row): a reader that cached something at version v
 * knows it is still current while queue_version() == v. Lock-free. */
unsigned long queue_version(queue *q);

#endif
