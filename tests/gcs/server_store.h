/* server_store.h — the GCS test server's in-memory buckets, objects and resumable upload
 * sessions. One mutex guards everything; every call takes it, so a precondition is checked
 * and the write done in one step (two create-only writers can never both succeed). Object
 * bytes live in reference-counted blobs: a download in flight keeps its generation's bytes
 * alive while another request replaces the object. Calls return an HTTP status (200, 204,
 * 308, 400, 404, 409, 412, 499) and fill msg (a Google-style error message) when not 2xx. */
#ifndef MLAC_TESTS_GCS_SERVER_STORE_H
#define MLAC_TESTS_GCS_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gcs/server_util.h"

#define STORE_MSG 256
#define COMPOSE_MAX 32
#define CHUNK_QUANTUM 262144 /* middle chunks of a resumable upload are multiples of this */

struct blob {
  int refs; /* atomic */
  size_t size;
  unsigned char data[];
};
struct blob *blob_new(const void *p, size_t n); /* NULL when out of memory */
struct blob *blob_ref(struct blob *b);
void blob_unref(struct blob *b); /* accepts NULL */

/* The four precondition query parameters of Google's JSON API. */
struct precond {
  bool has_gm, has_gnm, has_mgm, has_mgnm;
  int64_t gm, gnm, mgm, mgnm;
};
/* Parses ifGenerationMatch & co. from a query; -1 (msg filled) when one is not a number. */
int precond_parse(struct precond *p, const struct query *q, char msg[STORE_MSG]);

struct store;
struct store *store_new(double session_ttl);
void store_free(struct store *s);
/* http://127.0.0.1:PORT, used for selfLink/mediaLink and session URIs. */
void store_set_base_url(struct store *s, const char *url);
const char *store_base_url(const struct store *s);
/* Live objects, their bytes, and every object ever made (a write that replaced one counts). */
void store_totals(struct store *s, size_t *objects, uint64_t *bytes, uint64_t *writes);

/* Reads: *data gets a reference (blob_unref it), *res a new object resource. generation 0 =
 * the live one. */
int store_get(struct store *s, const char *bucket, const char *name, int64_t generation,
              const struct precond *pre, struct blob **data, json_t **res, char msg[STORE_MSG]);
/* Writes: takes data (even on failure) and metadata (a JSON object or NULL; a new reference is
 * taken). */
int store_put(struct store *s, const char *bucket, const char *name, struct blob *data,
              const char *content_type, json_t *metadata, const struct precond *pre, json_t **res,
              char msg[STORE_MSG]);
int store_delete(struct store *s, const char *bucket, const char *name, int64_t generation,
                 const struct precond *pre, char msg[STORE_MSG]);
/* PATCH: contentType and metadata (merged; a null value removes a key); bumps metageneration. */
int store_patch(struct store *s, const char *bucket, const char *name, json_t *patch,
                const struct precond *pre, json_t **res, char msg[STORE_MSG]);
/* Concatenates sources (names[i], generation gens[i] or 0 for the live one) into dest;
 * if_gens[i] >= 0: the source's objectPreconditions.ifGenerationMatch (else 412). */
int store_compose(struct store *s, const char *bucket, const char *dest, char **names,
                  const int64_t *gens, const int64_t *if_gens, int n, const char *content_type,
                  json_t *metadata, const struct precond *pre, json_t **res, char msg[STORE_MSG]);

struct list_args {
  const char *prefix, *delimiter, *start_offset, *end_offset, *page_token;
  long max_results;
};
/* *res gets {"kind":"storage#objects","items":[..],"prefixes":[..],"nextPageToken":..}. */
int store_list(struct store *s, const char *bucket, const struct list_args *a, json_t **res,
               char msg[STORE_MSG]);

int store_bucket_create(struct store *s, const char *name, json_t **res, char msg[STORE_MSG]);
int store_bucket_get(struct store *s, const char *name, json_t **res, char msg[STORE_MSG]);
int store_bucket_list(struct store *s, json_t **res);

/* Resumable sessions. start: preconditions checked now (and again when it is finalised);
 * id gets the upload_id (41 bytes). */
int session_start(struct store *s, const char *bucket, const char *name, const char *content_type,
                  json_t *metadata, const struct precond *pre, char id[41], char msg[STORE_MSG]);
/* A PUT to a session. first/last: the Content-Range byte span (first = -1 for "bytes *"),
 * total: the object size or -1 for "*". Status 308 (*persisted = bytes held), 200 with *res
 * (finalised, or already finalised), 400, 404, 412. broken: the connection breaks after these
 * bytes: persist them but do not finalise. */
int session_put(struct store *s, const char *bucket, const char *id, int64_t first, int64_t last,
                int64_t total, const unsigned char *data, size_t len, bool broken,
                uint64_t *persisted, json_t **res, char msg[STORE_MSG]);
/* DELETE of a session URI: 499 when it was open, 404 when unknown. */
int session_cancel(struct store *s, const char *id, char msg[STORE_MSG]);
/* Forgets a session (fault injection); false when there was none. */
bool session_expire(struct store *s, const char *id);

#endif
