/* gcs_http.c — libcurl transfers with retries and token refresh (see gcs_http.h).
 *
 * Easy handles live in a small free list (taken per request, reset, put back), and all of them
 * use one curl share object, so a connection opened by one thread is reused by the next
 * request of any thread. Each attempt's response starts from an empty body unless it is a
 * 206 continuing a cut download (resume_download), so error bodies of failed attempts never
 * leak into the result.
 */
#include "store/gcs_http.h"
#include "store/gcs_auth.h"
#include "core/timeutil.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POOL_MAX 128 /* idle easy handles kept */

struct gcs_http {
    gcs_http_settings set;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t lock;   /* guards pool, counters, seed */
    CURL *pool[POOL_MAX];   /* idle easy handles */
    int n_pool;
    gcs_http_stats stats;
    unsigned long long seed; /* per-request jitter seeds */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *ctx)
{
    (void)c;
    (void)access;
    pthread_mutex_lock(&((gcs_http *)ctx)->share_locks[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *ctx)
{
    (void)c;
    pthread_mutex_unlock(&((gcs_http *)ctx)->share_locks[data]);
}

void gcs_http_settings_default(gcs_http_settings *s)
{
    gcs_retry_policy_default(&s->retry);
    s->connect_timeout = 10;
    s->stall_timeout = 30;
    s->request_timeout = 600;
    s->ca_file[0] = '\0';
}

void gcs_response_init(gcs_response *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, max_body ? max_body : GCS_BODY_MAX_DEFAULT);
    r->generation = -1;
}

void gcs_response_release(gcs_response *r)
{
    buf_release(&r->body);
}

int gcs_http_new(const gcs_http_settings *s, gcs_http **out, mlac_err *err)
{
    pthread_once(&global_once, global_init);
    gcs_http *h = calloc(1, sizeof *h);
    if (!h)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the GCS client");
    h->set = *s;
    pthread_mutex_init(&h->lock, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&h->share_locks[i], NULL);
    h->share = curl_share_init();
    if (!h->share) {
        gcs_http_free(h);
        return mlac_errf(err, MLAC_ENOMEM, "cannot create a curl share object");
    }
    curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    h->seed = (unsigned long long)(time_wall() * 1e6) ^ ((unsigned long long)(size_t)h << 17);
    *out = h;
    return MLAC_OK;
}

void gcs_http_free(gcs_http *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->n_pool; i++)
        curl_easy_cleanup(h->pool[i]);
    if (h->share)
        curl_share_cleanup(h->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&h->share_locks[i]);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void gcs_http_get_stats(gcs_http *h, gcs_http_stats *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->stats;
    pthread_mutex_unlock(&h->lock);
}

static CURL *take_handle(gcs_http *h)
{
    CURL *c = NULL;
    pthread_mutex_lock(&h->lock);
    if (h->n_pool)
        c = h->pool[--h->n_pool];
    pthread_mutex_unlock(&h->lock);
    if (c)
        curl_easy_reset(c);
    else
        c = curl_easy_init();
    return c;
}

static void put_handle(gcs_http *h, CURL *c)
{
    pthread_mutex_lock(&h->lock);
    if (h->n_pool < POOL_MAX) {
        h->pool[h->n_pool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    if (c)
        curl_easy_cleanup(c);
}

struct attempt {
    CURL *c;
    gcs_response *rs;
    size_t keep;     /* body bytes kept from earlier attempts (a resumed download) */
    int started;     /* the body callback ran in this attempt */
    int overflow;    /* the body exceeded its limit */
    mlac_err body_err;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct attempt *a = ctx;
    size_t n = size * nmemb;
    if (!a->started) {
        long code = 0;
        curl_easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, &code);
        a->started = 1;
        /* continue a cut download, else start over */
        a->rs->body.len = a->rs->body_base + (code == 206 ? a->keep : 0);
    }
    if (buf_append(&a->rs->body, data, n, &a->body_err)) {
        a->overflow = 1;
        return 0;
    }
    return n;
}

/* Copies a header's value (trimmed) into out when the line is "name: value". */
static int header_value(const char *line, size_t n, const char *name, char *out, size_t out_size)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
        return 0;
    const char *v = line + k + 1;
    size_t vn = n - k - 1;
    while (vn && (*v == ' ' || *v == '\t'))
        v++, vn--;
    while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
        vn--;
    if (vn >= out_size)
        vn = out_size - 1;
    memcpy(out, v, vn);
    out[vn] = '\0';
    return 1;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    gcs_response *rs = ((struct attempt *)ctx)->rs;
    size_t n = size * nmemb;
    char v[4096];
    if (n >= 5 && !strncmp(data, "HTTP/", 5)) { /* a new response (after 100 Continue): forget the old */
        rs->location[0] = rs->range[0] = rs->md5[0] = rs->content_range[0] = '\0';
        rs->generation = -1;
    } else if (header_value(data, n, "location", rs->location, sizeof rs->location)) {
    } else if (header_value(data, n, "range", rs->range, sizeof rs->range)) {
    } else if (header_value(data, n, "content-range", rs->content_range, sizeof rs->content_range)) {
    } else if (header_value(data, n, "x-goog-generation", v, sizeof v)) {
        rs->generation = strtoll(v, NULL, 10);
    } else if (header_value(data, n, "x-goog-hash", v, sizeof v)) {
        /* "crc32c=AAAAAA==,md5=1B2M2Y8AsgTpgAmY7PhCfg==" (one header or several) */
        for (char *p = strtok(v, ","); p; p = strtok(NULL, ",")) {
            while (*p == ' ')
                p++;
            if (!strncmp(p, "md5=", 4))
                snprintf(rs->md5, sizeof rs->md5, "%s", p + 4);
        }
    }
    return n;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One attempt. Returns the curl code; rs->status is 0 when no response arrived. */
static CURLcode attempt_once(gcs_http *h, const gcs_request *rq, const char *token, size_t keep,
                             gcs_response *rs, mlac_err *body_err)
{
    CURL *c = take_handle(h);
    if (!c)
        return CURLE_OUT_OF_MEMORY;
    struct attempt a = {.c = c, .rs = rs, .keep = keep};
    struct curl_slist *hdr = NULL;
    char line[GCS_TOKEN_MAX + 64];
    for (int i = 0; i < GCS_HEADERS_MAX && rq->headers[i]; i++)
        hdr = curl_slist_append(hdr, rq->headers[i]);
    if (token && *token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, line);
    }
    if (keep) {
        snprintf(line, sizeof line, "Range: bytes=%zu-", keep);
        hdr = curl_slist_append(hdr, line);
    }
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_SHARE, h->share);
    /* room in the shared connection cache for every transfer at once: libcurl's default (4 per
     * easy handle's own multi) closed the oldest idle connection after nearly every request
     * once more than 4 ran at once (measured: 921 connections for 1,005 requests at 16) */
    curl_easy_setopt(c, CURLOPT_MAXCONNECTS, (long)POOL_MAX);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS); /* h2 over TLS via ALPN */
    if (h->set.ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, h->set.ca_file);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, rq->timeout ? rq->timeout : h->set.connect_timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->set.stall_timeout);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout ? rq->timeout : h->set.request_timeout);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mlac/" MLAC_VERSION " (gcs; libcurl)");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (!strcmp(rq->method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
        if (strcmp(rq->method, "DELETE") || rq->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
        }
    }
    rs->status = 0;
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
    long connects = 0, version = 0;
    curl_off_t down = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
    pthread_mutex_lock(&h->lock);
    h->stats.requests++;
    h->stats.connects += connects;
    h->stats.http2 += rs->status && version == CURL_HTTP_VERSION_2_0;
    h->stats.bytes_down += (long long)down;
    pthread_mutex_unlock(&h->lock);
    if (!a.started && rs->status != 206)
        rs->body.len = rs->body_base; /* an empty response body: nothing of an earlier attempt stays */
    if (rs->body.data)
        rs->body.data[rs->body.len] = '\0';
    if (a.overflow)
        *body_err = a.body_err;
    curl_slist_free_all(hdr);
    put_handle(h, c);
    return a.overflow ? CURLE_WRITE_ERROR : cc;
}

