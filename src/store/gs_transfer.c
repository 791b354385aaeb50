/* gs_transfer.c — the object requests of the gs:// back end: media GETs, metadata, listings,
 * deletes, and uploads (one request below the threshold; resumable sessions above it, sent in
 * chunks that are multiples of 256 KiB, with 308 + Range telling what the server persisted and
 * a status query — PUT with "Content-Range: bytes * /N" — after any failed chunk; a session the
 * server forgot (404/410) starts over, which is safe because uploads carry their precondition).
 * An upload without a precondition is sent once: its retry could overwrite a newer object.
 */
#include "store/gs_internal.h"
#include "store/gcs_objects.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gs_describe(const gs_impl *g, const char *name, char *out, size_t n)
{
    snprintf(out, n, "gs://%s/%s", g->bucket, name);
}

static int status_error(gs_impl *g, const gcs_response *rs, const char *name, mlac_err *err)
{
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    return gcs_http_status_error(rs, what, err);
}

int gs_get_media(gs_impl *g, const char *name, long long size_hint, buf *out, long long *generation, long *status,
                 char *checked_md5, mlac_err *err)
{
    if (checked_md5)
        checked_md5[0] = '\0';
    buf url;
    buf_init(&url, 0);
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    size_t start = out->len;
    gcs_response rs;
    gcs_response_init(&rs, 0);
    int rc = gcs_url_object(&url, g->endpoint, g->bucket, name, err);
    rc = rc ? rc : gcs_url_param(&url, "alt", "media", err);
    if (!rc && size_hint >= 0 && (unsigned long long)size_hint < STORE_MAX_OBJECT) {
        mlac_err ignore = {0}; /* only a hint: the body grows as it arrives if this fails */
        buf_reserve(out, (size_t)size_hint, &ignore);
    }
    /* the caller's buffer is the response body: the bytes land where they are wanted */
    buf_release(&rs.body);
    rs.body = *out;
    rs.body_base = start;
    gcs_request rq = {.method = "GET", .url = url.data, .what = what, .idempotent = 1, .resume_download = 1,
                      .auth = g->auth};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    *out = rs.body; /* given back (it may have moved) */
    if (rc)
        goto out;
    *status = rs.status;
    *generation = rs.generation;
    if (rs.status == 404)
        goto out;
    if (rs.status != 200 && !(rs.status == 206 && rs.attempts > 1)) { /* 206: a resumed download */
        rc = status_error(g, &rs, name, err);
        goto out;
    }
    *status = 200;
    if (rs.md5[0]) {
        char md5[32];
        download_cache_md5_b64(out->data ? out->data + start : "", out->len - start, md5);
        if (strcmp(md5, rs.md5))
            rc = mlac_errf(err, MLAC_EIO, "%s: the downloaded bytes do not match the object's MD5", what);
        else if (checked_md5)
            memcpy(checked_md5, md5, sizeof md5);
    }
    if (!rc) {
        buf_release(&url);
        return MLAC_OK;
    }
out:
    out->len = start; /* an error body or half a download is not the caller's */
    if (out->data)
        out->data[start] = '\0';
    buf_release(&url);
    return rc;
}

