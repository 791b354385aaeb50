/* api.c — the router: /healthz, /readyz, /metrics and the /v1/experiments resources.
 *
 *   POST /v1/experiments                 submit (submit.c)
 *   GET  /v1/experiments?state=&page_token=&limit=
 *   GET  /v1/experiments/{id}            one experiment
 *   POST /v1/experiments/{id}:cancel
 *   GET  /v1/experiments/{id}/tasks?after=N | /events | /summary | /summary.csv | /report/...
 *
 * Ids are checked before any lookup (no '/', no '..', bounded length): a bad id is 400, an
 * unknown one 404. Every error body is {"error": {"code", "message"}}.
 */
#include "serve/serve_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void get_one(server *s, const char *id, reply *rp, json_t **row)
{
    mlac_err err = {0};
    *row = NULL;
    int rc = queue_get(s->q, id, row, &err);
    if (rc == MLAC_ENOTFOUND)
        reply_error(rp, 404, "no experiment '%s'", id);
    else if (rc)
        reply_error(rp, 500, "%s", err.msg);
}

/* GET /v1/experiments/{id}: the cached body (status_cache.h), the hot path of every poller. */
static void status_reply(server *s, const char *id, reply *rp)
{
    mlac_err err = {0};
    int rc = status_cache_get(s->status, s->q, id, &rp->body, &rp->len, &err);
    if (rc == MLAC_ENOTFOUND) {
        reply_error(rp, 404, "no experiment '%s'", id);
        return;
    }
    if (rc) {
        reply_error(rp, 500, "%s", err.msg);
        return;
    }
    rp->status = 200;
    rp->content_type = "application/json";
}

static void list(server *s, const request *rq, reply *rp)
{
    const char *st = request_arg(rq, "state"), *tok = request_arg(rq, "page_token"), *lim = request_arg(rq, "limit");
    int state = -1;
    if (st && (state = queue_state_parse(st)) < 0) {
        reply_error(rp, 400, "state: expected scheduled, queued, running, succeeded, failed or cancelled");
        return;
    }
    char *end;
    long long after = tok ? strtoll(tok, &end, 10) : 0;
    if (tok && (*end || end == tok || after < 0)) {
        reply_error(rp, 400, "page_token: not a token this service returned");
        return;
    }
    long limit = lim ? strtol(lim, &end, 10) : 100;
    if (lim && (*end || end == lim || limit < 1 || limit > 1000)) {
        reply_error(rp, 400, "limit: expected 1 to 1000");
        return;
    }
    json_t *rows;
    long long next;
    mlac_err err = {0};
    if (queue_list(s->q, state, after, (int)limit, &rows, &next, &err)) {
        json_decref(rows);
        reply_error(rp, 500, "%s", err.msg);
        return;
    }
    json_t *o = json_pack("{s:o}", "experiments", rows);
    if (next) {
        char t[32];
        snprintf(t, sizeof t, "%lld", next);
        json_object_set_new(o, "next_page_token", json_string(t));
    }
    reply_json(rp, 200, o);
}

static void cancel(server *s, const char *id, reply *rp)
{
    mlac_err err = {0};
    int prev;
    int rc = queue_cancel(s->q, id, &prev, &err);
    if (rc == MLAC_ENOTFOUND) {
        reply_error(rp, 404, "no experiment '%s'", id);
        return;
    }
    if (rc) {
        reply_error(rp, 500, "%s", err.msg);
        return;
    }
    if (prev >= QS_SUCCEEDED) {
        reply_error(rp, 409, "experiment '%s' already finished (%s)", id, queue_state_name(prev));
        return;
    }
    if (prev == QS_RUNNING)
        sched_cancel(s, id);
    json_t *row;
    get_one(s, id, rp, &row);
    if (row)
        reply_json(rp, 202, row);
}

static void readyz(server *s, reply *rp)
{
    mlac_err err = {0};
    json_t *checks = json_object();
    int ok = 1;
    int db = queue_check_writable(s->q, &err) == MLAC_OK;
    json_object_set_new(checks, "database", json_string(db ? "ok" : err.msg));
    store *out = NULL;
    int exists = 0, st = store_open(s->cfg->results, &out, &err) == MLAC_OK &&
                         store_exists(out, ".", &exists, &err) == MLAC_OK && exists;
    store_free(out);
    json_object_set_new(checks, "results_store", json_string(st ? "ok" : err.msg[0] ? err.msg : "not reachable"));
    int wk = sched_workers_alive(s);
    json_object_set_new(checks, "workers", json_string(wk ? "ok" : "a worker thread has stopped"));
    ok = db && st && wk;
    reply_json(rp, ok ? 200 : 503, json_pack("{s:s, s:o}", "status", ok ? "ready" : "not ready", "checks", checks));
}

