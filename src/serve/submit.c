/* submit.c — POST /v1/experiments: body -> configuration -> spec -> validation -> queue row.
 *
 * Validation is the CLI's own: spec_from_config and spec_validate against the scanned dataset,
 * with their messages (which name the field). On top, the service's rules: only the fields in
 * `fields` below, data under --data-roots, results under --results, no embedder commands
 * (a remote client must not choose a program to run), bodies at most 64 levels deep. A labels CSV
 * (`labels`) must lie under --data-roots and so must every clip it names (checked before any clip
 * is read); without `data` its folder is the data root, as in run-experiment.
 * Idempotency: the hash of the resolved spec with its priority and time decides between
 * 200 (the same submission again) and 409 (the same submission id, another spec).
 */
#include "exp/settings.h"
#include "serve/submit.h"
#include "core/hash.h"
#include "core/timeutil.h"
#include "dataset/dataset.h"
#include "serve/serve_internal.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 64

/* The spec fields a request may set (configuration keys; '-' spellings are accepted too). */
static const char *const fields[] = {
    "models", "species", "training_sizes", "cv_folds", "repeats", "seed", "data", "output_dir", "run_id",
    "max_concurrent", "threads", "negatives", "clip_seconds", "sample_rate", "n_fft", "hop_length", "n_mels",
    "n_mfcc", "mel_scale", "image_size", "batch_size", "epochs", "width", "pretrained", "model_options",
    "embedder_birdnet", "embedder_perch", "embed_overlap", "embed_pooling", "embed_batch", "embed_timeout",
    "embed_head", "head_cv", "skip_unavailable", "cache_dir", "on_bad_clip", "labels", "positive_label",
    "negative_label", NULL};

static const char *const meta_keys[] = {"submission_id", "scheduled_at", "priority", NULL};

static int in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], key))
            return 1;
    return 0;
}

static void normalise(const char *key, char *out, size_t n)
{
    size_t i = 0;
    for (; key[i] && i + 1 < n; i++)
        out[i] = key[i] == '-' ? '_' : key[i];
    out[i] = '\0';
}

static int scalar_text(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        return snprintf(out, n, "%s", json_string_value(v)) >= (int)n ? -1 : 0;
    if (json_is_integer(v))
        return snprintf(out, n, "%lld", (long long)json_integer_value(v)) >= (int)n ? -1 : 0;
    if (json_is_real(v))
        return snprintf(out, n, "%.17g", json_real_value(v)) >= (int)n ? -1 : 0;
    if (json_is_boolean(v))
        return snprintf(out, n, "%s", json_is_true(v) ? "true" : "false") >= (int)n ? -1 : 0;
    return -1;
}

static int value_text(const char *key, const json_t *v, char *out, size_t n, mlac_err *err)
{
    if (!strcmp(key, "model_options") && json_is_object(v)) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        int bad = !text || strlen(text) >= n;
        if (!bad)
            snprintf(out, n, "%s", text);
        free(text);
        return bad ? mlac_errf(err, MLAC_EINVAL, "field 'model_options' is too long") : MLAC_OK;
    }
    if (json_is_array(v)) {
        size_t len = 0, i;
        json_t *item;
        out[0] = '\0';
        json_array_foreach(v, i, item) {
            char one[CONFIG_VALUE_MAX];
            if (scalar_text(item, one, sizeof one))
                return mlac_errf(err, MLAC_EINVAL, "field '%s'[%zu]: expected a string or a number", key, i);
            if (len + strlen(one) + 2 >= n)
                return mlac_errf(err, MLAC_EINVAL, "field '%s': the list is too long", key);
            len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", one);
        }
        return MLAC_OK;
    }
    if (scalar_text(v, out, n))
        return mlac_errf(err, MLAC_EINVAL, "field '%s': expected a string, number, boolean or list%s", key,
                         json_is_object(v) ? "" : " (or a value shorter than 1024 bytes)");
    return MLAC_OK;
}