int gs_get_range(gs_impl *g, const char *name, long long offset, size_t length, buf *out, mlac_err *err)
{
    buf url;
    buf_init(&url, 0);
    char what[1400], range[96];
    gs_describe(g, name, what, sizeof what);
    long long last = offset + (long long)length - 1;
    snprintf(range, sizeof range, "Range: bytes=%lld-%lld", offset, last);
    gcs_response rs;
    /* a server that ignores Range sends the whole object: room for it up to the store's limit */
    gcs_response_init(&rs, STORE_MAX_OBJECT);
    int rc = gcs_url_object(&url, g->endpoint, g->bucket, name, err);
    rc = rc ? rc : gcs_url_param(&url, "alt", "media", err);
    /* no resume_download: a cut attempt asks for the whole range again */
    gcs_request rq = {.method = "GET", .url = url.data, .what = what, .headers = {range + 7}, .idempotent = 1,
                      .auth = g->auth};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    if (rc)
        goto out;
    const char *body = rs.body.data ? rs.body.data : "";
    if (rs.status == 416) {
        rc = mlac_errf(err, MLAC_EINVAL, "%s: bytes %lld-%lld are past the end of the object (HTTP 416%s%s)", what,
                       offset, last, rs.content_range[0] ? ", Content-Range " : "", rs.content_range);
    } else if (rs.status == 206) {
        long long first = -1, end = -1;
        if (sscanf(rs.content_range, "bytes %lld-%lld", &first, &end) != 2 || first != offset)
            rc = mlac_errf(err, MLAC_EIO, "%s: asked for bytes %lld-%lld, the server answered Content-Range '%s'",
                           what, offset, last, rs.content_range);
        else if (rs.body.len != length || end != last)
            rc = mlac_errf(err, MLAC_EINVAL, "%s: bytes %lld-%lld reach past the end of the object (a short "
                           "answer: %zu bytes, Content-Range '%s')", what, offset, last, rs.body.len, rs.content_range);
        else
            rc = buf_append(out, body, length, err);
    } else if (rs.status == 200) { /* Range ignored: the whole object */
        if (rs.body.len < (size_t)offset + length)
            rc = mlac_errf(err, MLAC_EINVAL, "%s: bytes %lld-%lld are past the end of the object (%zu bytes)", what,
                           offset, last, rs.body.len);
        else
            rc = buf_append(out, body + offset, length, err);
    } else {
        rc = status_error(g, &rs, name, err);
    }
out:
    gcs_response_release(&rs);
    buf_release(&url);
    return rc;
}

int gs_fetch(gs_impl *g, const char *name, buf *out, mlac_err *err)
{
    gs_meta m;
    int known = gs_meta_get(g, name, &m);
    if (known && m.generation == 0) { /* seen absent by this store handle */
        char what[1400];
        gs_describe(g, name, what, sizeof what);
        return mlac_errf(err, MLAC_ENOTFOUND, "%s: no such object", what);
    }
    if (known && g->cache) {
        int found = 0;
        int rc = download_cache_get(g->cache, g->bucket, name, m.generation, m.size, m.md5, out, &found, err);
        if (rc || found)
            return rc;
    }
    long long gen = -1;
    long status = 0;
    size_t start = out->len;
    char checked[32];
    int rc = gs_get_media(g, name, known ? m.size : -1, out, &gen, &status, checked, err);
    if (rc)
        return rc;
    if (status == 404) {
        char what[1400];
        gs_describe(g, name, what, sizeof what);
        gs_meta_put(g, name, 0, -1, ""); /* absent */
        return mlac_errf(err, MLAC_ENOTFOUND, "%s: no such object", what);
    }
    if (gen > 0 && g->cache) {
        mlac_err ignore = {0}; /* a full or read-only cache folder only costs a later download */
        download_cache_put(g->cache, g->bucket, name, gen, out->data + start, out->len - start, checked, &ignore);
    }
    if (gen > 0 && (!known || m.generation != gen)) {
        char md5[32];
        if (checked[0])
            memcpy(md5, checked, sizeof md5);
        else
            download_cache_md5_b64(out->data + start, out->len - start, md5);
        gs_meta_put(g, name, gen, (long long)(out->len - start), md5);
    }
    return MLAC_OK;
}

