/* server_store.c — buckets (sorted arrays of objects, bytewise by name), objects (generation
 * unique and increasing across the whole server, starting from the start time in µs as
 * Google's do), listing with prefix/delimiter/offsets/page tokens, compose, and resumable
 * upload sessions (persisted bytes, 256 KiB chunk rule, overlap ignored, TTL). One mutex. */
#include "gcs/server_store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSIONS_MAX 4096

struct gobject {
  char *name;
  struct blob *data;
  int64_t generation, metageneration;
  char *content_type;
  bool has_md5; /* composite objects have no MD5 on GCS */
  char md5[32], crc32c[16];
  char created[40], updated[40];
  int component_count; /* 0: not a composite */
  json_t *metadata;    /* custom metadata object or NULL */
};

struct gbucket {
  char *name;
  char created[40];
  struct gobject **obj; /* sorted by name */
  size_t n, cap;
};

enum { SESSION_OPEN, SESSION_DONE };
struct session {
  char id[41];
  char *bucket, *name, *content_type;
  json_t *metadata;
  struct precond pre;
  struct gbuf data; /* persisted bytes */
  double created;
  int state;
  json_t *result; /* object resource once done */
};

struct store {
  pthread_mutex_t mu;
  struct gbucket **b;
  size_t nb, capb;
  int64_t last_gen;
  size_t objects;
  uint64_t bytes;
  uint64_t writes; /* objects made (upload, finalised session, compose) */
  struct session *sess[SESSIONS_MAX];
  size_t nsess;
  double session_ttl;
  char base_url[64];
};

static void fmt(char msg[STORE_MSG], const char *f, ...)
{
  va_list ap;
  va_start(ap, f);
  vsnprintf(msg, STORE_MSG, f, ap);
  va_end(ap);
}

struct blob *blob_new(const void *p, size_t n)
{
  struct blob *b = malloc(sizeof *b + n + 1);
  if (!b)
    return NULL;
  b->refs = 1;
  b->size = n;
  if (n)
    memcpy(b->data, p, n);
  return b;
}

struct blob *blob_ref(struct blob *b)
{
  __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
  return b;
}

void blob_unref(struct blob *b)
{
  if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
    free(b);
}

int precond_parse(struct precond *p, const struct query *q, char msg[STORE_MSG])
{
  static const char *names[4] = { "ifGenerationMatch", "ifGenerationNotMatch",
                                  "ifMetagenerationMatch", "ifMetagenerationNotMatch" };
  bool *has[4] = { &p->has_gm, &p->has_gnm, &p->has_mgm, &p->has_mgnm };
  int64_t *val[4] = { &p->gm, &p->gnm, &p->mgm, &p->mgnm };
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 4; i++) {
    const char *v = query_get(q, names[i]);
    if (!v)
      continue;
    if (parse_int64(v, val[i]) != 0 || *val[i] < 0) {
      fmt(msg, "Invalid argument for %s: '%s'", names[i], v);
      return -1;
    }
    *has[i] = true;
  }
  return 0;
}

/* 0 when the preconditions hold for o (NULL: no live object), else 412 with msg. */
static int precond_check(const struct precond *p, const struct gobject *o, char msg[STORE_MSG])
{
  if (!p)
    return 0;
  if (p->has_gm && (p->gm == 0 ? o != NULL : !o || o->generation != p->gm))
    goto fail;
  if (p->has_gnm && (p->gnm == 0 ? o == NULL : o && o->generation == p->gnm))
    goto fail;
  if (p->has_mgm && (!o || o->metageneration != p->mgm))
    goto fail;
  if (p->has_mgnm && o && o->metageneration == p->mgnm)
    goto fail;
  return 0;
fail:
  fmt(msg, "At least one of the pre-conditions you specified did not hold.");
  return 412;
}

struct store *store_new(double session_ttl)
{
  struct store *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  pthread_mutex_init(&s->mu, NULL);
  s->last_gen = (int64_t)(now_seconds() * 1e6);
  s->session_ttl = session_ttl;
  snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1");
  return s;
}

static void object_free(struct gobject *o)
{
  if (!o)
    return;
  free(o->name);
  blob_unref(o->data);
  free(o->content_type);
  json_decref(o->metadata);
  free(o);
}

