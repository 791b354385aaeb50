/* api_events.c — GET /v1/experiments/{id}/events: Server-Sent Events of an experiment's
 * progress. The reader runs on one of libmicrohttpd's pool threads and must not block it: when
 * there is nothing to send it suspends its connection and joins the hub's list; the hub's
 * thread resumes every listed connection each 200 ms, and the reader looks at the queue row
 * again: an event when it changed ("event: progress", data = the row's state, tasks and ETA), a
 * comment line as a heartbeat every 2 s (so a client that went away is noticed at the next
 * write and its connection ends), and "event: end" once the experiment is finished; then the
 * stream closes.
 *
 * Invariant: a stream is in the hub's list exactly while its connection is suspended by it, so
 * the connection pointer is valid there (libmicrohttpd closes no suspended connection). After
 * sse_hub_stop nothing is suspended and no stream suspends again.
 */
#include "serve/serve_internal.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sse_stream {
    server *srv;
    struct MHD_Connection *conn;
    char id[80];
    char last[1024];       /* the last data line sent */
    char pending[1400];    /* bytes not yet handed to libmicrohttpd */
    size_t pending_len, pending_off;
    int ended;
    int idle_ticks;
    int listed;            /* in the hub's list (its connection suspended) */
    struct sse_stream *next;
};

struct sse_hub {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int started, closing;
    struct sse_stream *suspended; /* list through next */
};

/* Resumes every listed stream; the caller holds h->lock. */
static void resume_all(struct sse_hub *h)
{
    for (struct sse_stream *e = h->suspended, *n; e; e = n) {
        n = e->next;
        e->listed = 0;
        e->next = NULL;
        MHD_resume_connection(e->conn);
    }
    h->suspended = NULL;
}

static void *hub_main(void *arg)
{
    struct sse_hub *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->closing) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        while (!h->closing && pthread_cond_timedwait(&h->cond, &h->lock, &ts) != ETIMEDOUT)
            ;
        resume_all(h);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int sse_hub_start(server *s, mlac_err *err)
{
    struct sse_hub *h = calloc(1, sizeof *h);
    if (!h)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the event streams");
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    s->sse_hub = h;
    if (pthread_create(&h->thread, NULL, hub_main, h))
        return mlac_errf(err, MLAC_EIO, "cannot start the event stream thread: %s", strerror(errno));
    h->started = 1;
    return MLAC_OK;
}

void sse_hub_stop(server *s)
{
    struct sse_hub *h = s->sse_hub;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->closing = 1;
    resume_all(h);
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    if (h->started)
        pthread_join(h->thread, NULL);
    /* the daemon is still up: streams resumed now end at their next read (closing is set) */
}

/* Called once MHD_stop_daemon has freed every stream. */
static void hub_free(struct sse_hub *h)
{
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void sse_hub_free(server *s)
{
    if (s->sse_hub)
        hub_free(s->sse_hub);
    s->sse_hub = NULL;
}

struct sse_stream *sse_new(server *s, const char *id, struct MHD_Connection *conn)
{
    struct sse_stream *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->srv = s;
    e->conn = conn;
    snprintf(e->id, sizeof e->id, "%s", id);
    return e;
}

void sse_free(void *cls)
{
    struct sse_stream *e = cls;
    struct sse_hub *h = e ? e->srv->sse_hub : NULL;
    if (h && e->listed) { /* not expected (a suspended connection is not closed); kept safe anyway */
        pthread_mutex_lock(&h->lock);
        for (struct sse_stream **p = &h->suspended; *p; p = &(*p)->next)
            if (*p == e) {
                *p = e->next;
                break;
            }
        pthread_mutex_unlock(&h->lock);
    }
    free(e);
}

/* Suspends the stream's connection until the hub's next tick: 1, or 0 when the hub is closing. */
static int suspend(struct sse_stream *e)
{
    struct sse_hub *h = e->srv->sse_hub;
    pthread_mutex_lock(&h->lock);
    int ok = !h->closing;
    if (ok) {
        MHD_suspend_connection(e->conn);
        e->listed = 1;
        e->next = h->suspended;
        h->suspended = e;
    }
    pthread_mutex_unlock(&h->lock);
    return ok;
}

/* Fills pending with the next event, or returns 0 when there is nothing new. */
static int next_event(struct sse_stream *e)
{
    json_t *row = NULL;
    mlac_err err = {0};
    if (queue_get(e->srv->q, e->id, &row, &err)) {
        e->pending_len = (size_t)snprintf(e->pending, sizeof e->pending, "event: end\ndata: {\"error\":\"gone\"}\n\n");
        e->ended = 1;
        return 1;
    }
    const char *state = json_string_value(json_object_get(row, "state"));
    int final = queue_state_parse(state) >= QS_SUCCEEDED;
    json_t *d = json_pack("{s:s, s:O, s:O, s:O}", "state", state, "tasks", json_object_get(row, "tasks"),
                          "eta_seconds", json_object_get(row, "eta_seconds"), "error", json_object_get(row, "error"));
    char *text = json_dumps(d, JSON_COMPACT);
    int changed = text && strcmp(text, e->last) && strlen(text) < sizeof e->last;
    if (changed || final) {
        e->pending_len = (size_t)snprintf(e->pending, sizeof e->pending, "event: %s\ndata: %s\n\n",
                                          final ? "end" : "progress", text ? text : "{}");
        snprintf(e->last, sizeof e->last, "%s", text ? text : "");
        e->ended = final;
    }
    free(text);
    json_decref(d);
    json_decref(row);
    return changed || final;
}

ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct sse_stream *e = cls;
    if (e->pending_off >= e->pending_len) {
        e->pending_off = e->pending_len = 0;
        if (e->ended || e->srv->stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!next_event(e)) {
            if (++e->idle_ticks >= 10) {
                e->idle_ticks = 0;
                e->pending_len = (size_t)snprintf(e->pending, sizeof e->pending, ": keepalive\n\n");
            } else {
                return suspend(e) ? 0 : MHD_CONTENT_READER_END_OF_STREAM;
            }
        }
    }
    size_t n = e->pending_len - e->pending_off;
    if (n > max)
        n = max;
    memcpy(out, e->pending + e->pending_off, n);
    e->pending_off += n;
    return (ssize_t)n;
}
