/* task_reuse.c — task keys, clip hashes and the index of finished tasks (see task_reuse.h). */
#include "exp/task_reuse.h"
#include "core/json_alloc.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/pool.h"
#include "exp/folds.h"
#include "exp/input_kinds.h"
#include "exp/ledger.h"
#include "exp/task_exec.h"

#include <stdlib.h>
#include <string.h>

/* ---- the index ------------------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
    const reuse_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->run_id, y->run_id);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* "<run>/tasks.jsonl" or "<run>/shards/<x>.jsonl": the run id, else 0. */
static int ledger_run(const char *path, char *run, size_t n)
{
    const char *slash = strchr(path, '/');
    if (!slash || (size_t)(slash - path) >= n || slash == path)
        return 0;
    const char *rest = slash + 1;
    int plain = !strcmp(rest, "tasks.jsonl");
    int shard = !strncmp(rest, "shards/", 7) && !strchr(rest + 7, '/') && ends_with(rest, ".jsonl");
    if (!plain && !shard)
        return 0;
    memcpy(run, path, (size_t)(slash - path));
    run[slash - path] = '\0';
    return 1;
}

static int index_add(task_index *ix, const char *key, const char *run, json_t *e, mlac_err *err)
{
    if (strlen(key) != 64)
        return MLAC_OK; /* not a key of ours: never matched */
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 256;
        reuse_entry *v = realloc(ix->v, cap * sizeof *v);
        if (!v)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory for the index of finished tasks");
        ix->v = v;
        ix->cap = cap;
    }
    reuse_entry *r = &ix->v[ix->n++];
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->run_id, sizeof r->run_id, "%s", run);
    r->entry = json_incref(e);
    return MLAC_OK;
}

int task_index_load(store *out, const char *skip_run, task_index *ix, mlac_err *err)
{
    memset(ix, 0, sizeof *ix);
    strlist paths;
    strlist_init(&paths);
    mlac_err e = {0};
    int rc = store_list(out, "", &paths, &e);
    if (rc == MLAC_ENOTFOUND) { /* no results yet */
        strlist_release(&paths);
        return MLAC_OK;
    }
    if (rc) {
        if (err)
            *err = e;
        strlist_release(&paths);
        return rc;
    }
    for (size_t i = 0; !rc && i < paths.n; i++) {
        char run[128];
        if (!ledger_run(paths.items[i], run, sizeof run) || (skip_run && !strcmp(run, skip_run)))
            continue;
        ledger l;
        mlac_err le = {0};
        if (ledger_open_path(out, paths.items[i], &l, &le)) {
            log_warn("earlier results: %s (its tasks are not reused)", le.msg);
            ledger_release(&l);
            continue;
        }
        ix->ledgers++;
        for (size_t k = 0; !rc && k < l.n; k++) {
            json_t *en = l.entries[k];
            const char *key = json_string_value(json_object_get(en, "task_key"));
            const char *status = json_string_value(json_object_get(en, "status"));
            if (key && status && !strcmp(status, "ok"))
                rc = index_add(ix, key, run, en, err);
        }
        ledger_release(&l);
    }
    strlist_release(&paths);
    if (ix->n)
        qsort(ix->v, ix->n, sizeof *ix->v, cmp_entry);
    return rc;
}

