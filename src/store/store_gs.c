/* store_gs.c — the gs:// back end of the store interface, on Google's JSON API.
 *
 * A root "gs://bucket/prefix" maps a store path p to the object "prefix/p". Reads are
 * alt=media GETs through the download cache (keyed by generation, which listings give for
 * free, so a second run over the same data downloads nothing); writes are uploads with a
 * precondition, so that every retry is idempotent: a write first assumes the object is new
 * (ifGenerationMatch=0) or at the generation this process last saw; a 412 makes it look at
 * the object — if it already holds these bytes (same MD5: our own earlier attempt landed), the
 * write is done, otherwise it retries with the generation it found.
 *
 * Append (the task ledger) on an object store. Objects cannot grow, and rewriting one object
 * per task would race between writers and lose lines to a kill mid-rewrite. Instead every
 * append creates its own part object "<path>.parts/<sha256 of the bytes>" with
 * ifGenerationMatch=0: a retried append finds its part already there (412 = done), two writers
 * never touch each other's parts, and a killed process loses only the appends in flight.
 * A read of the path (when no plain object of that name exists) returns the concatenation of
 * its parts in name order, exists is true when any part exists, and list shows the path once
 * instead of its parts. Part order is arbitrary (content hashes): the ledger keys its entries
 * by task id and sorts them itself. Parts are immutable, so they go through the download cache.
 *
 * The run lock is a lease object (gs_lock.c); prefetch downloads many objects at once into the
 * download cache (gs_prefetch.c). Test knobs (environment): MLAC_GCS_RETRY_INITIAL,
 * MLAC_GCS_RETRY_MAX, MLAC_GCS_STALL_TIMEOUT, MLAC_GCS_REQUEST_TIMEOUT, MLAC_GCS_UPLOAD_THRESHOLD,
 * MLAC_GCS_CHUNK_SIZE, MLAC_GCS_LOCK_LEASE; MLAC_GCS_CA_FILE (a PEM bundle to trust instead of the
 * system's: a TLS proxy or a test server with its own certificate).
 */
#include "store/gs_internal.h"
#include "core/hash.h"
#include "core/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- object names and the metadata table ------------------------------------------------- */

static int gs_object_name(gs_impl *g, const char *path, char *out, size_t n, mlac_err *err)
{
    if (snprintf(out, n, "%s%s%s", g->prefix, g->prefix[0] && path[0] ? "/" : "", path) >= (int)n)
        return mlac_errf(err, MLAC_EINVAL, "gs://%s/%s/%.80s...: the object name is too long", g->bucket, g->prefix,
                         path);
    int rc = gcs_object_check(out, err);
    return rc ? mlac_err_prefix(err, "gs://%s: ", g->bucket) : MLAC_OK;
}

static size_t meta_slot(const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h % GS_META_BUCKETS);
}

void gs_meta_put(gs_impl *g, const char *name, long long generation, long long size, const char *md5)
{
    size_t k = meta_slot(name);
    pthread_mutex_lock(&g->lock);
    gs_meta *m = g->meta[k];
    while (m && strcmp(m->name, name))
        m = m->next;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (m && !(m->name = strdup(name))) {
            free(m);
            m = NULL;
        }
        if (m) {
            m->next = g->meta[k];
            g->meta[k] = m;
        }
    }
    if (m) { /* an out-of-memory entry is simply not remembered */
        m->generation = generation;
        m->size = size;
        snprintf(m->md5, sizeof m->md5, "%s", md5 ? md5 : "");
    }
    pthread_mutex_unlock(&g->lock);
}

int gs_meta_get(gs_impl *g, const char *name, gs_meta *out)
{
    size_t k = meta_slot(name);
    pthread_mutex_lock(&g->lock);
    gs_meta *m = g->meta[k];
    while (m && strcmp(m->name, name))
        m = m->next;
    if (m) {
        *out = *m;
        out->name = NULL;
        out->next = NULL;
    }
    pthread_mutex_unlock(&g->lock);
    return m != NULL;
}

void gs_meta_forget(gs_impl *g, const char *name)
{
    size_t k = meta_slot(name);
    pthread_mutex_lock(&g->lock);
    for (gs_meta **pp = &g->meta[k]; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            gs_meta *m = *pp;
            *pp = m->next;
            free(m->name);
            free(m);
            break;
        }
    pthread_mutex_unlock(&g->lock);
}

static gs_impl *impl(store *s)
{
    return s->impl;
}

/* ---- list -------------------------------------------------------------------------------- */