static void session_free(struct session *x)
{
  if (!x)
    return;
  free(x->bucket);
  free(x->name);
  free(x->content_type);
  json_decref(x->metadata);
  json_decref(x->result);
  gbuf_release(&x->data);
  free(x);
}

void store_free(struct store *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nb; i++) {
    for (size_t j = 0; j < s->b[i]->n; j++)
      object_free(s->b[i]->obj[j]);
    free(s->b[i]->obj);
    free(s->b[i]->name);
    free(s->b[i]);
  }
  free(s->b);
  for (size_t i = 0; i < s->nsess; i++)
    session_free(s->sess[i]);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

void store_set_base_url(struct store *s, const char *url)
{
  snprintf(s->base_url, sizeof s->base_url, "%s", url);
}

const char *store_base_url(const struct store *s)
{
  return s->base_url;
}

void store_totals(struct store *s, size_t *objects, uint64_t *bytes, uint64_t *writes)
{
  pthread_mutex_lock(&s->mu);
  *objects = s->objects;
  *bytes = s->bytes;
  *writes = s->writes;
  pthread_mutex_unlock(&s->mu);
}

static struct gbucket *bucket_find(struct store *s, const char *name)
{
  for (size_t i = 0; i < s->nb; i++)
    if (strcmp(s->b[i]->name, name) == 0)
      return s->b[i];
  return NULL;
}

static struct gbucket *bucket_add(struct store *s, const char *name)
{
  if (s->nb == s->capb) {
    size_t cap = s->capb ? 2 * s->capb : 8;
    struct gbucket **b = realloc(s->b, cap * sizeof *b);
    if (!b)
      return NULL;
    s->b = b;
    s->capb = cap;
  }
  struct gbucket *b = calloc(1, sizeof *b);
  if (!b || !(b->name = strdup(name))) {
    free(b);
    return NULL;
  }
  rfc3339_now(b->created);
  s->b[s->nb++] = b;
  return b;
}

