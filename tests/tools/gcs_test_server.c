/* gcs_test_server — an in-memory Google Cloud Storage JSON-API server for mlac's tests, on
 * libmicrohttpd (a thread per connection, HTTP/1.1 keep-alive), bound to 127.0.0.1 only.
 *
 *   gcs_test_server --port 0 --port-file FILE [--auth] [--token-lifetime S] [--jwt-pubkey PEM]
 *                   [--refresh-token T] [--session-ttl S] [--project ID] [--log FILE]
 *
 * What it serves (paths as Google's; object names percent-encoded in paths, %2F for '/'):
 *   /storage/v1/b[/B]                    buckets: list, create (POST), get
 *   /storage/v1/b/B/o                    list: prefix, delimiter, startOffset, endOffset,
 *                                        maxResults (default and cap 1000), pageToken
 *   /storage/v1/b/B/o/O                  GET metadata (alt=media: bytes, Range), DELETE, PATCH
 *   /storage/v1/b/B/o/O/compose          POST, up to 32 sources
 *   /download/storage/v1/b/B/o/O         GET bytes (the mediaLink form)
 *   /upload/storage/v1/b/B/o             uploadType=media | multipart | resumable, and the
 *                                        resumable session URI (PUT chunks, status query, DELETE)
 *   /retry_test[/ID]                     fault injection (tests/gcs/server_faults.h)
 *   /_stats, /_stats/reset               request counters (reset), live objects and bytes,
 *                                        objects ever written ("writes", not reset)
 *   /token, /computeMetadata/v1/..., /   OAuth token endpoint and metadata server (--auth makes
 *                                        storage requests need a token issued here)
 * Order of a storage request: counted, then its fault instruction (if any), then the auth
 * check, then the operation. Faults act before the operation, except a broken stream on an
 * upload, which persists what arrived (resumable sessions) as a broken connection would.
 * Composite objects have a crc32c and componentCount but no md5Hash, as on GCS. Listing a
 * bucket that was never written answers an empty list, as Firebase's emulator does. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "gcs/server_auth.h"
#include "gcs/server_faults.h"
#include "gcs/server_store.h"
#include "gcs/server_util.h"

#define BODY_MAX ((size_t)256 << 20) /* larger request bodies get 413 */
#define URI_MAX 16384                /* longer request URIs get 414 */
#define NAME_MAX_BYTES 1024          /* GCS object names: 1-1024 bytes of UTF-8 */

enum op {
  OP_LIST,
  OP_GET,
  OP_MEDIA,
  OP_INSERT,
  OP_DELETE,
  OP_COMPOSE,
  OP_PATCH,
  OP_BUCKET_GET,
  OP_BUCKET_INSERT,
  OP_BUCKET_LIST,
  OP_TOKEN,
  OP_METADATA,
  OP_FAULTED,
  OP_N,
  OP_NONE = -1,
};
static const char *const op_names[OP_N] = {
  "storage.objects.list",    "storage.objects.get",    "media_get",
  "storage.objects.insert",  "storage.objects.delete", "storage.objects.compose",
  "storage.objects.patch",   "storage.buckets.get",    "storage.buckets.insert",
  "storage.buckets.list",    "token_requests",         "metadata_requests",
  "faults_injected",
};

enum route_kind {
  R_UNKNOWN,
  R_PROBE,
  R_METADATA,
  R_TOKEN,
  R_RETRY_TEST,
  R_STATS,
  R_BUCKETS,
  R_BUCKET,
  R_OBJECTS,
  R_OBJECT,
  R_COMPOSE,
  R_DOWNLOAD,
  R_UPLOAD,
};

struct server {
  struct store *store;
  struct faults *faults;
  struct auth *auth;
  bool auth_required;
  char token_url[96];
  const char *project;
  FILE *log;
  pthread_mutex_t log_mu;
  unsigned long long counts[OP_N]; /* atomic */
};

/* One request, from the URI log callback (raw URI) to the completion callback. */
struct req {
  char *uri; /* raw, still percent-encoded */
  char *method;
  struct query q;
  bool bad_query; /* a malformed escape or too many parameters */
  enum route_kind route;
  char *bucket, *object, *rest; /* decoded; rest: retry test id or metadata sub-path */
  enum op op;
  const char *fault_op; /* the storage-testbench operation name, or NULL */
  struct fault fault;
  bool started, too_large, reset;
  struct gbuf body;
  unsigned status;
  size_t bytes_out;
};

static struct server srv;

/* ---- responses ---- */

struct body_src {
  struct blob *blob;
  size_t off, len;
  size_t break_after; /* SIZE_MAX: whole body; else reset after this many bytes */
  int fd;
};

/* Waits (at most ~2 s) until the kernel has sent what was written, so a reset that follows
 * discards nothing the test expects to arrive. */
static void drain_socket(int fd)
{
  for (int i = 0; i < 2000; i++) {
    int pending = 0;
    if (ioctl(fd, SIOCOUTQ, &pending) != 0 || pending == 0)
      return;
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
  }
}

static void set_linger_reset(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (ci) {
    struct linger l = { 1, 0 }; /* close() then sends RST, not FIN */
    setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
}

static int connection_fd(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  return ci ? ci->connect_fd : -1;
}

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct body_src *b = cls;
  if (pos >= b->break_after) {
    drain_socket(b->fd);
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  if (pos >= b->len)
    return MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = b->len - (size_t)pos;
  if (n > max)
    n = max;
  if (b->break_after != SIZE_MAX && n > b->break_after - pos)
    n = b->break_after - (size_t)pos;
  memcpy(buf, b->blob->data + b->off + pos, n);
  return (ssize_t)n;
}

static void body_free(void *cls)
{
  struct body_src *b = cls;
  blob_unref(b->blob);
  free(b);
}

/* Queues status with body blob[off, off+len) (taken; NULL = empty) and headers given as
 * name/value pairs ending in NULL. A broken-stream fault on a GET cuts the body. */
static enum MHD_Result reply(struct MHD_Connection *c, struct req *r, unsigned status,
                             struct blob *blob, size_t off, size_t len, const char *ctype, ...)
{
  struct MHD_Response *resp = NULL;
  struct body_src *src = NULL;
  if (blob && len) {
    if (!(src = calloc(1, sizeof *src))) {
      blob_unref(blob);
      return MHD_NO;
    }
    src->blob = blob;
    src->off = off;
    src->len = len;
    src->break_after = SIZE_MAX;
    src->fd = connection_fd(c);
    if (r->fault.kind == FAULT_BROKEN_STREAM && r->fault_op && !r->body.len) {
      src->break_after = r->fault.after_bytes;
      set_linger_reset(c);
      r->reset = true;
    }
    resp = MHD_create_response_from_callback(len, 64 * 1024, body_read, src, body_free);
  } else {
    blob_unref(blob);
    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  }
  if (!resp) {
    if (src)
      body_free(src);
    return MHD_NO;
  }
  if (ctype)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  va_list ap;
  va_start(ap, ctype);
  for (const char *k; (k = va_arg(ap, const char *));) {
    const char *v = va_arg(ap, const char *);
    if (v)
      MHD_add_response_header(resp, k, v);
  }
  va_end(ap);
  r->status = status;
  r->bytes_out = len;
  enum MHD_Result ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, struct req *r, unsigned status,
                                  json_t *j, const char *hname, const char *hval)
{
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!s)
    return MHD_NO;
  size_t n = strlen(s);
  struct blob *b = blob_new(s, n);
  free(s);
  return reply(c, r, status, b, 0, n, "application/json; charset=UTF-8", hname, hval, NULL);
}