static void metrics_page(server *s, reply *rp)
{
    long counts[QS_N];
    mlac_err err = {0};
    buf b;
    buf_init(&b, 4u << 20);
    if (queue_counts(s->q, counts, &err) || serve_metrics_render(s->m, counts, &b, &err)) {
        buf_release(&b);
        reply_error(rp, 500, "%s", err.msg);
        return;
    }
    rp->status = 200;
    rp->body = buf_detach(&b, &rp->len);
    rp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static int method_is(const request *rq, const char *m, reply *rp, const char *allow)
{
    if (!strcmp(rq->method, m) || (!strcmp(m, "GET") && !strcmp(rq->method, "HEAD")))
        return 1;
    reply_error(rp, 405, "method %s is not allowed here (allowed: %s)", rq->method, allow);
    rp->allow = allow;
    return 0;
}

/* /v1/experiments/{id}[:cancel][/sub...] */
static void experiment(server *s, const request *rq, const char *rest, reply *rp)
{
    char id[128];
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *sub = slash ? slash + 1 : NULL;
    int is_cancel = 0;
    if (n > 7 && !strncmp(rest + n - 7, ":cancel", 7) && !sub) {
        is_cancel = 1;
        n -= 7;
    }
    if (n >= sizeof id) {
        reply_error(rp, 400, "invalid experiment id (too long)");
        return;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!id_valid(id, 79)) {
        reply_error(rp, 400, "invalid experiment id '%.80s'", id);
        return;
    }
    if (is_cancel) {
        if (method_is(rq, "POST", rp, "POST"))
            cancel(s, id, rp);
        return;
    }
    if (!method_is(rq, "GET", rp, "GET"))
        return;
    if (sub && !strcmp(sub, "events")) {
        json_t *row;
        get_one(s, id, rp, &row);
        if (!row)
            return;
        json_decref(row);
        rp->status = 200;
        if (!(rp->sse = sse_new(s, id, rq->conn)))
            reply_error(rp, 500, "out of memory");
        return;
    }
    if (!sub) {
        status_reply(s, id, rp);
        return;
    }
    json_t *row;
    get_one(s, id, rp, &row);
    if (!row)
        return;
    if (!strcmp(sub, "tasks"))
        api_tasks(s, rq, row, rp);
    else if (!strcmp(sub, "summary"))
        api_summary(s, row, 0, rp);
    else if (!strcmp(sub, "summary.csv"))
        api_summary(s, row, 1, rp);
    else if (!strcmp(sub, "report") || !strncmp(sub, "report/", 7))
        api_report(s, row, sub[6] ? sub + 7 : "", rp);
    else
        reply_error(rp, 404, "no resource '%.100s' under experiment '%s'", sub, id);
    json_decref(row);
}

void api_handle(server *s, const request *rq, reply *rp)
{
    const char *p = rq->path;
    if (!strcmp(p, "/healthz")) {
        if (method_is(rq, "GET", rp, "GET"))
            reply_json(rp, 200, json_pack("{s:s}", "status", "ok"));
    } else if (!strcmp(p, "/readyz")) {
        if (method_is(rq, "GET", rp, "GET"))
            readyz(s, rp);
    } else if (!strcmp(p, "/metrics")) {
        if (method_is(rq, "GET", rp, "GET"))
            metrics_page(s, rp);
    } else if (!strcmp(p, "/v1/experiments") || !strcmp(p, "/v1/experiments/")) {
        if (!strcmp(rq->method, "POST"))
            submit_handle(s, rq, rp);
        else if (method_is(rq, "GET", rp, "GET, POST"))
            list(s, rq, rp);
    } else if (!strncmp(p, "/v1/experiments/", 16)) {
        experiment(s, rq, p + 16, rp);
    } else {
        reply_error(rp, 404, "no such endpoint '%.200s'", p);
    }
}