struct list_ctx {
    gs_impl *g;
    size_t skip;  /* bytes of "prefix/" to drop from names */
    strlist *out;
};

static int list_one(void *ctx, const char *name, long long gen, long long size, const char *md5, mlac_err *err)
{
    (void)gen;
    (void)size;
    (void)md5;
    struct list_ctx *c = ctx;
    if (strlen(name) <= c->skip)
        return MLAC_OK;
    const char *rel = name + c->skip;
    size_t n = strlen(rel);
    const char *parts = strstr(rel, ".parts/");
    if (parts)
        n = (size_t)(parts - rel); /* an appended object: listed once, as its path */
    if (n == 0 || rel[n - 1] == '/')
        return MLAC_OK;            /* a "folder" placeholder */
    char path[GCS_OBJECT_MAX + 1];
    memcpy(path, rel, n);
    path[n] = '\0';
    if (c->out->n && !strcmp(c->out->items[c->out->n - 1], path))
        return MLAC_OK;
    return strlist_push(c->out, path, err);
}

static int gs_list(store *s, const char *prefix, strlist *out, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 2] = "";
    if (*prefix) {
        int rc = gs_object_name(g, prefix, name, sizeof name - 1, err);
        if (rc)
            return rc;
        strcat(name, "/");
    } else if (g->prefix[0]) {
        snprintf(name, sizeof name, "%s/", g->prefix);
    }
    strlist got;
    strlist_init(&got);
    struct list_ctx c = {g, g->prefix[0] ? strlen(g->prefix) + 1 : 0, &got};
    int rc = gs_list_all(g, name, list_one, &c, err);
    if (!rc && got.n == 0) {
        char where[1400];
        gs_describe(g, name, where, sizeof where);
        rc = mlac_errf(err, MLAC_ENOTFOUND, "'%s' holds no objects", where);
    }
    if (!rc) {
        strlist_sort(&got);
        for (size_t i = 0; !rc && i < got.n; i++)
            if (i == 0 || strcmp(got.items[i], got.items[i - 1]))
                rc = strlist_push(out, got.items[i], err);
    }
    strlist_release(&got);
    return rc;
}

/* ---- read, exists ------------------------------------------------------------------------ */

static int collect_part(void *ctx, const char *name, long long gen, long long size, const char *md5, mlac_err *err)
{
    (void)gen;
    (void)size;
    (void)md5;
    return strlist_push(ctx, name, err);
}

/* The parts of an appended object, in name order. */
static int list_parts(gs_impl *g, const char *name, strlist *parts, mlac_err *err)
{
    char pp[GCS_OBJECT_MAX + 16];
    if (snprintf(pp, sizeof pp, "%s.parts/", name) >= (int)sizeof pp)
        return MLAC_OK;
    int rc = gs_list_all(g, pp, collect_part, parts, err);
    if (!rc)
        strlist_sort(parts);
    return rc;
}

static int gs_read(store *s, const char *path, buf *out, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1];
    int rc = gs_object_name(g, path, name, sizeof name, err);
    if (rc)
        return rc;
    gs_prefetch_wait(g, name);
    rc = gs_fetch(g, name, out, err);
    if (rc != MLAC_ENOTFOUND)
        return rc;
    mlac_err not_found = *err;
    strlist parts;
    strlist_init(&parts);
    rc = list_parts(g, name, &parts, err);
    for (size_t i = 0; !rc && i < parts.n; i++)
        rc = gs_fetch(g, parts.items[i], out, err);
    if (!rc && parts.n == 0) {
        *err = not_found;
        rc = not_found.code;
    }
    strlist_release(&parts);
    return rc;
}

static int gs_read_range(store *s, const char *path, long long offset, size_t length, buf *out, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1];
    int rc = gs_object_name(g, path, name, sizeof name, err);
    if (rc)
        return rc;
    if (length > 0)
        return gs_get_range(g, name, offset, length, out, err);
    /* nothing to read, but the object (and the offset within it) must exist */
    gs_meta m;
    long status = 0;
    char where[1400];
    gs_describe(g, name, where, sizeof where);
    rc = gs_stat(g, name, &m, &status, err);
    if (!rc && status == 404)
        rc = mlac_errf(err, MLAC_ENOTFOUND, "%s: no such object", where);
    if (!rc && offset > m.size)
        rc = mlac_errf(err, MLAC_EINVAL, "%s: offset %lld is past the end of the object (%lld bytes)", where, offset,
                       m.size);
    return rc;
}