static const char *reason_of(unsigned status)
{
  switch (status) {
  case 400: return "invalid";
  case 401: return "required";
  case 403: return "forbidden";
  case 404: return "notFound";
  case 405: return "methodNotAllowed";
  case 408: return "requestTimeout";
  case 409: return "conflict";
  case 412: return "conditionNotMet";
  case 413: return "uploadTooLarge";
  case 414: return "uriTooLong";
  case 416: return "requestedRangeNotSatisfiable";
  case 429: return "rateLimitExceeded";
  case 499: return "clientClosedRequest";
  case 502: return "badGateway";
  case 503: return "backendError";
  default: return status >= 500 ? "backendError" : "invalid";
  }
}

/* Google's error body: {"error":{"code":N,"message":M,"errors":[{message,domain,reason}]}}. */
static enum MHD_Result reply_error(struct MHD_Connection *c, struct req *r, unsigned status,
                                   const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *j = json_pack("{s:{s:i, s:s, s:[{s:s, s:s, s:s}]}}", "error", "code", (int)status,
                        "message", msg, "errors", "message", msg, "domain", "global", "reason",
                        reason_of(status));
  return reply_json(c, r, status, j, status == 401 ? "WWW-Authenticate" : NULL,
                    status == 401 ? "Bearer realm=\"https://accounts.google.com/\"" : NULL);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, struct req *r, unsigned status,
                                  const char *text, const char *hname, const char *hval)
{
  size_t n = strlen(text);
  return reply(c, r, status, blob_new(text, n), 0, n, "text/plain; charset=utf-8", hname, hval,
               NULL);
}

/* ---- routing ---- */

static char *seg_decode(const char *p, size_t n)
{
  return pct_decode(p, n, false);
}

/* Splits the raw path into a route; bucket/object/rest decoded. */
static void route_parse(struct req *r, const char *path, size_t plen)
{
  static const char sb[] = "/storage/v1/b", dl[] = "/download/storage/v1/b/",
                    up[] = "/upload/storage/v1/b/", md[] = "/computeMetadata/v1/",
                    rt[] = "/retry_test";
  const char *p = path, *end = path + plen, *tail = NULL;
  bool is_dl = false, is_up = false;
  r->route = R_UNKNOWN;
  if (plen == 1 && *p == '/') {
    r->route = R_PROBE;
    return;
  }
  if ((plen == 6 && memcmp(p, "/token", 6) == 0)) {
    r->route = R_TOKEN;
    return;
  }
  if ((plen == 7 && memcmp(p, "/_stats", 7) == 0) || (plen == 13 && memcmp(p, "/_stats/reset", 13) == 0)) {
    r->route = R_STATS;
    r->rest = strndup(p, plen);
    return;
  }
  if (plen >= sizeof md - 1 && memcmp(p, md, sizeof md - 1) == 0) {
    r->route = R_METADATA;
    r->rest = strndup(p + sizeof md - 1, plen - (sizeof md - 1));
    return;
  }
  if (plen >= sizeof rt - 1 && memcmp(p, rt, sizeof rt - 1) == 0) {
    if (plen == sizeof rt - 1) {
      r->route = R_RETRY_TEST;
    } else if (p[sizeof rt - 1] == '/') {
      r->route = R_RETRY_TEST;
      r->rest = seg_decode(p + sizeof rt, plen - sizeof rt);
    }
    return;
  }
  if (plen >= sizeof dl - 1 && memcmp(p, dl, sizeof dl - 1) == 0) {
    is_dl = true;
    tail = p + sizeof dl - 1;
  } else if (plen >= sizeof up - 1 && memcmp(p, up, sizeof up - 1) == 0) {
    is_up = true;
    tail = p + sizeof up - 1;
  } else if (plen >= sizeof sb - 1 && memcmp(p, sb, sizeof sb - 1) == 0) {
    if (plen == sizeof sb - 1 || (plen == sizeof sb && p[plen - 1] == '/')) {
      r->route = R_BUCKETS;
      return;
    }
    if (p[sizeof sb - 1] != '/')
      return;
    tail = p + sizeof sb;
  } else {
    return;
  }
  /* tail: "BUCKET[/o[/OBJECT[/compose]]]" */
  const char *slash = memchr(tail, '/', (size_t)(end - tail));
  const char *bend = slash ? slash : end;
  if (bend == tail || !(r->bucket = seg_decode(tail, (size_t)(bend - tail))))
    return;
  if (!slash) {
    if (!is_dl && !is_up)
      r->route = R_BUCKET;
    return;
  }
  const char *o = slash + 1;
  if (end - o < 1 || o[0] != 'o' || (end - o > 1 && o[1] != '/'))
    return;
  if (end - o <= 2) { /* ".../o" or ".../o/" */
    if (end - o == 1)
      r->route = is_up ? R_UPLOAD : is_dl ? R_UNKNOWN : R_OBJECTS;
    return;
  }
  if (is_up)
    return;
  const char *name = o + 2;
  const char *s2 = memchr(name, '/', (size_t)(end - name));
  enum route_kind kind = is_dl ? R_DOWNLOAD : R_OBJECT;
  if (s2) { /* an unencoded '/' in the name: only ".../compose" is a route (GCS: 404) */
    if (is_dl || (size_t)(end - s2) != 8 || memcmp(s2, "/compose", 8) != 0)
      return;
    kind = R_COMPOSE;
  }
  const char *nend = s2 ? s2 : end;
  if (!(r->object = seg_decode(name, (size_t)(nend - name))))
    return;
  r->route = kind;
}

