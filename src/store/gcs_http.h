/* gcs_http.h — HTTP transfers of the GCS client: libcurl easy handles from a small pool that
 * share one connection cache (curl share object: connections, DNS, TLS sessions), HTTP/2 where
 * the server offers it over TLS, per-request timeouts, and the retry loop of gcs_retry.h.
 *
 * gcs_http_do() sends one logical request: it adds the bearer token of the request's auth
 * (if any), retries transient failures when the request says it is idempotent, refreshes the
 * token once on a 401, and returns MLAC_OK whenever a final HTTP response arrived — whatever
 * its status: the caller interprets 404, 412, 308. Transport failures that outlive the retries
 * are errors naming the request's object and the last status or curl error. Thread-safe.
 * Secrets: tokens are never part of a message or a log line.
 */
#ifndef MLAC_STORE_GCS_HTTP_H
#define MLAC_STORE_GCS_HTTP_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "store/gcs_retry.h"

typedef struct gcs_auth gcs_auth;
typedef struct gcs_http gcs_http;

typedef struct gcs_http_settings {
    gcs_retry_policy retry;
    long connect_timeout; /* seconds to connect (10) */
    long stall_timeout;   /* seconds below 1 byte/s before a transfer is abandoned (30) */
    long request_timeout; /* seconds for a whole request, 0 = none (600) */
    char ca_file[1024];   /* PEM bundle to verify TLS servers with instead of the system's ("") */
} gcs_http_settings;

#define GCS_HEADERS_MAX 8
#define GCS_BODY_MAX_DEFAULT ((size_t)64 << 20)

typedef struct gcs_request {
    const char *method;                   /* "GET", "POST", "PUT", "DELETE" */
    const char *url;
    const char *what;                     /* the object, for messages: "gs://b/o" */
    const char *headers[GCS_HEADERS_MAX]; /* extra "Name: value" lines, NULL-terminated */
    const void *body;                     /* request body (NULL = none) */
    size_t body_len;
    int idempotent;                       /* 1: transient failures are retried */
    int resume_download;                  /* 1: a cut GET continues with Range from what arrived */
    gcs_auth *auth;                       /* NULL: no Authorization header */
    long timeout;                         /* seconds for connect and transfer; 0 = the settings' */
} gcs_request;

typedef struct gcs_response {
    long status;          /* final HTTP status */
    buf body;             /* response body (limited by body.max), from body.data + body_base */
    size_t body_base;     /* bytes of body that precede the response (a caller's buffer lent as
                             the body, so a download lands where it is wanted without a copy);
                             0 after gcs_response_init */
    char location[4096];  /* Location header (resumable session URL) */
    char range[128];      /* Range header of a 308 ("bytes=0-262143"), "" if none */
    char content_range[128]; /* Content-Range of a 206/416 ("bytes 0-99/5000"), "" if none */
    long long generation; /* x-goog-generation, -1 if absent */
    char md5[32];         /* base64 MD5 from x-goog-hash, "" if absent */
    int attempts;         /* attempts made */
} gcs_response;

void gcs_response_init(gcs_response *r, size_t max_body);
void gcs_response_release(gcs_response *r);

void gcs_http_settings_default(gcs_http_settings *s);
int gcs_http_new(const gcs_http_settings *s, gcs_http **out, mlac_err *err);
void gcs_http_free(gcs_http *h);
int gcs_http_do(gcs_http *h, const gcs_request *rq, gcs_response *rs, mlac_err *err);
/* Fills err with "<what>: HTTP <status>: <Google's error message>" and returns its code
 * (404 -> MLAC_ENOTFOUND, 401/403 -> MLAC_EUNAVAIL, other -> MLAC_EIO). */
int gcs_http_status_error(const gcs_response *rs, const char *what, mlac_err *err);

/* Counters since gcs_http_new, for tests and benchmarks. */
typedef struct gcs_http_stats {
    long requests;  /* HTTP attempts sent */
    long retries;   /* attempts that were retries of a transient failure */
    long refreshes; /* tokens refreshed after a 401 */
    long connects;  /* new connections opened (CURLINFO_NUM_CONNECTS); the rest reused one */
    long http2;     /* attempts answered over HTTP/2 */
    long long bytes_down; /* response body bytes received */
} gcs_http_stats;
void gcs_http_get_stats(gcs_http *h, gcs_http_stats *out);

#endif
