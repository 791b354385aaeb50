/* serve_internal.h — the server's shared state and the seams between its files.
 *
 *   http.c      libmicrohttpd glue: bodies (capped), auth, CORS, request ids, access log
 *   api.c       the /v1 router and its JSON handlers; api_files.c the ledger/summary/report files
 *   api_events.c  Server-Sent Events of an experiment's progress
 *   submit.c    a JSON body -> configuration -> spec (the CLI's own validation) -> queue row
 *   roots.c     "is this path under that root" for --data-roots and --results
 *   sched.c     the worker threads: claim, runner_run, report, finish
 *   auth.c      constant-time bearer token comparison
 *   sweep.c     temp files a killed process left in a run folder
 *   status_cache.c  the JSON of one experiment, rebuilt only when the queue changed
 */
#ifndef MLAC_SERVE_INTERNAL_H
#define MLAC_SERVE_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "core/buf.h"
#include "serve/serve_metrics.h"
#include "serve/queue.h"
#include "serve/serve.h"
#include "serve/status_cache.h"

#define SERVE_MAX_WORKERS 64

/* One experiment a worker is running: its cancel flag is the runner's. */
typedef struct running_exp {
    char id[80];
    volatile sig_atomic_t cancel;
    int used;
} running_exp;

typedef struct worker_slot {
    server *srv;
    int index;
    pthread_t thread;
    int started;
    volatile int alive;        /* cleared when the thread leaves its loop */
} worker_slot;

struct server {
    const serve_config *cfg;
    queue *q;
    serve_metrics *m;
    status_cache *status;      /* GET /v1/experiments/{id} bodies by queue version */
    struct sse_hub *sse_hub;   /* suspended SSE connections and the thread that wakes them */
    struct MHD_Daemon *daemon;
    int port;
    char cache_dir[4200];      /* default feature cache of submitted specs */
    worker_slot workers[SERVE_MAX_WORKERS];
    int n_workers;
    int threads_per_experiment;
    running_exp running[SERVE_MAX_WORKERS];
    pthread_mutex_t lock;      /* running[] and the wake-up condition */
    pthread_cond_t wake;
    volatile int stopping;
    unsigned long long next_request;
    char request_prefix[10];   /* "%08x-" of the port: every request id's start */
    struct access_log *alog;   /* buffered access log (access_log.h), NULL without one */
    char *tls_cert_pem, *tls_key_pem;
};

/* What a handler answers. body is owned (free()), or a file for SSE streams (see api_events). */
typedef struct reply {
    int status;
    char *body;
    size_t len;
    const char *content_type;
    const char *allow;         /* Allow header for 405 */
    struct sse_stream *sse;    /* set: stream events instead of body */
} reply;

/* The request as the handlers see it (method, path without query, query args, body). */
typedef struct request {
    const char *method;
    const char *path;
    const char *body;
    size_t body_len;
    struct MHD_Connection *conn;
    const char *request_id;
} request;

void api_handle(server *s, const request *rq, reply *rp);
void reply_json(reply *rp, int status, json_t *o); /* steals o */
void reply_error(reply *rp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *request_arg(const request *rq, const char *name);

/* /v1/experiments/{id}/tasks|summary|summary.csv|report/... */
void api_tasks(server *s, const request *rq, json_t *row, reply *rp);
void api_summary(server *s, json_t *row, int csv, reply *rp);
void api_report(server *s, json_t *row, const char *rel, reply *rp);
/* SSE: the stream and its reader for libmicrohttpd. A stream with nothing to send suspends its
 * connection; the hub's thread resumes them all every 200 ms. sse_hub_stop resumes every one
 * and refuses new suspensions (call it before MHD_stop_daemon). */
int sse_hub_start(server *s, mlac_err *err);
void sse_hub_stop(server *s);
void sse_hub_free(server *s); /* after the daemon stopped */
struct sse_stream *sse_new(server *s, const char *id, struct MHD_Connection *conn);
ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max);
void sse_free(void *cls);

/* The submitted JSON body -> a queue row. Fills rp with 200/201 or the error status. */
void submit_handle(server *s, const request *rq, reply *rp);

/* path (a folder or file, local or URI) lies under root: 1 yes, 0 no. */
int roots_contains(const char *root, const char *path);
/* Constant-time equality of a presented token with the configured one. */
int auth_token_equal(const char *presented, size_t presented_len, const char *token);
/* Checks "Authorization: Bearer <token>". */
int auth_check(const server *s, const char *header);

/* The HTTP daemon (http.c). */
int http_start(server *s, mlac_err *err);
void http_stop(server *s);

/* Workers (sched.c). */
int sched_start(server *s, mlac_err *err);
void sched_wake(server *s);
void sched_stop(server *s);
/* Sets the cancel flag of a running experiment; 0 when it is not running here. */
int sched_cancel(server *s, const char *id);
int sched_workers_alive(server *s);

/* Removes temp files of dead processes from a local run folder (sweep.c). */
void sweep_run_folder(const char *output_dir, const char *run_id);

/* Ids of experiments: exp-<hex>, and submission ids: [A-Za-z0-9._-]{1,128}, not starting '.'. */
int id_valid(const char *id, size_t max);

#endif