static enum op op_of(const struct req *r, const char *method)
{
  bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  const char *alt = query_get(&r->q, "alt");
  switch (r->route) {
  case R_OBJECTS: return get ? OP_LIST : OP_NONE;
  case R_OBJECT:
    if (get)
      return alt && !strcmp(alt, "media") ? OP_MEDIA : OP_GET;
    if (!strcmp(method, "DELETE"))
      return OP_DELETE;
    if (!strcmp(method, "PATCH") || !strcmp(method, "PUT"))
      return OP_PATCH;
    return OP_NONE;
  case R_DOWNLOAD: return get ? OP_MEDIA : OP_NONE;
  case R_COMPOSE: return !strcmp(method, "POST") ? OP_COMPOSE : OP_NONE;
  case R_UPLOAD: return OP_INSERT;
  case R_BUCKET: return get ? OP_BUCKET_GET : OP_NONE;
  case R_BUCKETS: return get ? OP_BUCKET_LIST : !strcmp(method, "POST") ? OP_BUCKET_INSERT : OP_NONE;
  case R_TOKEN: return OP_TOKEN;
  case R_METADATA:
  case R_PROBE: return OP_METADATA;
  default: return OP_NONE;
  }
}

static const char *fault_op_of(enum op op)
{
  switch (op) {
  case OP_LIST: return "storage.objects.list";
  case OP_GET:
  case OP_MEDIA: return "storage.objects.get";
  case OP_INSERT: return "storage.objects.insert";
  case OP_DELETE: return "storage.objects.delete";
  case OP_COMPOSE: return "storage.objects.compose";
  case OP_PATCH: return "storage.objects.patch";
  case OP_BUCKET_GET: return "storage.buckets.get";
  case OP_BUCKET_INSERT: return "storage.buckets.insert";
  case OP_BUCKET_LIST: return "storage.buckets.list";
  default: return NULL;
  }
}