int gs_stat(gs_impl *g, const char *name, gs_meta *meta, long *status, mlac_err *err)
{
    buf url;
    buf_init(&url, 0);
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    gcs_response rs;
    gcs_response_init(&rs, 0);
    int rc = gcs_url_object(&url, g->endpoint, g->bucket, name, err);
    gcs_request rq = {.method = "GET", .url = url.data, .what = what, .idempotent = 1, .auth = g->auth};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    if (!rc) {
        *status = rs.status;
        if (rs.status == 200) {
            gcs_object o;
            rc = gcs_object_parse(rs.body.data, rs.body.len, what, &o, err);
            if (!rc) {
                memset(meta, 0, sizeof *meta);
                meta->generation = o.generation;
                meta->size = o.size;
                snprintf(meta->md5, sizeof meta->md5, "%s", o.md5);
                gs_meta_put(g, name, o.generation, o.size, o.md5);
                gcs_object_release(&o);
            }
        } else if (rs.status == 404) {
            gs_meta_put(g, name, 0, -1, ""); /* absent */
        } else {
            rc = status_error(g, &rs, name, err);
        }
    }
    gcs_response_release(&rs);
    buf_release(&url);
    return rc;
}

int gs_delete(gs_impl *g, const char *name, long long if_gen, long *status, mlac_err *err)
{
    buf url;
    buf_init(&url, 0);
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    gcs_response rs;
    gcs_response_init(&rs, 0);
    int rc = gcs_url_object(&url, g->endpoint, g->bucket, name, err);
    if (!rc && if_gen >= 0)
        rc = gcs_url_param_ll(&url, "ifGenerationMatch", if_gen, err);
    gcs_request rq = {.method = "DELETE", .url = url.data, .what = what, .idempotent = if_gen >= 0, .auth = g->auth};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    if (!rc) {
        *status = rs.status;
        gs_meta_forget(g, name);
        if (rs.status != 200 && rs.status != 204 && rs.status != 404 && rs.status != 412)
            rc = status_error(g, &rs, name, err);
    }
    gcs_response_release(&rs);
    buf_release(&url);
    return rc;
}

int gs_list_all(gs_impl *g, const char *name_prefix, gs_list_fn fn, void *ctx, mlac_err *err)
{
    char *token = NULL;
    char what[1400];
    snprintf(what, sizeof what, "listing gs://%s/%s", g->bucket, name_prefix);
    int rc = MLAC_OK, pages = 0;
    do {
        buf url;
        buf_init(&url, 0);
        gcs_response rs;
        gcs_response_init(&rs, GCS_LIST_PAGE_MAX);
        rc = gcs_url_object(&url, g->endpoint, g->bucket, NULL, err);
        if (!rc && *name_prefix)
            rc = gcs_url_param(&url, "prefix", name_prefix, err);
        if (!rc && token)
            rc = gcs_url_param(&url, "pageToken", token, err);
        gcs_request rq = {.method = "GET", .url = url.data, .what = what, .idempotent = 1, .auth = g->auth};
        rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
        if (!rc && rs.status != 200)
            rc = gcs_http_status_error(&rs, what, err);
        gcs_list_page page;
        if (!rc)
            rc = gcs_list_page_parse(rs.body.data, rs.body.len, what, &page, err);
        free(token);
        token = NULL;
        if (!rc) {
            for (size_t i = 0; !rc && i < page.n_items; i++) {
                gcs_object *o = &page.items[i];
                gs_meta_put(g, o->name, o->generation, o->size, o->md5);
                rc = fn(ctx, o->name, o->generation, o->size, o->md5, err);
            }
            token = page.next_token;
            page.next_token = NULL;
            gcs_list_page_release(&page);
        }
        gcs_response_release(&rs);
        buf_release(&url);
        if (!rc && ++pages > 1000000)
            rc = mlac_errf(err, MLAC_EFORMAT, "%s: more than a million pages", what);
    } while (!rc && token);
    free(token);
    return rc;
}

/* ---- uploads ------------------------------------------------------------------------------- */

static int parse_uploaded(gs_impl *g, const gcs_response *rs, const char *name, size_t n, long long *generation,
                          mlac_err *err)
{
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    gcs_object o;
    int rc = gcs_object_parse(rs->body.data, rs->body.len, what, &o, err);
    if (rc)
        return rc;
    if (o.size != (long long)n)
        rc = mlac_errf(err, MLAC_EIO, "%s: the server stored %lld bytes of %zu", what, o.size, n);
    *generation = o.generation;
    gs_meta_put(g, name, o.generation, o.size, o.md5);
    gcs_object_release(&o);
    return rc;
}

