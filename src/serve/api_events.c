/* api_events.c — GET /v1/experiments/{id}/events: Server-Sent Events of an experiment's
 * progress. Runs on the connection's own thread (libmicrohttpd thread-per-connection): the
 * reader polls the queue row every 200 ms and sends an event when it changed
 * ("event: progress", data = the row's state, tasks and ETA), a comment line as a heartbeat
 * every 2 s (so a client that went away is noticed at the next write, and the thread ends), and
 * "event: end" once the experiment is finished; then the stream closes.
 */
#include "serve/serve_internal.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sse_stream {
    server *srv;
    char id[80];
    char last[1024];       /* the last data line sent */
    char pending[1400];    /* bytes not yet handed to libmicrohttpd */
    size_t pending_len, pending_off;
    int ended;
    int idle_ticks;
};

struct sse_stream *sse_new(server *s, const char *id)
{
    struct sse_stream *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->srv = s;
    snprintf(e->id, sizeof e->id, "%s", id);
    return e;
}

void sse_free(void *cls)
{
    free(cls);
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
    while (e->pending_off >= e->pending_len) {
        e->pending_off = e->pending_len = 0;
        if (e->ended || e->srv->stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (next_event(e))
            break;
        if (++e->idle_ticks >= 10) {
            e->idle_ticks = 0;
            e->pending_len = (size_t)snprintf(e->pending, sizeof e->pending, ": keepalive\n\n");
            break;
        }
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t n = e->pending_len - e->pending_off;
    if (n > max)
        n = max;
    memcpy(out, e->pending + e->pending_off, n);
    e->pending_off += n;
    return (ssize_t)n;
}