static void count(enum op op)
{
  __atomic_add_fetch(&srv.counts[op], 1, __ATOMIC_RELAXED);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
  return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ---- storage handlers ---- */

static json_t *body_json(struct req *r)
{
  if (!r->body.len)
    return NULL;
  return json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
}

static bool name_ok(const char *name)
{
  size_t n = name ? strlen(name) : 0;
  return n >= 1 && n <= NAME_MAX_BYTES && !strpbrk(name, "\r\n") && strcmp(name, ".") &&
         strcmp(name, "..");
}

static int query_generation(struct req *r, int64_t *gen)
{
  const char *g = query_get(&r->q, "generation");
  *gen = 0;
  return g && (parse_int64(g, gen) != 0 || *gen <= 0) ? -1 : 0;
}

/* "bytes=a-b" | "bytes=a-" | "bytes=-n" over size -> [*off, *off + *len); 0 ok, 1 ignore the
 * header (not a single byte range), -1 unsatisfiable. */
static int range_parse(const char *h, size_t size, size_t *off, size_t *len)
{
  uint64_t a = 0, b = 0;
  char x[64], y[64];
  if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') || strlen(h) > 60)
    return 1;
  const char *dash = strchr(h + 6, '-');
  if (!dash)
    return 1;
  snprintf(x, sizeof x, "%.*s", (int)(dash - h - 6), h + 6);
  snprintf(y, sizeof y, "%s", dash + 1);
  if (!*x) { /* suffix */
    if (parse_uint64(y, &b) != 0)
      return 1;
    if (b == 0 || size == 0)
      return -1;
    if (b > size)
      b = size;
    *off = size - b;
    *len = b;
    return 0;
  }
  if (parse_uint64(x, &a) != 0 || (*y && parse_uint64(y, &b) != 0))
    return 1;
  if (*y && b < a)
    return 1;
  if (a >= size)
    return -1;
  if (!*y || b >= size)
    b = size - 1;
  *off = a;
  *len = b - a + 1;
  return 0;
}

static enum MHD_Result do_get(struct MHD_Connection *c, struct req *r, bool media)
{
  struct precond pre;
  char msg[STORE_MSG];
  int64_t gen;
  struct blob *data = NULL;
  json_t *res = NULL;
  if (precond_parse(&pre, &r->q, msg) != 0)
    return reply_error(c, r, 400, "%s", msg);
  if (query_generation(r, &gen) != 0)
    return reply_error(c, r, 400, "Invalid argument for generation");
  int rc = store_get(srv.store, r->bucket, r->object, gen, &pre, media ? &data : NULL, &res, msg);
  if (rc)
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  if (!media)
    return reply_json(c, r, 200, res, NULL, NULL);
  char hash[80], etag[64];
  const char *g = json_string_value(json_object_get(res, "generation"));
  const char *mg = json_string_value(json_object_get(res, "metageneration"));
  const char *md5 = json_string_value(json_object_get(res, "md5Hash"));
  const char *ct = json_string_value(json_object_get(res, "contentType"));
  snprintf(hash, sizeof hash, "crc32c=%s%s%s",
           json_string_value(json_object_get(res, "crc32c")), md5 ? ",md5=" : "", md5 ? md5 : "");
  snprintf(etag, sizeof etag, "\"%s\"", json_string_value(json_object_get(res, "etag")));
  size_t off = 0, len = data->size;
  const char *range = header(c, "Range");
  char crange[96], stored[24];
  snprintf(stored, sizeof stored, "%zu", data->size);
  int rr = range ? range_parse(range, data->size, &off, &len) : 1;
  enum MHD_Result ret;
  if (rr < 0) {
    snprintf(crange, sizeof crange, "bytes */%zu", data->size);
    blob_unref(data);
    json_decref(res);
    r->status = 416;
    json_t *j = json_pack("{s:{s:i, s:s}}", "error", "code", 416, "message",
                          "Request range not satisfiable");
    return reply_json(c, r, 416, j, "Content-Range", crange);
  }
  snprintf(crange, sizeof crange, "bytes %zu-%zu/%zu", off, off + len - 1, data->size);
  ret = reply(c, r, rr == 0 ? 206 : 200, data, off, len, ct, "x-goog-generation", g,
              "x-goog-metageneration", mg, "x-goog-hash", hash, "x-goog-stored-content-length",
              stored, "ETag", etag, "Accept-Ranges", "bytes", "Content-Range",
              rr == 0 ? crange : NULL, NULL);
  json_decref(res);
  return ret;
}

static enum MHD_Result do_list(struct MHD_Connection *c, struct req *r)
{
  struct list_args a = { 0 };
  char msg[STORE_MSG];
  json_t *res = NULL;
  const char *mr = query_get(&r->q, "maxResults");
  int64_t m = 1000;
  if (mr && (parse_int64(mr, &m) != 0 || m < 1))
    return reply_error(c, r, 400, "Invalid value for maxResults: '%s'", mr);
  a.max_results = m > 1000 ? 1000 : (long)m;
  a.prefix = query_get(&r->q, "prefix");
  a.delimiter = query_get(&r->q, "delimiter");
  a.start_offset = query_get(&r->q, "startOffset");
  a.end_offset = query_get(&r->q, "endOffset");
  a.page_token = query_get(&r->q, "pageToken");
  int rc = store_list(srv.store, r->bucket, &a, &res, msg);
  if (rc)
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  return reply_json(c, r, 200, res, NULL, NULL);
}

static enum MHD_Result do_delete(struct MHD_Connection *c, struct req *r)
{
  struct precond pre;
  char msg[STORE_MSG];
  int64_t gen;
  if (precond_parse(&pre, &r->q, msg) != 0)
    return reply_error(c, r, 400, "%s", msg);
  if (query_generation(r, &gen) != 0)
    return reply_error(c, r, 400, "Invalid argument for generation");
  int rc = store_delete(srv.store, r->bucket, r->object, gen, &pre, msg);
  if (rc)
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  return reply(c, r, 204, NULL, 0, 0, NULL, NULL);
}

static enum MHD_Result do_patch(struct MHD_Connection *c, struct req *r)
{
  struct precond pre;
  char msg[STORE_MSG];
  json_t *res = NULL, *patch = body_json(r);
  if (!json_is_object(patch)) {
    json_decref(patch);
    return reply_error(c, r, 400, "Invalid JSON object in the request body");
  }
  if (precond_parse(&pre, &r->q, msg) != 0) {
    json_decref(patch);
    return reply_error(c, r, 400, "%s", msg);
  }
  int rc = store_patch(srv.store, r->bucket, r->object, patch, &pre, &res, msg);
  json_decref(patch);
  if (rc)
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  return reply_json(c, r, 200, res, NULL, NULL);
}

static enum MHD_Result do_compose(struct MHD_Connection *c, struct req *r)
{
  struct precond pre;
  char msg[STORE_MSG];
  char *names[COMPOSE_MAX];
  int64_t gens[COMPOSE_MAX], if_gens[COMPOSE_MAX];
  json_t *res = NULL, *body = body_json(r), *src, *v;
  enum MHD_Result ret;
  size_t i;
  int n = 0;
  if (!json_is_object(body) || !json_is_array(src = json_object_get(body, "sourceObjects"))) {
    ret = reply_error(c, r, 400, "compose: the body needs a sourceObjects array");
    goto out;
  }
  if (json_array_size(src) < 1 || json_array_size(src) > COMPOSE_MAX) {
    ret = reply_error(c, r, 400, "The number of source components provided (%zu) is not between 1 and %d",
                      json_array_size(src), COMPOSE_MAX);
    goto out;
  }
  if (precond_parse(&pre, &r->q, msg) != 0) {
    ret = reply_error(c, r, 400, "%s", msg);
    goto out;
  }
  json_array_foreach(src, i, v) {
    json_t *nm = json_object_get(v, "name"), *g = json_object_get(v, "generation");
    int64_t gv = 0;
    if (!json_is_string(nm) || (g && !(json_is_integer(g) || (json_is_string(g) &&
                                                              parse_int64(json_string_value(g), &gv) == 0)))) {
      ret = reply_error(c, r, 400, "compose: sourceObjects[%zu] needs a name (and a numeric generation)", i);
      goto out;
    }
    if (json_is_integer(g))
      gv = json_integer_value(g);
    json_t *ig = json_object_get(json_object_get(v, "objectPreconditions"), "ifGenerationMatch");
    int64_t igv = -1;
    if (ig && !(json_is_integer(ig) ? (igv = json_integer_value(ig)) >= 0
                                    : json_is_string(ig) && parse_int64(json_string_value(ig), &igv) == 0 && igv >= 0)) {
      ret = reply_error(c, r, 400, "compose: sourceObjects[%zu].objectPreconditions.ifGenerationMatch is not a generation", i);
      goto out;
    }
    names[n] = (char *)json_string_value(nm);
    if_gens[n] = igv;
    gens[n++] = gv;
  }
  json_t *dest = json_object_get(body, "destination");
  const char *ct = json_string_value(json_object_get(dest, "contentType"));
  int rc = store_compose(srv.store, r->bucket, r->object, names, gens, if_gens, n, ct,
                         json_object_get(dest, "metadata"), &pre, &res, msg);
  ret = rc ? reply_error(c, r, (unsigned)rc, "%s", msg) : reply_json(c, r, 200, res, NULL, NULL);
out:
  json_decref(body);
  return ret;
}

/* multipart/related: part 1 JSON metadata, part 2 the bytes. Pointers into r->body. */
static int multipart_split(struct req *r, const char *ctype, const unsigned char **meta,
                           size_t *meta_len, const unsigned char **data, size_t *data_len,
                           char data_ctype[128])
{
  char delim[200];
  const char *b = ctype ? strstr(ctype, "boundary=") : NULL;
  if (!b)
    return -1;
  b += 9;
  size_t bl = *b == '"' ? strcspn(b + 1, "\"") : strcspn(b, "; \t");
  if (*b == '"')
    b++;
  if (bl == 0 || bl > 150)
    return -1;
  int dl = snprintf(delim, sizeof delim, "--%.*s", (int)bl, b);
  const unsigned char *p = r->body.data, *end = p + r->body.len;
  const unsigned char *parts[2];
  size_t plens[2];
  const unsigned char *cur = memmem(p, r->body.len, delim, (size_t)dl);
  for (int i = 0; i < 2; i++) {
    if (!cur)
      return -1;
    const unsigned char *hs = cur + dl;
    if (end - hs >= 2 && hs[0] == '\r' && hs[1] == '\n')
      hs += 2;
    else if (end - hs >= 1 && hs[0] == '\n')
      hs += 1;
    else
      return -1;
    const unsigned char *he = memmem(hs, (size_t)(end - hs), "\r\n\r\n", 4);
    size_t hl = 4;
    if (!he) {
      he = memmem(hs, (size_t)(end - hs), "\n\n", 2);
      hl = 2;
    }
    if (!he)
      return -1;
    if (i == 1) {
      data_ctype[0] = 0;
      for (const unsigned char *l = hs; l < he;) {
        const unsigned char *nl = memchr(l, '\n', (size_t)(he - l));
        size_t ll = (size_t)((nl ? nl : he) - l);
        if (ll > 13 && strncasecmp((const char *)l, "content-type:", 13) == 0) {
          const unsigned char *v = l + 13;
          while (v < l + ll && (*v == ' ' || *v == '\t'))
            v++;
          size_t vl = (size_t)(l + ll - v);
          while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
            vl--;
          snprintf(data_ctype, 128, "%.*s", (int)vl, v);
        }
        l = nl ? nl + 1 : he;
      }
    }
    const unsigned char *cs = he + hl;
    const unsigned char *next = memmem(cs, (size_t)(end - cs), delim, (size_t)dl);
    if (!next)
      return -1;
    const unsigned char *ce = next;
    if (ce - cs >= 2 && ce[-2] == '\r' && ce[-1] == '\n')
      ce -= 2;
    else if (ce - cs >= 1 && ce[-1] == '\n')
      ce -= 1;
    parts[i] = cs;
    plens[i] = (size_t)(ce - cs);
    cur = next;
  }
  *meta = parts[0];
  *meta_len = plens[0];
  *data = parts[1];
  *data_len = plens[1];
  return 0;
}

static enum MHD_Result do_simple_upload(struct MHD_Connection *c, struct req *r, bool multipart)
{
  struct precond pre;
  char msg[STORE_MSG], dctype[128];
  json_t *meta = NULL, *res = NULL;
  const unsigned char *data = r->body.data;
  size_t len = r->body.len;
  const char *name = query_get(&r->q, "name");
  const char *ctype = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
  enum MHD_Result ret;
  if (precond_parse(&pre, &r->q, msg) != 0)
    return reply_error(c, r, 400, "%s", msg);
  if (multipart) {
    const unsigned char *m;
    size_t ml;
    if (multipart_split(r, ctype, &m, &ml, &data, &len, dctype) != 0)
      return reply_error(c, r, 400, "multipart upload: the body is not multipart/related with a "
                                    "metadata part and a media part");
    if (!(meta = json_loadb((const char *)m, ml, 0, NULL)) || !json_is_object(meta)) {
      json_decref(meta);
      return reply_error(c, r, 400, "multipart upload: the metadata part is not a JSON object");
    }
    const char *mn = json_string_value(json_object_get(meta, "name"));
    if (mn)
      name = mn;
    const char *mct = json_string_value(json_object_get(meta, "contentType"));
    ctype = mct ? mct : *dctype ? dctype : NULL;
  }
  if (!name_ok(name)) {
    ret = reply_error(c, r, 400, "%s", name ? "Invalid object name" : "Required: object name");
    goto out;
  }
  struct blob *b = blob_new(data, len);
  if (!b) {
    ret = reply_error(c, r, 500, "out of memory");
    goto out;
  }
  int rc = store_put(srv.store, r->bucket, name, b, ctype, json_object_get(meta, "metadata"), &pre,
                     &res, msg);
  ret = rc ? reply_error(c, r, (unsigned)rc, "%s", msg) : reply_json(c, r, 200, res, NULL, NULL);
out:
  json_decref(meta);
  return ret;
}

static enum MHD_Result do_resumable_start(struct MHD_Connection *c, struct req *r)
{
  struct precond pre;
  char msg[STORE_MSG], id[41];
  json_t *meta = NULL;
  const char *name = query_get(&r->q, "name");
  const char *ctype = header(c, "X-Upload-Content-Type");
  enum MHD_Result ret;
  if (precond_parse(&pre, &r->q, msg) != 0)
    return reply_error(c, r, 400, "%s", msg);
  if (r->body.len && (!(meta = body_json(r)) || !json_is_object(meta))) {
    json_decref(meta);
    return reply_error(c, r, 400, "resumable upload: the metadata body is not a JSON object");
  }
  if (json_string_value(json_object_get(meta, "name")))
    name = json_string_value(json_object_get(meta, "name"));
  if (!ctype)
    ctype = json_string_value(json_object_get(meta, "contentType"));
  if (!name_ok(name)) {
    ret = reply_error(c, r, 400, "%s", name ? "Invalid object name" : "Required: object name");
    goto out;
  }
  int rc = session_start(srv.store, r->bucket, name, ctype, json_object_get(meta, "metadata"), &pre,
                         id, msg);
  if (rc) {
    ret = reply_error(c, r, (unsigned)rc, "%s", msg);
    goto out;
  }
  char loc[256];
  snprintf(loc, sizeof loc, "%s/upload/storage/v1/b/%s/o?uploadType=resumable&upload_id=%s",
           store_base_url(srv.store), r->bucket, id);
  ret = reply(c, r, 200, NULL, 0, 0, NULL, "Location", loc, "X-GUploader-UploadID", id, NULL);
out:
  json_decref(meta);
  return ret;
}

/* Content-Range of a session PUT: "bytes A-B/TOTAL", "bytes A-B/STAR", "bytes STAR/TOTAL" or
 * "bytes STAR/STAR", where STAR is a literal asterisk. */
static int content_range_parse(const char *h, int64_t *first, int64_t *last, int64_t *total)
{
  char a[32], b[32], t[32];
  *first = *last = *total = -1;
  if (strncmp(h, "bytes ", 6) != 0 || strlen(h) > 90)
    return -1;
  const char *sl = strchr(h + 6, '/');
  if (!sl)
    return -1;
  snprintf(t, sizeof t, "%s", sl + 1);
  if (strcmp(t, "*") != 0 && (parse_int64(t, total) != 0 || *total < 0))
    return -1;
  if (sl - (h + 6) == 1 && h[6] == '*')
    return 0;
  const char *dash = memchr(h + 6, '-', (size_t)(sl - h - 6));
  if (!dash || dash - (h + 6) >= 32 || sl - dash - 1 >= 32)
    return -1;
  snprintf(a, sizeof a, "%.*s", (int)(dash - h - 6), h + 6);
  snprintf(b, sizeof b, "%.*s", (int)(sl - dash - 1), dash + 1);
  if (parse_int64(a, first) != 0 || parse_int64(b, last) != 0 || *first < 0 || *last < *first)
    return -1;
  return 0;
}

/* A PUT to a session URI; broken: the connection breaks after these bytes (never finalise). */
static int session_chunk(struct MHD_Connection *c, struct req *r, const char *id, bool broken,
                         uint64_t *persisted, json_t **res, char msg[STORE_MSG])
{
  int64_t first, last, total;
  const char *cr = header(c, "Content-Range");
  size_t len = r->body.len;
  if (!cr) { /* the whole object in one request */
    first = len ? 0 : -1;
    last = (int64_t)len - 1;
    total = (int64_t)len;
  } else if (content_range_parse(cr, &first, &last, &total) != 0) {
    snprintf(msg, STORE_MSG, "Failed to parse Content-Range header: '%.100s'", cr);
    return 400;
  }
  if (broken) {
    if (first < 0 || !len)
      return 0;
    last = first + (int64_t)len - 1;
    total = -1;
  }
  return session_put(srv.store, r->bucket, id, first, last, total, r->body.data, len, broken,
                     persisted, res, msg);
}

static enum MHD_Result do_upload(struct MHD_Connection *c, struct req *r, const char *method)
{
  const char *type = query_get(&r->q, "uploadType"), *id = query_get(&r->q, "upload_id");
  char msg[STORE_MSG];
  if (id) {
    if (!strcmp(method, "DELETE")) {
      int rc = session_cancel(srv.store, id, msg);
      return reply_error(c, r, (unsigned)rc, "%s", msg);
    }
    if (strcmp(method, "PUT") && strcmp(method, "POST"))
      return reply_error(c, r, 405, "method %s not allowed on an upload session", method);
    uint64_t persisted = 0;
    json_t *res = NULL;
    int rc = session_chunk(c, r, id, false, &persisted, &res, msg);
    if (rc == 200)
      return reply_json(c, r, 200, res, NULL, NULL);
    if (rc == 308) {
      char range[64];
      snprintf(range, sizeof range, "bytes=0-%llu", (unsigned long long)persisted - 1);
      return reply(c, r, 308, NULL, 0, 0, "text/plain; charset=utf-8", "Range",
                   persisted ? range : NULL, "X-GUploader-UploadID", id, NULL);
    }
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  }
  if (strcmp(method, "POST"))
    return reply_error(c, r, 405, "method %s not allowed on /upload without upload_id", method);
  if (type && !strcmp(type, "media"))
    return do_simple_upload(c, r, false);
  if (type && !strcmp(type, "multipart"))
    return do_simple_upload(c, r, true);
  if (type && !strcmp(type, "resumable"))
    return do_resumable_start(c, r);
  return reply_error(c, r, 400, "Invalid uploadType: '%s'", type ? type : "");
}

static enum MHD_Result do_buckets(struct MHD_Connection *c, struct req *r, const char *method)
{
  char msg[STORE_MSG];
  json_t *res = NULL;
  int rc;
  if (r->route == R_BUCKET) {
    rc = store_bucket_get(srv.store, r->bucket, &res, msg);
  } else if (!strcmp(method, "POST")) {
    json_t *body = body_json(r);
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!name || !*name || strlen(name) > 222 || strchr(name, '/')) {
      json_decref(body);
      return reply_error(c, r, 400, "bucket insert: the body needs a valid \"name\"");
    }
    rc = store_bucket_create(srv.store, name, &res, msg);
    json_decref(body);
  } else {
    rc = store_bucket_list(srv.store, &res);
  }
  if (rc)
    return reply_error(c, r, (unsigned)rc, "%s", msg);
  return reply_json(c, r, 200, res, NULL, NULL);
}