const reuse_entry *task_index_find(const task_index *ix, const char *key)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) { /* the first entry of the key */
        size_t mid = (lo + hi) / 2;
        if (strcmp(ix->v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && !strcmp(ix->v[lo].key, key) ? &ix->v[lo] : NULL;
}

void task_index_release(task_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++)
        json_decref(ix->v[i].entry);
    free(ix->v);
    memset(ix, 0, sizeof *ix);
}

/* A line an estimate may use: the model's, with its measured time, computed where it is (a copy
 * has "reused_from": its time was measured once, where it was computed). */
static int timed_line(const json_t *e, const char *model)
{
    const char *m = json_string_value(json_object_get(e, "model"));
    return m && !strcmp(m, model) && json_is_number(json_object_get(e, "train_seconds")) &&
           !json_object_get(e, "reused_from");
}

/* The machine of a line; "" for a line written before lines had one. */
static const char *line_machine(const json_t *e)
{
    const char *k = json_string_value(json_object_get(e, "machine"));
    return k ? k : "";
}

/* 1 when entry i repeats the measurement of an earlier entry of the same key (a combined run's
 * copy, `mlac report RUN RUN`, keeps the line as it was, without "reused_from"): the same times. */
static int repeated(const task_index *ix, size_t i, const char *model)
{
    const json_t *e = ix->v[i].entry;
    for (size_t j = i; j-- > 0 && !strcmp(ix->v[j].key, ix->v[i].key);) {
        const json_t *f = ix->v[j].entry;
        if (timed_line(f, model) &&
            json_number_value(json_object_get(f, "train_seconds")) == json_number_value(json_object_get(e, "train_seconds")) &&
            json_number_value(json_object_get(f, "predict_seconds")) == json_number_value(json_object_get(e, "predict_seconds")))
            return 1;
    }
    return 0;
}

/* 1 when entry i is a measurement of the model in the estimate's scope: this machine's, or
 * (here == 0) every other machine's. */
static int in_scope(const task_index *ix, size_t i, const char *model, const char *machine, size_t here)
{
    const json_t *e = ix->v[i].entry;
    return timed_line(e, model) && (!strcmp(line_machine(e), machine) == (here > 0)) && !repeated(ix, i, model);
}

double task_index_seconds(const task_index *ix, const char *model, size_t n, const char *machine,
                          task_time_basis *basis)
{
    memset(basis, 0, sizeof *basis);
    size_t here = 0;
    for (size_t i = 0; i < ix->n; i++)
        here += timed_line(ix->v[i].entry, model) && !strcmp(line_machine(ix->v[i].entry), machine) &&
                !repeated(ix, i, model);
    /* the measured size nearest n in the scope, then the mean over its tasks */
    long best = -1;
    const char *other = NULL;
    for (size_t i = 0; i < ix->n; i++) {
        json_t *e = ix->v[i].entry;
        if (!in_scope(ix, i, model, machine, here))
            continue;
        basis->count++;
        if (!here && !other)
            other = line_machine(e), basis->elsewhere = 1;
        else if (!here && strcmp(other, line_machine(e)))
            basis->elsewhere = 2;
        long k = (long)json_integer_value(json_object_get(e, "n"));
        if (best < 0 || labs(k - (long)n) < labs(best - (long)n) || (labs(k - (long)n) == labs(best - (long)n) && k > best))
            best = k;
    }
    if (best < 0)
        return -1;
    double sum = 0;
    size_t used = 0;
    for (size_t i = 0; i < ix->n; i++) {
        json_t *e = ix->v[i].entry;
        if (!in_scope(ix, i, model, machine, here) || json_integer_value(json_object_get(e, "n")) != best)
            continue;
        sum += json_number_value(json_object_get(e, "train_seconds")) +
               json_number_value(json_object_get(e, "predict_seconds"));
        used++;
    }
    double per = used ? sum / (double)used : -1;
    if (per >= 0 && best > 0 && (size_t)best != n)
        per *= (double)n / (double)best; /* training cost grows about linearly with n */
    return per;
}

/* ---- clip hashes ---------------------------------------------------------------------- */

typedef struct hash_job {
    store *in;
    clip_hashes *h;
    int *failed;       /* (n,) MLAC_* of each clip's read */
    mlac_err *errs;    /* (n,) */
} hash_job;

static void hash_one(void *ctx, size_t i, int w)
{
    (void)w;
    hash_job *j = ctx;
    buf b;
    buf_init(&b, STORE_MAX_OBJECT);
    j->failed[i] = store_read(j->in, j->h->path[i], &b, &j->errs[i]);
    if (!j->failed[i])
        hash_sha256_hex(b.data ? b.data : "", b.len, j->h->hex[i]);
    buf_release(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int clip_hashes_compute(store *in, const dataset *data, const strlist *species, int threads, clip_hashes *out,
                        mlac_err *err)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (size_t s = 0; s < species->n; s++) {
        const species_data *sp = dataset_find(data, species->items[s]);
        total += sp ? sp->n_clips : 0;
    }
    out->path = calloc(total ? total : 1, sizeof *out->path);
    if (!out->path)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory hashing %zu clips", total);
    for (size_t s = 0; s < species->n; s++) {
        const species_data *sp = dataset_find(data, species->items[s]);
        for (size_t k = 0; sp && k < sp->n_clips; k++)
            out->path[out->n++] = sp->clips[k].path; /* borrowed until deduplicated below */
    }
    qsort(out->path, out->n, sizeof *out->path, cmp_str);
    size_t w = 0; /* a clip may be a negative of several species */
    for (size_t i = 0; i < out->n; i++)
        if (!w || strcmp(out->path[i], out->path[w - 1]))
            out->path[w++] = out->path[i];
    out->n = w;
    int rc = MLAC_OK;
    for (size_t i = 0; i < out->n; i++)
        if (!(out->path[i] = strdup(out->path[i]))) {
            for (size_t k = i; k < out->n; k++)
                out->path[k] = NULL;
            clip_hashes_release(out);
            return mlac_errf(err, MLAC_ENOMEM, "out of memory hashing clips");
        }
    out->hex = calloc(out->n ? out->n : 1, sizeof *out->hex);
    hash_job j = {in, out, calloc(out->n ? out->n : 1, sizeof(int)), calloc(out->n ? out->n : 1, sizeof(mlac_err))};
    if (!out->hex || !j.failed || !j.errs)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory hashing clips");
    if (!rc) {
        store_prefetch(in, (const char *const *)out->path, out->n);
        pool_for(threads > 0 ? threads : 1, out->n, hash_one, &j);
    }
    for (size_t i = 0; !rc && i < out->n; i++)
        if (j.failed[i]) {
            rc = j.failed[i];
            if (err)
                *err = j.errs[i];
        }
    free(j.failed);
    free(j.errs);
    if (rc)
        clip_hashes_release(out);
    return rc;
}

static const char *clip_hashes_get(const clip_hashes *h, const char *path)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(h->path[mid], path);
        if (!c)
            return h->hex[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void clip_hashes_release(clip_hashes *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->path && i < h->n; i++)
        free(h->path[i]);
    free(h->path);
    free(h->hex);
    memset(h, 0, sizeof *h);
}

/* ---- keys ----------------------------------------------------------------------------- */

static int clips_json(const species_data *sp, const size_t *idx, size_t n, const clip_hashes *h, json_t *arr,
                      mlac_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const clip_ref *c = &sp->clips[idx[i]];
        const char *hex = clip_hashes_get(h, c->path);
        if (!hex)
            return mlac_errf(err, MLAC_EINTERNAL, "no content hash for clip '%s'", c->path);
        json_array_append_new(arr, json_pack("[s, i, s]", c->path, c->label, hex));
    }
    return MLAC_OK;
}

/* The keys of spec.json that a task of this model depends on. */
static void add_spec_parts(json_t *k, const json_t *spec_json, const struct model_kind *kind)
{
    static const char *const keys[] = {"clip_seconds", "groups", "test_data", "group_score", "calibrate", NULL};
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(spec_json, keys[i]);
        if (v)
            json_object_set(k, keys[i], v);
    }
    json_t *feat = json_deep_copy(json_object_get(spec_json, "features"));
    const char *const *unread = input_kind_of(kind->input)->unread_features; /* e.g. only CNNs read the image */
    for (size_t i = 0; feat && unread && unread[i]; i++)
        json_object_del(feat, unread[i]);
    if (feat)
        json_object_set_new(k, "features", feat);
    json_t *emb = json_object_get(json_object_get(spec_json, "embedding"), kind->name);
    if (emb)
        json_object_set(k, "embedding", emb);
}

