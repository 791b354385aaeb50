/* http.c — the libmicrohttpd glue: a small pool of epoll threads (one per CPU, 2 to 8) serves
 * every connection, bounded by a connection limit and an idle timeout so slow clients cannot
 * pile up; request bodies capped at --max-body, the bearer token checked before any handler
 * runs, CORS only with --cors, a request id on every response (X-Request-Id) and one JSON
 * access-log line per request (buffered: access_log.h). IPv4 or IPv6 (--listen [::1]:PORT; [::]
 * takes both families). Handlers never block for long: SSE streams suspend their connection
 * between events.
 *
 * The request path costs no system call of its own beyond libmicrohttpd's recv and send: no
 * write per log line, no lock but the status cache's shared one, metrics counted with atomics,
 * the log's timestamp formatted once a second per thread. Each connection's memory pool is
 * CONN_MEMORY bytes (libmicrohttpd zeroes it on every request): request headers must fit in it
 * (libmicrohttpd refuses longer ones, 431); bodies are buffered apart, up to --max-body.
 *
 * The Authorization header is never logged or echoed; the access log has method, path (without
 * the query string), status, bytes, milliseconds, remote address and the request id.
 */
#include "core/pool.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "serve/access_log.h"
#include "serve/serve_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONNECTIONS 512
#define CONN_MEMORY (16u << 10)

typedef struct conn_ctx {
    buf body;
    int too_large;
    int responded;          /* a response was queued early (413) */
    char request_id[40];
    double t0;
} conn_ctx;

void reply_json(reply *rp, int status, json_t *o)
{
    rp->status = status;
    rp->body = json_dumps(o, JSON_COMPACT);
    rp->len = rp->body ? strlen(rp->body) : 0;
    rp->content_type = "application/json";
    json_decref(o);
}

void reply_error(reply *rp, int status, const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_json(rp, status, json_pack("{s:{s:i, s:s}}", "error", "code", status, "message", msg));
}

const char *request_arg(const request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* s as the inside of a JSON string: valid UTF-8 kept, invalid bytes as \xNN (utf8_escape), quotes,
 * backslashes and control characters escaped; cut to fit n. */
static void log_string(const char *s, char *out, size_t n)
{
    char clean[1100];
    if (!utf8_valid(s)) {
        utf8_escape(s, clean, sizeof clean);
        s = clean;
    }
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 7 < n; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\u%04x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

static void remote_of(struct MHD_Connection *c, char *out, size_t n)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* One JSON line per request, formatted in place (no JSON objects built on the hot path). */
static void log_request(server *s, struct MHD_Connection *c, const char *method, const char *url, int status,
                       size_t bytes, const conn_ctx *cx)
{
    if (!s->alog)
        return;
    static _Thread_local time_t ts_second = -1;
    static _Thread_local char ts[32];
    char remote[INET6_ADDRSTRLEN] = "", m[64], path[1100], line[1600];
    remote_of(c, remote, sizeof remote);
    if (time(NULL) != ts_second) {
        ts_second = time(NULL);
        time_iso8601(ts);
    }
    log_string(method, m, sizeof m);
    log_string(url, path, sizeof path);
    int n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"%s\",\"method\":\"%s\","
                     "\"path\":\"%s\",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f,\"remote\":\"%s\"}\n",
                     ts, cx ? cx->request_id : "", m, path, status, bytes, cx ? (time_now() - cx->t0) * 1e3 : 0.0,
                     remote);
    if (n > 0 && (size_t)n < sizeof line)
        access_log_write(s->alog, line, (size_t)n);
}

static enum MHD_Result send_reply(server *s, struct MHD_Connection *c, const char *method, const char *url,
                                  conn_ctx *cx, reply *rp)
{
    struct MHD_Response *r;
    if (rp->sse) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, rp->sse, sse_free);
        rp->content_type = "text/event-stream";
    } else {
        r = MHD_create_response_from_buffer(rp->len, rp->body ? rp->body : (char *)"", rp->body ? MHD_RESPMEM_MUST_FREE
                                                                                                : MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        if (rp->sse)
            sse_free(rp->sse);
        else
            free(rp->body);
        return MHD_NO;
    }
    if (rp->content_type)
        MHD_add_response_header(r, "Content-Type", rp->content_type);
    MHD_add_response_header(r, "X-Request-Id", cx->request_id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rp->allow)
        MHD_add_response_header(r, "Allow", rp->allow);
    if (rp->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"mlac\"");
    if (s->cfg->cors_origin[0]) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", s->cfg->cors_origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rp->status, r);
    MHD_destroy_response(r);
    serve_metrics_http(s->m, rp->status);
    log_request(s, c, method, url, rp->status, rp->sse ? 0 : rp->len, cx);
    return ok;
}

static int is_public(const server *s, const char *method, const char *url)
{
    if (!strcmp(url, "/healthz") || !strcmp(url, "/readyz"))
        return 1;
    return s->cfg->public_read && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
}

static void preflight(server *s, reply *rp)
{
    (void)s;
    rp->status = 204;
    rp->allow = "GET, POST, OPTIONS";
}