static enum MHD_Result do_storage(struct MHD_Connection *c, struct req *r, const char *method)
{
  switch (r->op) {
  case OP_LIST: return do_list(c, r);
  case OP_GET: return do_get(c, r, false);
  case OP_MEDIA: return do_get(c, r, true);
  case OP_DELETE: return do_delete(c, r);
  case OP_PATCH: return do_patch(c, r);
  case OP_COMPOSE: return do_compose(c, r);
  case OP_INSERT: return do_upload(c, r, method);
  case OP_BUCKET_GET:
  case OP_BUCKET_INSERT:
  case OP_BUCKET_LIST: return do_buckets(c, r, method);
  default: return reply_error(c, r, 405, "method %s not allowed here", method);
  }
}

/* ---- test endpoints: /retry_test, /_stats, /token, metadata ---- */

static enum MHD_Result do_retry_test(struct MHD_Connection *c, struct req *r, const char *method)
{
  char msg[FAULT_MSG];
  json_t *res = NULL;
  int rc;
  if (!r->rest && !strcmp(method, "POST")) {
    json_t *body = body_json(r);
    if (!json_is_object(body)) {
      json_decref(body);
      return reply_error(c, r, 400, "retry_test: the body is not a JSON object");
    }
    rc = faults_create(srv.faults, body, &res, msg);
    json_decref(body);
    return rc == 200 ? reply_json(c, r, 200, res, NULL, NULL) : reply_error(c, r, (unsigned)rc, "%s", msg);
  }
  if (!r->rest && !strcmp(method, "GET"))
    return reply_json(c, r, 200, faults_list(srv.faults), NULL, NULL);
  if (r->rest && !strcmp(method, "GET")) {
    if (faults_get(srv.faults, r->rest, &res) != 200)
      return reply_error(c, r, 404, "no such retry test: %s", r->rest);
    return reply_json(c, r, 200, res, NULL, NULL);
  }
  if (r->rest && !strcmp(method, "DELETE")) {
    if (faults_delete(srv.faults, r->rest) != 200)
      return reply_error(c, r, 404, "no such retry test: %s", r->rest);
    return reply(c, r, 200, NULL, 0, 0, NULL, NULL);
  }
  return reply_error(c, r, 405, "method %s not allowed on /retry_test", method);
}