static int gs_exists(store *s, const char *path, int *exists, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1];
    *exists = 0;
    int rc = gs_object_name(g, path, name, sizeof name, err);
    gs_meta m;
    long status = 0;
    rc = rc ? rc : gs_stat(g, name, &m, &status, err);
    if (rc || status == 200) {
        *exists = status == 200;
        return rc;
    }
    strlist parts;
    strlist_init(&parts);
    rc = list_parts(g, name, &parts, err);
    *exists = parts.n > 0;
    strlist_release(&parts);
    return rc;
}

/* ---- write, append ----------------------------------------------------------------------- */

static int gs_write(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1], where[1400], md5[32];
    int rc = gs_object_name(g, path, name, sizeof name, err);
    if (rc)
        return rc;
    gs_describe(g, name, where, sizeof where);
    download_cache_md5_b64(n ? data : "", n, md5);
    gs_meta m;
    long long expect = gs_meta_get(g, name, &m) ? m.generation : 0;
    for (int round = 0; round < 8; round++) {
        long long gen;
        long status;
        rc = gs_upload(g, name, data, n, expect, &gen, &status, err);
        if (rc || status == 200)
            return rc;
        /* 412: someone (perhaps our own earlier attempt) wrote it since: look */
        rc = gs_stat(g, name, &m, &status, err);
        if (rc)
            return rc;
        if (status == 404) {
            expect = 0;
            continue;
        }
        if (m.size == (long long)n && m.md5[0] && !strcmp(m.md5, md5))
            return MLAC_OK; /* it already holds exactly these bytes */
        expect = m.generation;
    }
    return mlac_errf(err, MLAC_EIO, "%s: the object kept changing while it was written (8 attempts)", where);
}

static int gs_append(store *s, const char *path, const void *data, size_t n, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1], part[GCS_OBJECT_MAX + 80], hex[65];
    int rc = gs_object_name(g, path, name, sizeof name, err);
    if (rc)
        return rc;
    hash_sha256_hex(n ? data : "", n, hex);
    snprintf(part, sizeof part, "%s.parts/%s", name, hex);
    rc = gcs_object_check(part, err);
    if (rc)
        return mlac_err_prefix(err, "appending to gs://%s/%s: ", g->bucket, name);
    long long gen;
    long status;
    rc = gs_upload(g, part, data, n, 0, &gen, &status, err);
    return rc; /* 200: created; 412: this very part is already there (a retried append) */
}

/* ---- lock, prefetch, lifecycle ------------------------------------------------------------ */

static int gs_lock_op(store *s, const char *path, int *handle, mlac_err *err)
{
    gs_impl *g = impl(s);
    char name[GCS_OBJECT_MAX + 1];
    int rc = gs_object_name(g, path, name, sizeof name, err);
    return rc ? rc : gs_lock_acquire(g, name, handle, err);
}

static void gs_unlock_op(store *s, int handle)
{
    gs_lock_release(impl(s), handle);
}

static const char *gs_local_path(store *s, const char *path, char *tmp, size_t tmp_size)
{
    (void)s;
    (void)path;
    (void)tmp;
    (void)tmp_size;
    return NULL;
}

static void gs_prefetch_op(store *s, const char *const *paths, size_t n)
{
    gs_impl *g = impl(s);
    if (!g->cache)
        return; /* nothing to land the downloads in */
    char **names = calloc(n, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; names && i < n; i++) {
        char name[GCS_OBJECT_MAX + 1];
        mlac_err ignore = {0};
        if (!gs_object_name(g, paths[i], name, sizeof name, &ignore) && (names[k] = strdup(name)))
            k++;
    }
    if (names)
        gs_prefetch_start(g, (const char *const *)names, k);
    for (size_t i = 0; i < k; i++)
        free(names[i]);
    free(names);
}

static void gs_counters(store *s, store_counters *out)
{
    gcs_http_stats st;
    gcs_http_get_stats(impl(s)->http, &st);
    out->requests = st.requests;
    out->retries = st.retries;
    out->connects = st.connects;
    out->http2 = st.http2;
    out->bytes_down = st.bytes_down;
}