/* Index of the first object whose name is >= name (or > name when after). */
static size_t lower_bound(const struct gbucket *b, const char *name, bool after)
{
  size_t lo = 0, hi = b->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(b->obj[mid]->name, name);
    if (c < 0 || (after && c == 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static struct gobject *object_find(struct store *s, const char *bucket, const char *name,
                                   size_t *index)
{
  struct gbucket *b = bucket_find(s, bucket);
  if (!b)
    return NULL;
  size_t i = lower_bound(b, name, false);
  if (index)
    *index = i;
  return i < b->n && strcmp(b->obj[i]->name, name) == 0 ? b->obj[i] : NULL;
}

static json_t *object_resource(const struct store *s, const char *bucket, const struct gobject *o)
{
  char gen[24], mgen[24], size[24], id[64];
  char *ename = pct_encode(o->name), *link = NULL, *media = NULL, *oid = NULL;
  json_t *r = NULL;
  if (!ename)
    return NULL;
  snprintf(gen, sizeof gen, "%lld", (long long)o->generation);
  snprintf(mgen, sizeof mgen, "%lld", (long long)o->metageneration);
  snprintf(size, sizeof size, "%zu", o->data->size);
  snprintf(id, sizeof id, "CL%lld", (long long)o->generation);
  if (asprintf(&link, "%s/storage/v1/b/%s/o/%s", s->base_url, bucket, ename) < 0)
    link = NULL;
  if (asprintf(&media, "%s/download/storage/v1/b/%s/o/%s?generation=%s&alt=media", s->base_url,
               bucket, ename, gen) < 0)
    media = NULL;
  if (asprintf(&oid, "%s/%s/%s", bucket, o->name, gen) < 0)
    oid = NULL;
  if (!link || !media || !oid)
    goto out;
  r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                "kind", "storage#object", "id", oid, "selfLink", link, "mediaLink", media,
                "name", o->name, "bucket", bucket, "generation", gen, "metageneration", mgen,
                "contentType", o->content_type, "storageClass", "STANDARD", "size", size,
                "crc32c", o->crc32c, "etag", id, "timeCreated", o->created, "updated", o->updated);
  if (!r)
    goto out;
  json_object_set_new(r, "timeStorageClassUpdated", json_string(o->created));
  if (o->has_md5)
    json_object_set_new(r, "md5Hash", json_string(o->md5));
  if (o->component_count)
    json_object_set_new(r, "componentCount", json_integer(o->component_count));
  if (o->metadata)
    json_object_set(r, "metadata", o->metadata);
out:
  free(ename);
  free(link);
  free(media);
  free(oid);
  return r;
}

int store_get(struct store *s, const char *bucket, const char *name, int64_t generation,
              const struct precond *pre, struct blob **data, json_t **res, char msg[STORE_MSG])
{
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  struct gobject *o = object_find(s, bucket, name, NULL);
  if (!o || (generation && o->generation != generation)) {
    fmt(msg, "No such object: %s/%s", bucket, name);
    rc = 404;
    goto out;
  }
  if ((rc = precond_check(pre, o, msg)) != 0)
    goto out;
  if (res && !(*res = object_resource(s, bucket, o))) {
    fmt(msg, "out of memory");
    rc = 500;
    goto out;
  }
  if (data)
    *data = blob_ref(o->data);
out:
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* With the lock held: replaces or inserts o into bucket (created if needed). Takes o. */
static int object_install(struct store *s, const char *bucket, struct gobject *o,
                          const struct precond *pre, json_t **res, char msg[STORE_MSG])
{
  size_t i = 0;
  int rc;
  struct gbucket *b = bucket_find(s, bucket);
  if (!b && !(b = bucket_add(s, bucket))) {
    object_free(o);
    fmt(msg, "out of memory");
    return 500;
  }
  struct gobject *old = object_find(s, bucket, o->name, &i);
  if ((rc = precond_check(pre, old, msg)) != 0) {
    object_free(o);
    return rc;
  }
  int64_t now = (int64_t)(now_seconds() * 1e6);
  o->generation = now > s->last_gen ? now : s->last_gen + 1;
  s->last_gen = o->generation;
  o->metageneration = 1;
  rfc3339_now(o->updated);
  memcpy(o->created, o->updated, sizeof o->created);
  if (res && !(*res = object_resource(s, bucket, o))) {
    object_free(o);
    fmt(msg, "out of memory");
    return 500;
  }
  if (old) {
    s->bytes -= old->data->size;
    object_free(old);
    b->obj[i] = o;
  } else {
    if (b->n == b->cap) {
      size_t cap = b->cap ? 2 * b->cap : 16;
      struct gobject **p = realloc(b->obj, cap * sizeof *p);
      if (!p) {
        if (res)
          json_decref(*res);
        object_free(o);
        fmt(msg, "out of memory");
        return 500;
      }
      b->obj = p;
      b->cap = cap;
    }
    memmove(b->obj + i + 1, b->obj + i, (b->n - i) * sizeof *b->obj);
    b->obj[i] = o;
    b->n++;
    s->objects++;
  }
  s->bytes += o->data->size;
  s->writes++;
  return 0;
}

static struct gobject *object_new(const char *name, struct blob *data, const char *content_type,
                                  json_t *metadata, bool with_md5)
{
  struct gobject *o = calloc(1, sizeof *o);
  if (!o) {
    blob_unref(data);
    return NULL;
  }
  o->data = data;
  o->name = strdup(name);
  o->content_type = strdup(content_type && *content_type ? content_type : "application/octet-stream");
  if (!o->name || !o->content_type) {
    object_free(o);
    return NULL;
  }
  if (metadata && json_is_object(metadata))
    o->metadata = json_incref(metadata);
  hash_crc32c_b64(data->data, data->size, o->crc32c);
  if (with_md5) {
    hash_md5_b64(data->data, data->size, o->md5);
    o->has_md5 = true;
  }
  return o;
}

int store_put(struct store *s, const char *bucket, const char *name, struct blob *data,
              const char *content_type, json_t *metadata, const struct precond *pre, json_t **res,
              char msg[STORE_MSG])
{
  struct gobject *o = object_new(name, data, content_type, metadata, true);
  if (!o) {
    fmt(msg, "out of memory");
    return 500;
  }
  pthread_mutex_lock(&s->mu);
  int rc = object_install(s, bucket, o, pre, res, msg);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int store_delete(struct store *s, const char *bucket, const char *name, int64_t generation,
                 const struct precond *pre, char msg[STORE_MSG])
{
  size_t i;
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  struct gobject *o = object_find(s, bucket, name, &i);
  if (!o || (generation && o->generation != generation)) {
    fmt(msg, "No such object: %s/%s", bucket, name);
    rc = 404;
    goto out;
  }
  if ((rc = precond_check(pre, o, msg)) != 0)
    goto out;
  struct gbucket *b = bucket_find(s, bucket);
  memmove(b->obj + i, b->obj + i + 1, (b->n - i - 1) * sizeof *b->obj);
  b->n--;
  s->objects--;
  s->bytes -= o->data->size;
  object_free(o);
out:
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int store_patch(struct store *s, const char *bucket, const char *name, json_t *patch,
                const struct precond *pre, json_t **res, char msg[STORE_MSG])
{
  int rc = 0;
  json_t *md = json_object_get(patch, "metadata");
  json_t *ct = json_object_get(patch, "contentType");
  if ((md && !json_is_object(md) && !json_is_null(md)) || (ct && !json_is_string(ct))) {
    fmt(msg, "Invalid value for field 'metadata' or 'contentType'");
    return 400;
  }
  pthread_mutex_lock(&s->mu);
  struct gobject *o = object_find(s, bucket, name, NULL);
  if (!o) {
    fmt(msg, "No such object: %s/%s", bucket, name);
    rc = 404;
    goto out;
  }
  if ((rc = precond_check(pre, o, msg)) != 0)
    goto out;
  if (ct) {
    char *c = strdup(json_string_value(ct));
    if (c) {
      free(o->content_type);
      o->content_type = c;
    }
  }
  if (json_is_null(md)) {
    json_decref(o->metadata);
    o->metadata = NULL;
  } else if (md) {
    const char *k;
    json_t *v;
    if (!o->metadata)
      o->metadata = json_object();
    json_object_foreach(md, k, v) {
      if (json_is_null(v))
        json_object_del(o->metadata, k);
      else
        json_object_set(o->metadata, k, v);
    }
  }
  o->metageneration++;
  rfc3339_now(o->updated);
  *res = object_resource(s, bucket, o);
out:
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int store_compose(struct store *s, const char *bucket, const char *dest, char **names,
                  const int64_t *gens, const int64_t *if_gens, int n, const char *content_type,
                  json_t *metadata, const struct precond *pre, json_t **res, char msg[STORE_MSG])
{
  int rc = 0, components = 0;
  struct gbuf cat;
  gbuf_init(&cat, (size_t)1 << 40);
  if (n < 1 || n > COMPOSE_MAX) {
    fmt(msg, "The number of source components provided (%d) is not between 1 and %d", n,
        COMPOSE_MAX);
    return 400;
  }
  pthread_mutex_lock(&s->mu);
  for (int i = 0; i < n; i++) {
    struct gobject *o = object_find(s, bucket, names[i], NULL);
    if (!o || (gens[i] && o->generation != gens[i])) {
      fmt(msg, "No such object: %s/%s", bucket, names[i]);
      rc = 404;
      goto out;
    }
    if (if_gens[i] >= 0 && o->generation != if_gens[i]) {
      fmt(msg, "At least one of the pre-conditions you specified did not hold (source %s).",
          names[i]);
      rc = 412;
      goto out;
    }
    if (gbuf_append(&cat, o->data->data, o->data->size) != 0) {
      fmt(msg, "out of memory");
      rc = 500;
      goto out;
    }
    components += o->component_count ? o->component_count : 1;
  }
  struct blob *b = blob_new(cat.data, cat.len);
  struct gobject *o = b ? object_new(dest, b, content_type, metadata, false) : NULL;
  if (!o) {
    fmt(msg, "out of memory");
    rc = 500;
    goto out;
  }
  o->component_count = components;
  rc = object_install(s, bucket, o, pre, res, msg);
out:
  pthread_mutex_unlock(&s->mu);
  gbuf_release(&cat);
  return rc;
}

/* Page tokens are base64url of "i<name>" (last item returned) or "p<prefix>" (last prefix). */
static char *token_make(char kind, const char *entry)
{
  size_t n = strlen(entry);
  char *raw = malloc(n + 2), *t;
  if (!raw)
    return NULL;
  raw[0] = kind;
  memcpy(raw + 1, entry, n + 1);
  t = b64url_encode(raw, n + 1);
  free(raw);
  return t;
}

int store_list(struct store *s, const char *bucket, const struct list_args *a, json_t **res,
               char msg[STORE_MSG])
{
  const char *prefix = a->prefix ? a->prefix : "";
  const char *delim = a->delimiter && *a->delimiter ? a->delimiter : NULL;
  size_t plen = strlen(prefix), start = 0, emitted = 0;
  unsigned char *tok = NULL;
  char *skip_prefix = NULL, *last_prefix = NULL;
  int rc = 0;
  json_t *items = json_array(), *prefixes = json_array();
  *res = NULL;
  pthread_mutex_lock(&s->mu);
  struct gbucket *b = bucket_find(s, bucket);
  if (a->page_token && *a->page_token) {
    size_t tl = 0;
    tok = b64url_decode(a->page_token, strlen(a->page_token), &tl);
    if (!tok || tl < 1 || (tok[0] != 'i' && tok[0] != 'p') || strlen((char *)tok) != tl) {
      fmt(msg, "Invalid value for pageToken: '%s'", a->page_token);
      rc = 400;
      goto out;
    }
    if (b)
      start = lower_bound(b, (char *)tok + 1, true);
    if (tok[0] == 'p')
      skip_prefix = (char *)tok + 1;
  }
  if (b && a->start_offset && *a->start_offset) {
    size_t so = lower_bound(b, a->start_offset, false);
    if (so > start)
      start = so;
  }
  if (b && plen) {
    size_t po = lower_bound(b, prefix, false);
    if (po > start)
      start = po;
  }
  for (size_t i = start; b && i < b->n; i++) {
    const struct gobject *o = b->obj[i];
    if (strncmp(o->name, prefix, plen) != 0)
      break; /* sorted: nothing after this has the prefix */
    if (a->end_offset && *a->end_offset && strcmp(o->name, a->end_offset) >= 0)
      break;
    if (skip_prefix && strncmp(o->name, skip_prefix, strlen(skip_prefix)) == 0)
      continue;
    const char *d = delim ? strstr(o->name + plen, delim) : NULL;
    if (d) {
      size_t len = (size_t)(d - o->name) + strlen(delim);
      if (last_prefix && strlen(last_prefix) == len && strncmp(last_prefix, o->name, len) == 0)
        continue;
      if (emitted == (size_t)a->max_results)
        goto more;
      free(last_prefix);
      last_prefix = strndup(o->name, len);
      json_array_append_new(prefixes, json_string(last_prefix));
      emitted++;
      continue;
    }
    if (emitted == (size_t)a->max_results)
      goto more;
    json_array_append_new(items, object_resource(s, bucket, o));
    emitted++;
    continue;
  more:;
    /* one more entry exists: the token resumes after the last one returned */
    size_t last_items = json_array_size(items), last_pfx = json_array_size(prefixes);
    const char *li = last_items ? json_string_value(json_object_get(json_array_get(items, last_items - 1), "name")) : NULL;
    const char *lp = last_pfx ? json_string_value(json_array_get(prefixes, last_pfx - 1)) : NULL;
    char *t = (lp && (!li || strcmp(lp, li) > 0)) ? token_make('p', lp) : token_make('i', li ? li : "");
    *res = json_pack("{s:s, s:o, s:o, s:s}", "kind", "storage#objects", "items", items,
                     "prefixes", prefixes, "nextPageToken", t ? t : "");
    free(t);
    items = prefixes = NULL;
    goto out;
  }
  *res = json_pack("{s:s, s:o, s:o}", "kind", "storage#objects", "items", items, "prefixes",
                   prefixes);
  items = prefixes = NULL;
out:
  pthread_mutex_unlock(&s->mu);
  if (*res) {
    /* Google leaves out empty arrays */
    if (json_array_size(json_object_get(*res, "items")) == 0)
      json_object_del(*res, "items");
    if (json_array_size(json_object_get(*res, "prefixes")) == 0)
      json_object_del(*res, "prefixes");
  } else if (!rc) {
    fmt(msg, "out of memory");
    rc = 500;
  }
  json_decref(items);
  json_decref(prefixes);
  free(tok);
  free(last_prefix);
  return rc;
}

static json_t *bucket_resource(const struct gbucket *b)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "storage#bucket", "id", b->name,
                   "name", b->name, "location", "US", "storageClass", "STANDARD", "timeCreated",
                   b->created, "metageneration", "1");
}

int store_bucket_create(struct store *s, const char *name, json_t **res, char msg[STORE_MSG])
{
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  struct gbucket *b = bucket_find(s, name);
  if (b) {
    fmt(msg, "Your previous request to create the named bucket succeeded and you already own it.");
    rc = 409;
  } else if (!(b = bucket_add(s, name))) {
    fmt(msg, "out of memory");
    rc = 500;
  } else {
    *res = bucket_resource(b);
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int store_bucket_get(struct store *s, const char *name, json_t **res, char msg[STORE_MSG])
{
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  struct gbucket *b = bucket_find(s, name);
  if (!b) {
    fmt(msg, "The specified bucket does not exist.");
    rc = 404;
  } else {
    *res = bucket_resource(b);
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int store_bucket_list(struct store *s, json_t **res)
{
  json_t *items = json_array();
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->nb; i++)
    json_array_append_new(items, bucket_resource(s->b[i]));
  pthread_mutex_unlock(&s->mu);
  *res = json_pack("{s:s, s:o}", "kind", "storage#buckets", "items", items);
  return 0;
}

/* With the lock held: the live session with this id (expired ones are dropped), or NULL. */
static struct session *session_find(struct store *s, const char *id, size_t *index)
{
  double now = now_seconds();
  for (size_t i = 0; i < s->nsess; i++) {
    struct session *x = s->sess[i];
    if (now - x->created > s->session_ttl) {
      session_free(x);
      s->sess[i--] = s->sess[--s->nsess];
      continue;
    }
    if (strcmp(x->id, id) == 0) {
      if (index)
        *index = i;
      return x;
    }
  }
  return NULL;
}

static void session_drop(struct store *s, size_t i)
{
  session_free(s->sess[i]);
  s->sess[i] = s->sess[--s->nsess];
}

int session_start(struct store *s, const char *bucket, const char *name, const char *content_type,
                  json_t *metadata, const struct precond *pre, char id[41], char msg[STORE_MSG])
{
  int rc = 0;
  struct session *x = calloc(1, sizeof *x);
  if (!x) {
    fmt(msg, "out of memory");
    return 500;
  }
  random_hex(x->id, 20);
  x->bucket = strdup(bucket);
  x->name = strdup(name);
  x->content_type = strdup(content_type && *content_type ? content_type : "application/octet-stream");
  x->metadata = metadata && json_is_object(metadata) ? json_incref(metadata) : NULL;
  x->pre = pre ? *pre : (struct precond){ 0 };
  x->created = now_seconds();
  gbuf_init(&x->data, (size_t)1 << 40);
  if (!x->bucket || !x->name || !x->content_type) {
    session_free(x);
    fmt(msg, "out of memory");
    return 500;
  }
  pthread_mutex_lock(&s->mu);
  session_find(s, "", NULL); /* drops expired sessions */
  if ((rc = precond_check(pre, object_find(s, bucket, name, NULL), msg)) != 0) {
    session_free(x);
  } else if (s->nsess == SESSIONS_MAX) {
    session_free(x);
    fmt(msg, "too many open upload sessions (%d)", SESSIONS_MAX);
    rc = 429;
  } else {
    memcpy(id, x->id, 41);
    s->sess[s->nsess++] = x;
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* With the lock held: makes the object from a complete session. */
static int session_finish(struct store *s, size_t i, json_t **res, char msg[STORE_MSG])
{
  struct session *x = s->sess[i];
  struct blob *b = blob_new(x->data.data, x->data.len);
  struct gobject *o = b ? object_new(x->name, b, x->content_type, x->metadata, true) : NULL;
  json_t *r = NULL;
  if (!o) {
    fmt(msg, "out of memory");
    return 500;
  }
  int rc = object_install(s, x->bucket, o, &x->pre, &r, msg);
  if (rc == 412) {
    session_drop(s, i); /* the upload failed for good */
    return rc;
  }
  if (rc)
    return rc;
  x->state = SESSION_DONE;
  x->result = r;
  gbuf_release(&x->data);
  *res = json_incref(r);
  return 0;
}

int session_put(struct store *s, const char *bucket, const char *id, int64_t first, int64_t last,
                int64_t total, const unsigned char *data, size_t len, bool broken,
                uint64_t *persisted, json_t **res, char msg[STORE_MSG])
{
  size_t i;
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  struct session *x = session_find(s, id, &i);
  if (!x || strcmp(x->bucket, bucket) != 0) {
    fmt(msg, "No such upload session: %s", id);
    rc = 404;
    goto out;
  }
  if (x->state == SESSION_DONE) {
    *res = json_incref(x->result);
    rc = 200;
    goto out;
  }
  uint64_t have = x->data.len;
  if (first < 0) { /* no byte span: a status query, or (total = bytes persisted) the finalising request */
    if (len) {
      fmt(msg, "Content-Range 'bytes */...' must come with an empty body");
      rc = 400;
    } else if (total >= 0 && (uint64_t)total == have) {
      rc = session_finish(s, i, res, msg);
      rc = rc ? rc : 200;
    } else if (total >= 0 && (uint64_t)total < have) {
      fmt(msg, "Upload size %lld is smaller than the %llu bytes already persisted",
          (long long)total, (unsigned long long)have);
      rc = 400;
    } else {
      *persisted = have;
      rc = 308;
    }
    goto out;
  }
  if (last < first || (uint64_t)(last - first + 1) != len) {
    fmt(msg, "Content-Range bytes %lld-%lld does not match the %zu bytes sent", (long long)first,
        (long long)last, len);
    rc = 400;
    goto out;
  }
  if (total < 0 && len % CHUNK_QUANTUM != 0) {
    fmt(msg, "Invalid request. The number of bytes uploaded is required to be equal or greater "
             "than 262144, except for the final request (it's recommended to be the exact "
             "multiple of 262144). The received request contained %zu bytes, which does not "
             "meet this requirement.",
        len);
    rc = 400;
    goto out;
  }
  if (total >= 0 && last != total - 1) {
    fmt(msg, "Content-Range bytes %lld-%lld/%lld: the last byte is not the end of the object",
        (long long)first, (long long)last, (long long)total);
    rc = 400;
    goto out;
  }
  if ((uint64_t)first > have) {
    fmt(msg, "Content-Range starts at byte %lld but only %llu bytes are persisted",
        (long long)first, (unsigned long long)have);
    rc = 400;
    goto out;
  }
  size_t skip = (size_t)(have - (uint64_t)first); /* overlap with persisted bytes: ignored */
  if (skip < len && gbuf_append(&x->data, data + skip, len - skip) != 0) {
    fmt(msg, "out of memory");
    rc = 500;
    goto out;
  }
  if (total >= 0 && !broken) {
    rc = session_finish(s, i, res, msg);
    rc = rc ? rc : 200;
    goto out;
  }
  *persisted = x->data.len;
  rc = 308;
out:
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int session_cancel(struct store *s, const char *id, char msg[STORE_MSG])
{
  size_t i;
  int rc = 404;
  pthread_mutex_lock(&s->mu);
  if (session_find(s, id, &i)) {
    session_drop(s, i);
    fmt(msg, "Upload session %s cancelled", id);
    rc = 499;
  } else {
    fmt(msg, "No such upload session: %s", id);
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

bool session_expire(struct store *s, const char *id)
{
  size_t i;
  bool found = false;
  pthread_mutex_lock(&s->mu);
  if (session_find(s, id, &i)) {
    session_drop(s, i);
    found = true;
  }
  pthread_mutex_unlock(&s->mu);
  return found;
}