static enum MHD_Result do_stats(struct MHD_Connection *c, struct req *r, const char *method)
{
  if (!strcmp(r->rest, "/_stats/reset")) {
    if (strcmp(method, "POST"))
      return reply_error(c, r, 405, "POST /_stats/reset");
    for (int i = 0; i < OP_N; i++)
      __atomic_store_n(&srv.counts[i], 0, __ATOMIC_RELAXED);
    return reply(c, r, 200, NULL, 0, 0, NULL, NULL);
  }
  json_t *req = json_object();
  for (int i = 0; i < OP_N; i++)
    json_object_set_new(req, op_names[i],
                        json_integer((json_int_t)__atomic_load_n(&srv.counts[i], __ATOMIC_RELAXED)));
  size_t objects;
  uint64_t bytes, writes;
  store_totals(srv.store, &objects, &bytes, &writes);
  json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:O, s:O}", "requests", req, "objects", (json_int_t)objects,
                        "bytes", (json_int_t)bytes, "writes", (json_int_t)writes, "token_requests",
                        json_object_get(req, "token_requests"), "metadata_requests",
                        json_object_get(req, "metadata_requests"));
  return reply_json(c, r, 200, j, NULL, NULL);
}

static enum MHD_Result token_error(struct MHD_Connection *c, struct req *r, const char *err,
                                   const char *desc)
{
  return reply_json(c, r, 400, json_pack("{s:s, s:s}", "error", err, "error_description", desc),
                    NULL, NULL);
}