static int upload_simple(gs_impl *g, const char *name, const void *data, size_t n, long long if_gen,
                         long long *generation, long *status, mlac_err *err)
{
    buf url;
    buf_init(&url, 0);
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    gcs_response rs;
    gcs_response_init(&rs, 0);
    int rc = gcs_url_upload(&url, g->endpoint, g->bucket, "media", name, err);
    if (!rc && if_gen >= 0)
        rc = gcs_url_param_ll(&url, "ifGenerationMatch", if_gen, err);
    gcs_request rq = {.method = "POST", .url = url.data, .what = what, .body = n ? data : "", .body_len = n,
                      .idempotent = if_gen >= 0, .auth = g->auth,
                      .headers = {"Content-Type: application/octet-stream"}};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    if (!rc) {
        *status = rs.status;
        if (rs.status == 200)
            rc = parse_uploaded(g, &rs, name, n, generation, err);
        else if (rs.status != 412)
            rc = status_error(g, &rs, name, err);
    }
    gcs_response_release(&rs);
    buf_release(&url);
    return rc;
}

/* Starts a resumable session; its URL into session. */
static int session_start(gs_impl *g, const char *name, size_t n, long long if_gen, buf *session, long *status,
                         mlac_err *err)
{
    buf url;
    buf_init(&url, 0);
    char what[1400], len_hdr[64];
    gs_describe(g, name, what, sizeof what);
    snprintf(len_hdr, sizeof len_hdr, "X-Upload-Content-Length: %zu", n);
    gcs_response rs;
    gcs_response_init(&rs, 0);
    int rc = gcs_url_upload(&url, g->endpoint, g->bucket, "resumable", name, err);
    if (!rc && if_gen >= 0)
        rc = gcs_url_param_ll(&url, "ifGenerationMatch", if_gen, err);
    /* starting a session changes nothing in the bucket: always safe to retry */
    gcs_request rq = {.method = "POST", .url = url.data, .what = what, .body = "{}", .body_len = 2,
                      .idempotent = 1, .auth = g->auth,
                      .headers = {"Content-Type: application/json; charset=UTF-8", len_hdr}};
    rc = rc ? rc : gcs_http_do(g->http, &rq, &rs, err);
    if (!rc) {
        *status = rs.status;
        if (rs.status == 200 && rs.location[0]) {
            session->len = 0;
            rc = buf_puts(session, rs.location, err);
        } else if (rs.status == 200) {
            rc = mlac_errf(err, MLAC_EIO, "%s: the resumable upload got no session Location", what);
        } else if (rs.status != 412) {
            rc = status_error(g, &rs, name, err);
        }
    }
    gcs_response_release(&rs);
    buf_release(&url);
    return rc;
}

/* Bytes the server holds, from a 308's "Range: bytes=0-K" (none: 0). */
static size_t persisted(const gcs_response *rs)
{
    const char *dash = strchr(rs->range, '-');
    return dash ? (size_t)strtoull(dash + 1, NULL, 10) + 1 : 0;
}

/* One PUT to the session: a chunk [off, off+len) or (data NULL) a status query. */
static int session_put(gs_impl *g, const char *session, const char *what, const char *data, size_t off,
                       size_t len, size_t total, int query, gcs_response *rs, mlac_err *err)
{
    char range[128];
    if (query || len == 0)
        snprintf(range, sizeof range, "Content-Range: bytes */%zu", total);
    else if (off + len == total)
        snprintf(range, sizeof range, "Content-Range: bytes %zu-%zu/%zu", off, off + len - 1, total);
    else
        snprintf(range, sizeof range, "Content-Range: bytes %zu-%zu/*", off, off + len - 1);
    gcs_request rq = {.method = "PUT", .url = session, .what = what, .body = query ? "" : data + off,
                      .body_len = query ? 0 : len, .idempotent = query, .auth = g->auth,
                      .headers = {range}};
    rs->body.len = 0;
    rs->range[0] = '\0';
    return gcs_http_do(g->http, &rq, rs, err);
}