int submit_config_from_json(const json_t *obj, const char *const *skip, config *cfg, int *status, mlac_err *err)
{
    const char *key;
    json_t *v;
    *status = 422;
    json_object_foreach((json_t *)obj, key, v) {
        char k[128], text[CONFIG_VALUE_MAX];
        if (in_list(skip, key))
            continue;
        normalise(key, k, sizeof k);
        if (!in_list(fields, k))
            return mlac_errf(err, MLAC_EINVAL, config_find(cfg, k) ? "field '%.100s' cannot be set over the API"
                                                                    : "unknown field '%.100s'", key);
        int rc = value_text(k, v, text, sizeof text, err);
        if (!rc)
            rc = config_set(cfg, k, text, SRC_FILE, "request body", err);
        if (rc)
            return rc;
    }
    *status = 0;
    return MLAC_OK;
}

int submit_spec_from_json(const char *text, exp_spec *spec, mlac_err *err)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return mlac_errf(err, MLAC_EFORMAT, "stored spec is not a JSON object");
    }
    config cfg;
    int status, rc = settings_init(&cfg, err);
    if (!rc)
        rc = submit_config_from_json(o, NULL, &cfg, &status, err);
    if (!rc)
        rc = spec_from_config(&cfg, spec, err);
    config_release(&cfg);
    json_decref(o);
    return rc;
}

int submit_json_depth(const char *text, size_t len)
{
    int depth = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

int submit_parse_time(const char *text, double *out)
{
    int Y, M, D, h, m, s, n = 0;
    if (strlen(text) > 64 || sscanf(text, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &n) != 6 ||
        n != 19)
        return -1;
    const char *p = text + n;
    double frac = 0;
    if (*p == '.') {
        char *end;
        frac = strtod(p, &end);
        if (end == p + 1)
            return -1;
        p = end;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return -1;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
        p += 6;
    } else {
        return -1;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60)
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = s};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (double)t - (double)offset + frac;
    return 0;
}

/* Service defaults and the roots rules; *status 403 names the path. */
static int apply_roots(server *s, json_t *spec, reply *rp)
{
    const serve_config *c = s->cfg;
    if (!json_object_get(spec, "data") && !json_is_string(json_object_get(spec, "labels")))
        json_object_set_new(spec, "data", json_string(c->data_roots.items[0]));
    if (!json_object_get(spec, "output_dir") && !json_object_get(spec, "output-dir"))
        json_object_set_new(spec, "output_dir", json_string(c->results));
    if (!json_object_get(spec, "cache_dir") && !json_object_get(spec, "cache-dir"))
        json_object_set_new(spec, "cache_dir", json_string(s->cache_dir));
    const char *key;
    json_t *v;
    json_object_foreach(spec, key, v) {
        char k[128];
        normalise(key, k, sizeof k);
        const char *p = json_string_value(v);
        if (!strcmp(k, "data") || !strcmp(k, "pretrained") || !strcmp(k, "labels")) {
            int ok = 0;
            for (size_t i = 0; p && i < c->data_roots.n; i++)
                ok |= roots_contains(c->data_roots.items[i], p);
            if (p && !*p && (!strcmp(k, "pretrained") || !strcmp(k, "labels")))
                ok = 1;
            if (!ok) {
                reply_error(rp, 403, "%s: '%.200s' is outside the allowed data roots", k, p ? p : "(not a string)");
                return -1;
            }
        } else if (!strcmp(k, "output_dir") || !strcmp(k, "cache_dir")) {
            int ok = p && (roots_contains(c->results, p) ||
                           (!strcmp(k, "cache_dir") && (!*p || roots_contains(c->state_dir, p))));
            if (!ok) {
                reply_error(rp, 403, "%s: '%.200s' is outside the allowed results root", k, p ? p : "(not a string)");
                return -1;
            }
        } else if (!strncmp(k, "embedder_", 9) && p && *p) {
            int ok = !strncmp(p, "import:", 7);
            for (size_t i = 0; ok && i < c->data_roots.n; i++)
                ok = roots_contains(c->data_roots.items[i], p + 7) ? 2 : ok;
            if (ok != 2) {
                reply_error(rp, 403, "%s: '%.200s' is not allowed: over the API only import:<path> under the data "
                            "roots (embedder commands are configured on the server)", k, p);
                return -1;
            }
        }
    }
    return 0;
}