static enum MHD_Result do_token(struct MHD_Connection *c, struct req *r, const char *method)
{
  struct query f = { 0 };
  char msg[AUTH_MSG];
  enum MHD_Result ret;
  if (strcmp(method, "POST"))
    return reply_error(c, r, 405, "POST /token");
  if (query_parse(&f, (const char *)(r->body.data ? r->body.data : (unsigned char *)""), r->body.len) != 0) {
    query_release(&f);
    return token_error(c, r, "invalid_request", "the body is not application/x-www-form-urlencoded");
  }
  const char *grant = query_get(&f, "grant_type");
  if (grant && !strcmp(grant, "urn:ietf:params:oauth:grant-type:jwt-bearer")) {
    if (auth_verify_jwt(srv.auth, query_get(&f, "assertion"), srv.token_url, msg) != 0)
      ret = token_error(c, r, "invalid_grant", msg);
    else
      ret = reply_json(c, r, 200, auth_issue(srv.auth), NULL, NULL);
  } else if (grant && !strcmp(grant, "refresh_token")) {
    if (!query_get(&f, "client_id") || !query_get(&f, "client_secret"))
      ret = token_error(c, r, "invalid_request", "client_id and client_secret are required");
    else if (!auth_refresh_ok(srv.auth, query_get(&f, "refresh_token")))
      ret = token_error(c, r, "invalid_grant", "Bad Request");
    else
      ret = reply_json(c, r, 200, auth_issue(srv.auth), NULL, NULL);
  } else {
    ret = token_error(c, r, "unsupported_grant_type", "Invalid grant_type");
  }
  query_release(&f);
  return ret;
}

static enum MHD_Result do_metadata(struct MHD_Connection *c, struct req *r, const char *method)
{
  static const char mf[] = "Metadata-Flavor";
  if (strcmp(method, "GET") && strcmp(method, "HEAD"))
    return reply_text(c, r, 405, "method not allowed\n", mf, "Google");
  if (r->route == R_PROBE)
    return reply_text(c, r, 200, "ok\n", mf, "Google");
  const char *flavor = header(c, mf);
  if (!flavor || strcmp(flavor, "Google") != 0)
    return reply_text(c, r, 403, "Missing required header: Metadata-Flavor\n", mf, "Google");
  if (!strcmp(r->rest, "instance/service-accounts/default/token")) {
    json_t *t = auth_issue(srv.auth);
    char *s = t ? json_dumps(t, JSON_COMPACT) : NULL;
    json_decref(t);
    size_t n = s ? strlen(s) : 0;
    struct blob *b = s ? blob_new(s, n) : NULL;
    free(s);
    return reply(c, r, 200, b, 0, n, "application/json", mf, "Google", NULL);
  }
  if (!strcmp(r->rest, "project/project-id"))
    return reply_text(c, r, 200, srv.project, mf, "Google");
  if (!strcmp(r->rest, "instance/service-accounts/default/scopes"))
    return reply_text(c, r, 200, "https://www.googleapis.com/auth/cloud-platform\n", mf, "Google");
  if (!strcmp(r->rest, "instance/service-accounts/default/email"))
    return reply_text(c, r, 200, "mlac-test@mlac-test.iam.gserviceaccount.com", mf, "Google");
  return reply_text(c, r, 404, "not found\n", mf, "Google");
}

/* ---- the request lifecycle ---- */

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
  (void)cls;
  (void)c;
  struct req *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->uri = strndup(uri, URI_MAX + 1);
  r->op = OP_NONE;
  gbuf_init(&r->body, BODY_MAX);
  return r;
}

static void req_free(struct req *r)
{
  if (!r)
    return;
  free(r->uri);
  free(r->method);
  query_release(&r->q);
  free(r->bucket);
  free(r->object);
  free(r->rest);
  gbuf_release(&r->body);
  free(r);
}

static void stall(double seconds)
{
  struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* First call of a request: route, count, pick its fault. MHD_NO drops the connection. */
static enum MHD_Result req_start(struct MHD_Connection *c, struct req *r, const char *method)
{
  const char *q = strchr(r->uri, '?');
  size_t plen = q ? (size_t)(q - r->uri) : strlen(r->uri);
  r->method = strdup(method);
  if (q && query_parse(&r->q, q + 1, strlen(q + 1)) != 0)
    r->bad_query = true;
  route_parse(r, r->uri, plen);
  r->op = op_of(r, method);
  if (r->op == OP_MEDIA)
    count(OP_GET);
  if (r->op != OP_NONE)
    count(r->op);
  r->fault_op = fault_op_of(r->op);
  if (r->route == R_UPLOAD && !r->fault_op)
    r->fault_op = "storage.objects.insert";
  if (r->fault_op) {
    const char *tid = header(c, "x-retry-test-id");
    if (faults_next(srv.faults, tid, r->fault_op, &r->fault) != 0) {
      r->fault.kind = FAULT_RETURN; /* an unknown test id: the testbench answers 404 */
      r->fault.status = 404;
      snprintf(r->fault.text, sizeof r->fault.text, "unknown-retry-test");
    } else if (r->fault.kind != FAULT_NONE) {
      count(OP_FAULTED);
    }
    if (r->fault.kind == FAULT_STALL) {
      stall(r->fault.seconds);
    } else if (r->fault.kind == FAULT_RESET) {
      set_linger_reset(c);
      r->reset = true;
      return MHD_NO;
    }
  }
  const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
  uint64_t n;
  if (cl && parse_uint64(cl, &n) == 0 && n > BODY_MAX)
    return reply_error(c, r, 413, "request body of %llu bytes exceeds %zu", (unsigned long long)n, BODY_MAX);
  return MHD_YES;
}

/* A broken-stream fault on an upload: keep what arrived (resumable sessions), then reset. */
static enum MHD_Result upload_break(struct MHD_Connection *c, struct req *r)
{
  const char *id = query_get(&r->q, "upload_id");
  char msg[STORE_MSG];
  uint64_t persisted;
  json_t *res = NULL;
  if (r->route == R_UPLOAD && id)
    session_chunk(c, r, id, true, &persisted, &res, msg);
  json_decref(res);
  set_linger_reset(c);
  r->reset = true;
  return MHD_NO;
}

static enum MHD_Result req_finish(struct MHD_Connection *c, struct req *r, const char *method)
{
  if (r->too_large)
    return reply_error(c, r, 413, "request body exceeds %zu bytes", BODY_MAX);
  if (strlen(r->uri) > URI_MAX)
    return reply_error(c, r, 414, "request URI exceeds %d bytes", URI_MAX);
  if (r->bad_query)
    return reply_error(c, r, 400, "malformed query string");
  switch (r->fault.kind) {
  case FAULT_RETURN:
    return reply_error(c, r, (unsigned)r->fault.status, "Retry Test: Caused a %d", r->fault.status);
  case FAULT_EXPIRE: {
    const char *id = query_get(&r->q, "upload_id");
    if (id)
      session_expire(srv.store, id);
    return reply_error(c, r, 404, "No such upload session: %s", id ? id : "(none)");
  }
  case FAULT_BROKEN_STREAM:
    if (r->route == R_UPLOAD)
      return upload_break(c, r);
    break;
  default:
    break;
  }
  bool storage = r->route >= R_BUCKETS && r->route <= R_UPLOAD;
  if (storage && srv.auth_required && !auth_check(srv.auth, header(c, MHD_HTTP_HEADER_AUTHORIZATION)))
    return reply_error(c, r, 401, "Anonymous caller does not have storage.objects.get access, or "
                                  "the access token is invalid or expired.");
  switch (r->route) {
  case R_PROBE:
  case R_METADATA: return do_metadata(c, r, method);
  case R_TOKEN: return do_token(c, r, method);
  case R_RETRY_TEST: return do_retry_test(c, r, method);
  case R_STATS: return do_stats(c, r, method);
  case R_UNKNOWN: return reply_error(c, r, 404, "Not Found");
  default: return do_storage(c, r, method);
  }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  (void)cls;
  (void)url;
  (void)version;
  struct req *r = *req_cls;
  if (!r)
    return MHD_NO;
  if (!r->started) {
    r->started = true;
    return req_start(c, r, method);
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (r->fault.kind == FAULT_BROKEN_STREAM && r->route == R_UPLOAD) {
      size_t room = r->fault.after_bytes - r->body.len;
      if (n >= room) {
        gbuf_append(&r->body, upload_data, room);
        return upload_break(c, r);
      }
    }
    if (!r->too_large && gbuf_append(&r->body, upload_data, n) != 0) {
      r->too_large = true;
      gbuf_release(&r->body);
    }
    return MHD_YES;
  }
  return req_finish(c, r, method);
}

static void log_request(struct req *r, enum MHD_RequestTerminationCode toe)
{
  const char *q = r->uri ? strchr(r->uri, '?') : NULL;
  size_t plen = r->uri ? (q ? (size_t)(q - r->uri) : strlen(r->uri)) : 0;
  char *path = r->uri ? strndup(r->uri, plen) : NULL;
  json_t *j = json_pack("{s:f, s:s?, s:s?, s:s, s:i, s:I, s:I, s:s?, s:s?, s:b}", "t", now_seconds(),
                        "method", r->method,
                        "path", path, "query", q ? q + 1 : "", "status", r->reset ? 0 : (int)r->status,
                        "bytes", (json_int_t)r->bytes_out, "bytes_in", (json_int_t)r->body.len,
                        "op", r->fault_op, "fault", r->fault.kind ? r->fault.text : NULL,
                        "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (s) {
    pthread_mutex_lock(&srv.log_mu);
    fprintf(srv.log, "%s\n", s);
    fflush(srv.log);
    pthread_mutex_unlock(&srv.log_mu);
  }
  free(s);
  free(path);
  json_decref(j);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)c;
  struct req *r = *req_cls;
  if (r && srv.log)
    log_request(r, toe);
  req_free(r);
  *req_cls = NULL;
}