int task_key_compute(const exp_spec *spec, const json_t *spec_json, const grid_task *t, const int *fold_of,
                     const clip_hashes *h, char out[65], mlac_err *err)
{
    const species_data *sp = t->sp;
    size_t *idx = malloc((sp->n_clips > 2 * t->n ? sp->n_clips : 2 * t->n) * sizeof *idx + 1);
    if (!idx)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory keying task '%s'", t->id);
    json_alloc_begin(); /* a part dropped for want of memory would key another task */
    json_t *k = json_pack("{s:i, s:s, s:s, s:s, s:I, s:i, s:i, s:I}", "result_version", TASK_RESULT_VERSION, "task_id",
                          t->id, "species", sp->name, "model", t->kind->name, "n", (json_int_t)t->n, "fold", t->fold,
                          "repeat", t->repeat, "model_seed", (json_int_t)(grid_task_seed(t, spec->seed) >> 1));
    json_t *opts = spec_model_options(spec, t->kind->name);
    json_object_set(k, "model_options", opts ? opts : json_object());
    add_spec_parts(k, spec_json, t->kind);
    json_t *train = json_array(), *test = json_array();
    json_object_set_new(k, "train", train);
    json_object_set_new(k, "test", test);
    int rc = folds_training_set(sp, fold_of, t->fold, t->n, spec->seed, t->repeat, idx, err);
    if (!rc)
        rc = clips_json(sp, idx, 2 * t->n, h, train, err);
    size_t n_test = 0;
    if (!rc) {
        folds_test_set(sp, fold_of, t->fold, idx, &n_test);
        rc = clips_json(sp, idx, n_test, h, test, err);
    }
    char *text = rc ? NULL : json_dumps_whole(k, JSON_COMPACT | JSON_SORT_KEYS);
    if (!rc && !text)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory keying task '%s'", t->id);
    if (!rc)
        hash_sha256_hex(text, strlen(text), out);
    free(text);
    json_decref(k);
    free(idx);
    return rc;
}

