/* submit.h — a submitted spec (JSON, the YAML spec's fields) as a configuration and a spec.
 *
 * The service stores the spec as the JSON of the keys the client set plus the resolved data,
 * output_dir and cache_dir; a worker turns the same JSON back into a spec with
 * submit_spec_from_json, so what runs is exactly what was validated at submission.
 */
#ifndef MLAC_SERVE_SUBMIT_H
#define MLAC_SERVE_SUBMIT_H

#include <jansson.h>
#include "core/config.h"
#include "core/error.h"
#include "exp/spec.h"

/* Copies the spec fields of obj into cfg (source "file", origin "request body"). Keys in skip
 * (NULL-terminated) are ignored. *status: the HTTP status of a failure (422 unknown field or bad
 * value). */
int submit_config_from_json(const json_t *obj, const char *const *skip, config *cfg, int *status, mlac_err *err);
/* Spec from the stored JSON (defaults < JSON). On failure nothing is left to release. */
int submit_spec_from_json(const char *text, exp_spec *spec, mlac_err *err);
/* Depth of the deepest nesting of a JSON text ([ and { outside strings). */
int submit_json_depth(const char *text, size_t len);
/* A POST /v1/experiments body, parsed and checked before any path rule or dataset scan. */
typedef struct submit_request {
    json_t *spec;              /* the body without the meta keys (owned; submit_request_release) */
    char submission_id[129];   /* the client's, or a generated "auto-<hex>" */
    double scheduled_at;       /* epoch seconds; 0 = as soon as possible */
    long priority;
} submit_request;

/* Parses body (len bytes, not NUL-terminated): at most 64 levels deep, one JSON object without
 * duplicate keys, valid meta keys (submission_id, scheduled_at, priority), only spec fields
 * the API may set with values the configuration accepts. On failure *status is the HTTP
 * status (400 malformed, 422 a bad field, named in err) and nothing is left to release. This is
 * the service's parser of untrusted input: tests/serve/fuzz_submit.c fuzzes it. */
int submit_parse_body(const char *body, size_t len, submit_request *r, int *status, mlac_err *err);
void submit_request_release(submit_request *r);
/* RFC 3339 date-time ("2026-12-01T21:30:00Z", "+02:00" offsets, optional fraction) -> epoch s. */
int submit_parse_time(const char *text, double *out);

#endif