static int under_data_roots(const server *s, const char *path)
{
    for (size_t i = 0; i < s->cfg->data_roots.n; i++)
        if (roots_contains(s->cfg->data_roots.items[i], path))
            return 1;
    return 0;
}

static int outside_roots(const char *what, const char *path, int *status, mlac_err *err)
{
    *status = 403;
    return mlac_errf(err, MLAC_EINVAL, "%s: '%.200s' is outside the allowed data roots", what, path);
}

/* The data root a labels CSV gives and every clip the CSV names (and its data_5s twin) under
 * --data-roots; read from the manifest alone, before run-experiment's checks decode any clip. */
static int check_manifest_roots(const server *s, const exp_spec *sp, store *in, int *status, mlac_err *err)
{
    if (!sp->labels[0])
        return MLAC_OK;
    if (!under_data_roots(s, sp->data))
        return outside_roots("data (the labels CSV's folder)", sp->data, status, err);
    dataset d = {0};
    dataset_source src = {sp->negatives, sp->labels, sp->positive_label, sp->negative_label};
    int rc = dataset_load(in, &src, &d, err);
    char path[8192];
    for (size_t i = 0; !rc && i < d.n; i++)
        for (size_t j = 0; !rc && j < d.species[i].n_clips; j++)
            for (int twin = 0; !rc && twin < 2; twin++) {
                const char *clip = twin ? d.species[i].clips[j].path5s : d.species[i].clips[j].path;
                if (!clip)
                    continue;
                snprintf(path, sizeof path, "%s/%s", sp->data, clip);
                if (!under_data_roots(s, path))
                    rc = outside_roots("labels", path, status, err);
            }
    dataset_release(&d);
    return rc;
}

/* Builds and validates the spec the way run-experiment does; derives its run id. */
static int validate_spec(server *s, const json_t *spec, char *run_id, size_t run_id_n, char *output_dir,
                         size_t output_n, int *status, mlac_err *err)
{
    config cfg;
    exp_spec sp;
    int have = 0;
    store *in = NULL;
    dataset data = {0};
    int rc = settings_init(&cfg, err);
    if (!rc)
        rc = submit_config_from_json(spec, NULL, &cfg, status, err);
    if (!rc && !(rc = spec_from_config(&cfg, &sp, err)))
        have = 1;
    if (!rc)
        rc = store_open(sp.data, &in, err);
    if (!rc)
        rc = check_manifest_roots(s, &sp, in, status, err);
    if (!rc)
        rc = spec_load_dataset(&sp, in, &data, err); /* as the run will: manifest, default species, bad clips */
    if (!rc)
        rc = spec_validate(&sp, &data, err);
    if (!rc) /* the clip length is part of the run id, as in the runner */
        rc = spec_resolve_clip(&sp, in, &data, err);
    if (!rc)
        rc = spec_derive_run_id(&sp, &data, err);
    if (!rc) {
        snprintf(run_id, run_id_n, "%s", sp.run_id);
        snprintf(output_dir, output_n, "%s", sp.output_dir);
    }
    if (rc && !*status)
        *status = rc == MLAC_ENOMEM || rc == MLAC_EINTERNAL ? 500 : 422;
    dataset_release(&data);
    store_free(in);
    if (have)
        spec_release(&sp);
    config_release(&cfg);
    return rc;
}

/* The meta keys of a body: submission_id (or a generated one), scheduled_at, priority. */
static int read_meta(const json_t *body, submit_request *r, int *status, mlac_err *err)
{
    *status = 422;
    json_t *v = json_object_get(body, "submission_id");
    if (v) {
        if (!json_is_string(v) || !id_valid(json_string_value(v), 128))
            return mlac_errf(err, MLAC_EINVAL, "submission_id: expected 1-128 characters of [A-Za-z0-9._-]");
        snprintf(r->submission_id, sizeof r->submission_id, "%s", json_string_value(v));
    } else {
        char hex[65];
        char seed[64];
        snprintf(seed, sizeof seed, "%.6f-%p", time_wall(), (void *)&seed);
        hash_sha256_hex(seed, strlen(seed), hex);
        snprintf(r->submission_id, sizeof r->submission_id, "auto-%.24s", hex);
    }
    if ((v = json_object_get(body, "scheduled_at")) && !json_is_null(v))
        if (!json_is_string(v) || submit_parse_time(json_string_value(v), &r->scheduled_at))
            return mlac_errf(err, MLAC_EINVAL, "scheduled_at: expected an RFC 3339 time such as 2026-12-01T21:30:00Z");
    if ((v = json_object_get(body, "priority")) && !json_is_null(v)) {
        if (!json_is_integer(v) || llabs((long long)json_integer_value(v)) > 1000000)
            return mlac_errf(err, MLAC_EINVAL, "priority: expected an integer between -1000000 and 1000000");
        r->priority = (long)json_integer_value(v);
    }
    *status = 0;
    return MLAC_OK;
}