/* ---- main ---- */

static void usage(void)
{
  fprintf(stderr,
          "usage: gcs_test_server --port N --port-file FILE [--auth] [--token-lifetime S]\n"
          "                       [--jwt-pubkey PEM] [--refresh-token T] [--session-ttl S]\n"
          "                       [--project ID] [--log FILE]\n");
}

static int write_port_file(const char *path, unsigned port)
{
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  fprintf(f, "%u\n", port);
  if (fclose(f) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

static int parse_seconds(const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = s ? strtod(s, &end) : 0;
  if (!s || errno || *end || v <= 0 || v > 1e9)
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv)
{
  const char *port_file = NULL, *pubkey = NULL, *log_path = NULL, *refresh = NULL;
  double token_lifetime = 3600, session_ttl = 3600;
  long port = -1;
  int rc = 1;
  struct MHD_Daemon *d = NULL;
  char msg[AUTH_MSG];
  srv.project = "mlac-test-project";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--auth")) {
      srv.auth_required = true;
      continue;
    }
    if (!v) {
      usage();
      return 2;
    }
    i++;
    if (!strcmp(a, "--port")) {
      char *end;
      port = strtol(v, &end, 10);
      if (*end || port < 0 || port > 65535) {
        fprintf(stderr, "gcs_test_server: --port '%s' is not a port number\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--port-file")) {
      port_file = v;
    } else if (!strcmp(a, "--jwt-pubkey")) {
      pubkey = v;
    } else if (!strcmp(a, "--log")) {
      log_path = v;
    } else if (!strcmp(a, "--refresh-token")) {
      refresh = v;
    } else if (!strcmp(a, "--project")) {
      srv.project = v;
    } else if (!strcmp(a, "--token-lifetime") || !strcmp(a, "--session-ttl")) {
      double *dst = a[2] == 't' ? &token_lifetime : &session_ttl;
      if (parse_seconds(v, dst) != 0) {
        fprintf(stderr, "gcs_test_server: %s '%s' is not a positive number of seconds\n", a, v);
        return 2;
      }
    } else {
      usage();
      return 2;
    }
  }
  if (port < 0 || !port_file) {
    usage();
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread inherits the mask; main sigwaits */
  pthread_mutex_init(&srv.log_mu, NULL);
  if (log_path && !(srv.log = fopen(log_path, "a"))) {
    fprintf(stderr, "gcs_test_server: %s: %s\n", log_path, strerror(errno));
    goto out;
  }
  if (auth_new(&srv.auth, pubkey, token_lifetime, refresh, msg) != 0) {
    fprintf(stderr, "gcs_test_server: --jwt-pubkey %s\n", msg);
    goto out;
  }
  srv.store = store_new(session_ttl);
  srv.faults = faults_new();
  if (!srv.store || !srv.faults) {
    fprintf(stderr, "gcs_test_server: out of memory\n");
    goto out;
  }
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                           MHD_USE_AUTO,
                       0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                       MHD_OPTION_URI_LOG_CALLBACK, uri_logger, NULL, MHD_OPTION_NOTIFY_COMPLETED,
                       on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                       MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)256 * 1024, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "gcs_test_server: cannot listen on 127.0.0.1:%ld\n", port);
    goto out;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned bound = di ? di->port : (unsigned)port;
  char base[64];
  snprintf(base, sizeof base, "http://127.0.0.1:%u", bound);
  store_set_base_url(srv.store, base);
  snprintf(srv.token_url, sizeof srv.token_url, "%s/token", base);
  if (write_port_file(port_file, bound) != 0) {
    fprintf(stderr, "gcs_test_server: %s: cannot write the port file\n", port_file);
    goto out;
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  rc = 0;
out:
  if (d)
    MHD_stop_daemon(d);
  store_free(srv.store);
  faults_free(srv.faults);
  auth_free(srv.auth);
  if (srv.log)
    fclose(srv.log);
  pthread_mutex_destroy(&srv.log_mu);
  return rc;
}