static void gs_free(store *s)
{
    gs_impl *g = impl(s);
    if (g) {
        gs_prefetch_free_all(g);
        if (g->http) {
            gcs_http_stats st;
            gcs_http_get_stats(g->http, &st);
            log_debug("closing '%s': %ld HTTP requests (%ld retries, %ld over HTTP/2) on %ld connections, %lld "
                      "bytes received", s->root, st.requests, st.retries, st.http2, st.connects, st.bytes_down);
        }
        for (int i = 0; i < GS_LOCKS_MAX; i++)
            if (g->locks[i])
                gs_lock_release(g, i);
        for (size_t k = 0; k < GS_META_BUCKETS; k++)
            for (gs_meta *m = g->meta[k], *next; m; m = next) {
                next = m->next;
                free(m->name);
                free(m);
            }
        download_cache_free(g->cache);
        gcs_auth_free(g->auth);
        gcs_http_free(g->http);
        pthread_mutex_destroy(&g->lock);
        pthread_mutex_destroy(&g->pf_lock);
        free(g);
    }
    free(s);
}

static const struct store_ops gs_ops = {
    .scheme = "gs",
    .list = gs_list,
    .read = gs_read,
    .write = gs_write,
    .append = gs_append,
    .exists = gs_exists,
    .lock = gs_lock_op,
    .unlock = gs_unlock_op,
    .local_path = gs_local_path,
    .free = gs_free,
    .prefetch = gs_prefetch_op,
    .read_range = gs_read_range,
    .counters = gs_counters,
};

static double env_double(const char *name, double def, double min, double max)
{
    const char *v = getenv(name);
    char *end;
    double d = v && *v ? strtod(v, &end) : def;
    if (v && *v && (*end || d < min || d > max)) {
        log_warn("ignoring %s='%s' (expected a number from %g to %g)", name, v, min, max);
        d = def;
    }
    return d;
}

int store_gs_open(const char *uri, store **out, mlac_err *err)
{
    *out = NULL;
    store *s = calloc(1, sizeof *s);
    gs_impl *g = calloc(1, sizeof *g);
    if (!s || !g) {
        free(s);
        free(g);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory opening '%s'", uri);
    }
    s->ops = &gs_ops;
    s->impl = g;
    pthread_mutex_init(&g->lock, NULL);
    pthread_mutex_init(&g->pf_lock, NULL);
    int rc = gcs_uri_parse(uri, g->bucket, g->prefix, sizeof g->prefix, err);
    if (rc)
        goto fail;
    snprintf(s->root, sizeof s->root, "gs://%s%s%s", g->bucket, g->prefix[0] ? "/" : "", g->prefix);
    store_settings_get(&g->set);
    gcs_http_settings hs;
    gcs_http_settings_default(&hs);
    hs.retry.deadline = g->set.retry_deadline;
    hs.retry.initial = env_double("MLAC_GCS_RETRY_INITIAL", hs.retry.initial, 0, 60);
    hs.retry.max_delay = env_double("MLAC_GCS_RETRY_MAX", hs.retry.max_delay, 0, 3600);
    hs.stall_timeout = (long)env_double("MLAC_GCS_STALL_TIMEOUT", (double)hs.stall_timeout, 1, 3600);
    hs.request_timeout = (long)env_double("MLAC_GCS_REQUEST_TIMEOUT", (double)hs.request_timeout, 0, 86400);
    const char *ca = getenv("MLAC_GCS_CA_FILE");
    if (ca && *ca)
        snprintf(hs.ca_file, sizeof hs.ca_file, "%s", ca);
    g->retry_policy = hs.retry;
    g->upload_threshold = (size_t)env_double("MLAC_GCS_UPLOAD_THRESHOLD", 8 << 20, 0, 1e12);
    size_t chunk = (size_t)env_double("MLAC_GCS_CHUNK_SIZE", 8 << 20, 1, 1e10);
    g->chunk_size = (chunk + (256u << 10) - 1) / (256u << 10) * (256u << 10); /* 256 KiB multiples */
    g->lock_lease = env_double("MLAC_GCS_LOCK_LEASE", 60, 1, 86400);
    rc = gcs_http_new(&hs, &g->http, err);
    rc = rc ? rc : gcs_auth_detect(g->http, &g->auth, g->endpoint, sizeof g->endpoint, err);
    if (rc) {
        mlac_err_prefix(err, "'%s': ", uri);
        goto fail;
    }
    if (g->set.download_cache_dir[0] && g->set.download_cache_max > 0) {
        mlac_err cerr = {0};
        if (download_cache_open(g->set.download_cache_dir, g->set.download_cache_max, &g->cache, &cerr))
            log_warn("gs:// reads go uncached: %s", cerr.msg);
    }
    log_debug("opened '%s' (%s, endpoint %s)", s->root, gcs_auth_describe(g->auth), g->endpoint);
    *out = s;
    return MLAC_OK;
fail:
    gs_free(s);
    return rc;
}