int gcs_http_do(gcs_http *h, const gcs_request *rq, gcs_response *rs, mlac_err *err)
{
    gcs_retry r;
    pthread_mutex_lock(&h->lock);
    unsigned long long seed = h->seed++;
    pthread_mutex_unlock(&h->lock);
    gcs_retry_begin(&r, &h->set.retry, time_now(), seed);
    int refreshed = 0;
    rs->attempts = 0;
    for (;;) {
        char token[GCS_TOKEN_MAX] = "";
        if (rq->auth) {
            int rc = gcs_auth_token(rq->auth, token, sizeof token, err);
            if (rc)
                return mlac_err_prefix(err, "%s: ", rq->what);
        }
        size_t keep = 0;
        if (rq->resume_download && (rs->status == 200 || rs->status == 206))
            keep = rs->body.len - rs->body_base; /* the last attempt was cut mid-body: continue from there */
        mlac_err body_err = {0};
        rs->attempts++;
        CURLcode cc = attempt_once(h, rq, token, keep, rs, &body_err);
        if (cc == CURLE_WRITE_ERROR && body_err.code)
            return mlac_errf(err, body_err.code, "%s: the response is too large (%s)", rq->what, body_err.msg);
        if (cc == CURLE_OK && rs->status == 401 && rq->auth && !refreshed) {
            gcs_auth_invalidate(rq->auth, token);
            refreshed = 1;
            pthread_mutex_lock(&h->lock);
            h->stats.refreshes++;
            pthread_mutex_unlock(&h->lock);
            continue;
        }
        int transient = cc != CURLE_OK ? gcs_retry_curl_transient(cc) : gcs_retry_status_transient(rs->status);
        if (!transient && cc == CURLE_OK)
            return MLAC_OK;
        double wait = 0;
        if (!transient || !rq->idempotent || !gcs_retry_next(&r, time_now(), &wait)) {
            if (cc == CURLE_OK)
                return MLAC_OK; /* a final (transient) status: the caller names it */
            return mlac_errf(err, MLAC_EIO, "%s: %s %s failed after %d attempt%s: %s", rq->what, rq->method,
                             transient && rq->idempotent ? "request" : "(not retried)", rs->attempts,
                             rs->attempts == 1 ? "" : "s", curl_easy_strerror(cc));
        }
        pthread_mutex_lock(&h->lock);
        h->stats.retries++;
        pthread_mutex_unlock(&h->lock);
        if (cc != CURLE_OK && rs->status != 200 && rs->status != 206)
            rs->status = 0;
        if (cc == CURLE_OK)
            rs->status = 0; /* a transient status: its body is not kept */
        sleep_s(wait);
    }
}

/* Google's error body: {"error": {"code": 404, "message": "..."}} */
static void error_message(const gcs_response *rs, char *out, size_t n)
{
    out[0] = '\0';
    json_error_t je;
    size_t n_body = rs->body.len - rs->body_base;
    json_t *doc = n_body ? json_loadb(rs->body.data + rs->body_base, n_body, 0, &je) : NULL;
    const char *m = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
    if (!m)
        m = json_string_value(json_object_get(doc, "error_description"));
    if (!m)
        m = json_string_value(json_object_get(doc, "error"));
    if (m)
        snprintf(out, n, ": %.300s", m);
    json_decref(doc);
}

int gcs_http_status_error(const gcs_response *rs, const char *what, mlac_err *err)
{
    char msg[320];
    error_message(rs, msg, sizeof msg);
    int code = rs->status == 404 ? MLAC_ENOTFOUND : (rs->status == 401 || rs->status == 403) ? MLAC_EUNAVAIL : MLAC_EIO;
    return mlac_errf(err, code, "%s: HTTP %ld%s%s", what, rs->status, msg,
                     rs->attempts > 1 ? " (after retries)" : "");
}