int submit_parse_body(const char *body, size_t len, submit_request *r, int *status, mlac_err *err)
{
    memset(r, 0, sizeof *r);
    *status = 400;
    if (submit_json_depth(body, len) > MAX_DEPTH)
        return mlac_errf(err, MLAC_EFORMAT, "request body: JSON nested deeper than %d levels", MAX_DEPTH);
    json_error_t jerr;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return mlac_errf(err, MLAC_EFORMAT, "request body: malformed JSON at line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
    int rc = MLAC_OK;
    if (!json_is_object(o)) {
        rc = mlac_errf(err, MLAC_EFORMAT, "request body: expected a JSON object (the spec)");
        goto out;
    }
    if ((rc = read_meta(o, r, status, err)))
        goto out;
    if (!(r->spec = json_deep_copy(o))) {
        *status = 500;
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the request body");
        goto out;
    }
    for (size_t i = 0; meta_keys[i]; i++)
        json_object_del(r->spec, meta_keys[i]);
    config probe; /* unknown fields and bad values first: 422 naming the field, before any path rule */
    if ((rc = settings_init(&probe, err))) {
        *status = 500;
        goto out;
    }
    rc = submit_config_from_json(r->spec, NULL, &probe, status, err);
    config_release(&probe);
out:
    json_decref(o);
    if (rc)
        submit_request_release(r);
    else
        *status = 0;
    return rc;
}

void submit_request_release(submit_request *r)
{
    json_decref(r->spec);
    r->spec = NULL;
}

void submit_handle(server *s, const request *rq, reply *rp)
{
    json_t *row = NULL;
    char *spec_text = NULL;
    submit_request r;
    mlac_err err = {0};
    int status = 0;
    if (submit_parse_body(rq->body, rq->body_len, &r, &status, &err)) {
        reply_error(rp, status, "%s", err.msg);
        return;
    }
    json_t *spec = r.spec;
    if (apply_roots(s, spec, rp))
        goto out;
    char run_id[128], output_dir[4096];
    if (validate_spec(s, spec, run_id, sizeof run_id, output_dir, sizeof output_dir, &status, &err)) {
        reply_error(rp, status, "%s", err.msg);
        goto out;
    }
    spec_text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    char hash_in[64], hex[65];
    snprintf(hash_in, sizeof hash_in, "|%ld|%.3f", r.priority, r.scheduled_at);
    hash_ctx *h = hash_begin();
    hash_update_str(h, spec_text);
    hash_update_str(h, hash_in);
    hash_end_hex(h, hex);
    queue_new n = {.submission_id = r.submission_id, .body_hash = hex, .spec = spec_text, .run_id = run_id,
                   .output_dir = output_dir, .priority = r.priority, .scheduled_at = r.scheduled_at};
    int result;
    if (queue_insert(s->q, &n, &result, &row, &err)) {
        reply_error(rp, 500, "%s", err.msg);
        goto out;
    }
    if (result == QUEUE_CONFLICT) {
        reply_error(rp, 409, "submission_id '%s' was already used for experiment '%s' with a different spec",
                    r.submission_id, json_string_value(json_object_get(row, "id")));
        goto out;
    }
    if (result == QUEUE_CREATED)
        sched_wake(s);
    reply_json(rp, result == QUEUE_CREATED ? 201 : 200, row);
    row = NULL;
out:
    json_decref(row);
    submit_request_release(&r);
    free(spec_text);
}