/* "<8 hex digits of the port>-<sequence>", the prefix formatted once (http_start). */
static void request_id(server *s, char out[40])
{
    unsigned long long n = __atomic_add_fetch(&s->next_request, 1, __ATOMIC_RELAXED);
    char digits[24];
    int k = 0;
    do
        digits[k++] = (char)('0' + n % 10);
    while ((n /= 10) && k < 20);
    memcpy(out, s->request_prefix, 9);
    for (int i = 0; i < k; i++)
        out[9 + i] = digits[k - 1 - i];
    out[9 + k] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    conn_ctx *cx = *con_cls;
    if (!cx) {
        if (!(cx = calloc(1, sizeof *cx)))
            return MHD_NO;
        buf_init(&cx->body, s->cfg->max_body + 1);
        cx->t0 = time_now();
        request_id(s, cx->request_id);
        *con_cls = cx;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg->max_body) {
            cx->responded = 1;
            reply rp = {0};
            reply_error(&rp, 413, "request body: larger than the limit of %zu bytes", s->cfg->max_body);
            return send_reply(s, c, method, url, cx, &rp);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cx->too_large && cx->body.len + *upload_size <= s->cfg->max_body) {
            mlac_err err;
            if (buf_append(&cx->body, upload, *upload_size, &err))
                cx->too_large = 1;
        } else {
            cx->too_large = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (cx->responded)
        return MHD_YES;
    reply rp = {0};
    if (!strcmp(method, "OPTIONS") && s->cfg->cors_origin[0]) {
        preflight(s, &rp);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Access-Control-Allow-Origin", s->cfg->cors_origin);
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "X-Request-Id", cx->request_id);
        enum MHD_Result ok = MHD_queue_response(c, 204, r);
        MHD_destroy_response(r);
        serve_metrics_http(s->m, 204);
        log_request(s, c, method, url, 204, 0, cx);
        return ok;
    }
    if (cx->too_large) {
        reply_error(&rp, 413, "request body: larger than the limit of %zu bytes", s->cfg->max_body);
    } else if (!is_public(s, method, url) &&
               !auth_check(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))) {
        int has = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
        reply_error(&rp, 401, has ? "the bearer token is not valid" : "missing 'Authorization: Bearer <token>'");
    } else {
        request rq = {.method = method, .path = url, .body = cx->body.data ? cx->body.data : "",
                      .body_len = cx->body.len, .conn = c, .request_id = cx->request_id};
        api_handle(s, &rq, &rp);
    }
    return send_reply(s, c, method, url, cx, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    conn_ctx *cx = *con_cls;
    if (cx) {
        buf_release(&cx->body);
        free(cx);
    }
    *con_cls = NULL;
}

/* host (IPv4, IPv6 without brackets, or "localhost") and port -> a socket address. */
static int parse_addr(const char *host, int port, struct sockaddr_storage *ss, int *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *sa = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)ss;
    *v6 = strchr(host, ':') != NULL;
    if (*v6) {
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons((unsigned short)port);
        return inet_pton(AF_INET6, host, &sa6->sin6_addr) == 1 ? 0 : -1;
    }
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Threads of the epoll pool: one per CPU this process may use, at least 2, at most 8. */
static unsigned pool_threads(void)
{
    int n = pool_cpu_count();
    return (unsigned)(n < 2 ? 2 : n > 8 ? 8 : n);
}

int http_start(server *s, mlac_err *err)
{
    const serve_config *c = s->cfg;
    struct sockaddr_storage sa;
    int v6;
    if (parse_addr(c->host, c->port, &sa, &v6))
        return mlac_errf(err, MLAC_EINVAL, "--listen: '%s' is not an IPv4 or IPv6 address", c->host);
    /* A few epoll threads serve every connection; SSE streams suspend between events (api_events.c). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (v6)
        flags |= IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&sa)->sin6_addr) ? MHD_USE_DUAL_STACK
                                                                                    : MHD_USE_IPv6;
    if (s->tls_cert_pem && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return mlac_errf(err, MLAC_EUNAVAIL, "--tls-cert: this libmicrohttpd was built without TLS");
    if (s->tls_cert_pem)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls[] = {
        {s->tls_cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (c->access_log && !(s->alog = access_log_new(c->access_log)))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the access log");
    if (sse_hub_start(s, err))
        return err->code;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_THREAD_POOL_SIZE, pool_threads(), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                 (size_t)CONN_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)c->conn_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->daemon)
        return mlac_errf(err, MLAC_EIO, "cannot listen on %s:%d (in use, or a bad TLS certificate/key)", c->host,
                         c->port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : c->port;
    snprintf(s->request_prefix, sizeof s->request_prefix, "%08x-", (unsigned)s->port * 2654435761u);
    return MLAC_OK;
}

void http_stop(server *s)
{
    sse_hub_stop(s); /* resumes every suspended stream: MHD_stop_daemon must not see one */
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    sse_hub_free(s);
    access_log_free(s->alog); /* after the last request: writes every buffered line */
    s->alog = NULL;
}
