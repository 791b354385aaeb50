/* serve.h — `mlac serve`: the experiment service (HTTP API, durable queue, workers, metrics).
 *
 * serve_start opens the queue in state_dir, resumes what a previous process left running,
 * starts the worker threads and the HTTP daemon and returns; serve_stop stops accepting
 * requests, asks running experiments to stop starting tasks, waits for the workers and frees
 * everything. A kill -9 at any point loses no accepted submission and no finished task.
 */
#ifndef MLAC_SERVE_SERVE_H
#define MLAC_SERVE_SERVE_H

#include <stdio.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct serve_config {
    char host[256];            /* listen address, "127.0.0.1" */
    int port;                  /* 0 = any free port (see serve_port) */
    char state_dir[4096];      /* the queue database and the service's cache */
    int workers;               /* experiments at once (>= 1) */
    int threads;               /* total thread budget shared by the workers (0 = all cores) */
    strlist data_roots;        /* a spec's data must lie under one of these */
    char results[4096];        /* a spec's output_dir must lie under this */
    char token[512];           /* bearer token; "" = no authentication (refused unless insecure) */
    int public_read;           /* GET endpoints without a token */
    char cors_origin[512];     /* "" = no CORS headers */
    char tls_cert[4096], tls_key[4096]; /* PEM files; both or neither */
    size_t max_body;           /* request body cap in bytes */
    int conn_timeout;          /* seconds an idle or slow connection is kept */
    FILE *access_log;          /* JSON lines, one per request (NULL = none) */
    int compute_nice;          /* nice value of experiment threads (0..19; HTTP threads stay at 0) */
} serve_config;

typedef struct server server;

void serve_config_init(serve_config *c);
void serve_config_release(serve_config *c);
/* Takes no ownership of cfg's lists; cfg must outlive the server. */
int serve_start(const serve_config *cfg, server **out, mlac_err *err);
int serve_port(const server *s);
void serve_stop(server *s);

#endif