/* ---- copying -------------------------------------------------------------------------- */

int task_reuse_copy(store *out, const char *run_id, const grid_task *t, const reuse_entry *src, json_t **entry,
                    mlac_err *err)
{
    *entry = NULL;
    char rel[1024], from[1200], to[1200], where[700];
    /* the earlier run's line and predictions are checked as this run's own are (ledger.h) */
    snprintf(where, sizeof where, "%s/tasks.jsonl", src->run_id);
    int unverified = 0;
    mlac_err verr = {0};
    int vrc = ledger_line_verify(out, src->run_id, where, src->entry, &unverified, &verr);
    if (vrc == MLAC_EFORMAT || (!vrc && unverified))
        return mlac_errf(err, MLAC_ENOTFOUND, "not reusing task %s from run '%s': %s", t->id, src->run_id,
                         vrc ? verr.msg : "its line has no predictions checksum");
    if (vrc) {
        if (err)
            *err = verr;
        return vrc;
    }
    task_predictions_path(t, rel, sizeof rel);
    snprintf(from, sizeof from, "%s/%s", src->run_id, rel);
    snprintf(to, sizeof to, "%s/%s", run_id, rel);
    buf b;
    buf_init(&b, STORE_MAX_OBJECT);
    int rc = store_read(out, from, &b, err);
    if (!rc)
        rc = store_write(out, to, b.data ? b.data : "", b.len, err);
    buf_release(&b);
    if (rc)
        return mlac_err_prefix(err, "reusing task %s from run '%s': ", t->id, src->run_id);
    json_t *e = json_deep_copy(src->entry);
    json_t *req = json_array();
    for (size_t i = 0; i < t->n_requested; i++)
        json_array_append_new(req, json_integer((json_int_t)t->requested[i]));
    json_object_set_new(e, "n_requested", req);
    json_object_set_new(e, "capped", json_boolean(t->requested[t->n_requested - 1] > t->n));
    const char *prior = json_string_value(json_object_get(src->entry, "reused_from"));
    json_object_set_new(e, "reused_from", json_string(prior ? prior : src->run_id));
    *entry = e;
    return MLAC_OK;
}