static void sleep_for(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (s > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

static int upload_resumable(gs_impl *g, const char *name, const void *data, size_t n, long long if_gen,
                            long long *generation, long *status, mlac_err *err)
{
    char what[1400];
    gs_describe(g, name, what, sizeof what);
    buf session;
    buf_init(&session, 0);
    gcs_response rs;
    gcs_response_init(&rs, 0);
    gcs_retry retry;
    gcs_retry_begin(&retry, &g->retry_policy, time_now(), (unsigned long long)(time_wall() * 1e6));
    int rc = MLAC_OK, need_session = 1, restarts = 0;
    size_t off = 0;
    for (;;) {
        if (need_session) {
            rc = session_start(g, name, n, if_gen, &session, status, err);
            if (rc || *status == 412)
                break;
            need_session = 0;
            off = 0;
        }
        size_t len = n - off < g->chunk_size ? n - off : g->chunk_size;
        mlac_err cerr = {0};
        int crc = session_put(g, session.data, what, data, off, len, n, 0, &rs, &cerr);
        if (!crc && (rs.status == 200 || rs.status == 201)) {
            *status = 200;
            rc = parse_uploaded(g, &rs, name, n, generation, err);
            break;
        }
        if (!crc && rs.status == 308) {
            size_t have = persisted(&rs);
            if (have > n) {
                rc = mlac_errf(err, MLAC_EIO, "%s: the server claims %zu bytes of %zu", what, have, n);
                break;
            }
            int progressed = have > off;
            off = have;
            if (progressed)
                continue;
        }
        if (!crc && rs.status == 412) {
            *status = 412;
            break;
        }
        if (!crc && (rs.status == 404 || rs.status == 410)) { /* the session is gone: start over */
            if (++restarts > 5) {
                rc = status_error(g, &rs, name, err);
                break;
            }
            need_session = 1;
            continue;
        }
        if (!crc && rs.status != 308 && !gcs_retry_status_transient(rs.status)) {
            rc = status_error(g, &rs, name, err);
            break;
        }
        /* a transport failure, a transient status, or a 308 with no progress: wait, then ask
         * the session what it holds */
        double wait = 0;
        if (!gcs_retry_next(&retry, time_now(), &wait)) {
            rc = crc ? mlac_errf(err, cerr.code, "%s", cerr.msg) : status_error(g, &rs, name, err);
            break;
        }
        sleep_for(wait);
        rc = session_put(g, session.data, what, data, 0, 0, n, 1, &rs, err);
        if (rc)
            break;
        if (rs.status == 200 || rs.status == 201) {
            *status = 200;
            rc = parse_uploaded(g, &rs, name, n, generation, err);
            break;
        }
        if (rs.status == 308)
            off = persisted(&rs);
        else if (rs.status == 404 || rs.status == 410)
            need_session = ++restarts <= 5 ? 1 : (rc = status_error(g, &rs, name, err), 0);
        else if (rs.status == 412) {
            *status = 412;
            break;
        } else {
            rc = status_error(g, &rs, name, err);
        }
        if (rc)
            break;
    }
    gcs_response_release(&rs);
    buf_release(&session);
    return rc;
}

int gs_upload(gs_impl *g, const char *name, const void *data, size_t n, long long if_gen, long long *generation,
              long *status, mlac_err *err)
{
    *status = 0;
    *generation = -1;
    int rc = n < g->upload_threshold || n == 0 ? upload_simple(g, name, data, n, if_gen, generation, status, err)
                                               : upload_resumable(g, name, data, n, if_gen, generation, status, err);
    if (!rc && *status == 200 && *generation > 0 && g->cache) {
        /* what we wrote is what a later read of this generation returns: no need to download it */
        mlac_err ignore = {0};
        download_cache_put(g->cache, g->bucket, name, *generation, n ? data : "", n, NULL, &ignore);
    }
    return rc;
}
