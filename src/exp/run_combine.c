/* run_combine.c — several runs of one protocol into one run folder (see run_combine.h). */
#include "exp/run_combine.h"
#include "core/json_alloc.h"
#include "core/hash.h"
#include "exp/aggregate.h"
#include "exp/ledger.h"
#include "ml/model.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields of spec.json that may differ between combined runs: what the grid spans (united), the
 * per-model tables (compared model by model), and where/how a run ran. */
static const char *const free_keys[] = {"models", "species", "training_sizes", "model_options", "embedding",
                                        "dataset", "warnings", "mlac_version", "run_id", "data", "output_dir",
                                        "threads", "max_concurrent", "cache_dir", "group_by", "combined_from",
                                        "clip_length" /* a description; clip_seconds is compared */, NULL};

static int is_free(const char *key)
{
    for (size_t i = 0; free_keys[i]; i++)
        if (!strcmp(key, free_keys[i]))
            return 1;
    return 0;
}

void run_dir_split(const char *run_dir, char *root, size_t root_n, char *run_id, size_t id_n)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", run_dir);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    char *slash = strrchr(dir, '/');
    snprintf(run_id, id_n, "%s", slash ? slash + 1 : dir);
    if (slash) {
        *slash = '\0';
        snprintf(root, root_n, "%s", dir[0] ? dir : "/");
    } else {
        snprintf(root, root_n, ".");
    }
}

/* The first field where two specs' protocols differ, written into what (or "" when they agree). */
static void protocol_difference(json_t *a, json_t *b, char *what, size_t n)
{
    what[0] = '\0';
    json_t *docs[2] = {a, b};
    for (int d = 0; d < 2 && !what[0]; d++) {
        const char *key;
        json_t *v;
        json_object_foreach(docs[d], key, v) {
            if (!is_free(key) && !json_equal(json_object_get(a, key), json_object_get(b, key))) {
                snprintf(what, n, "%s", key);
                return;
            }
        }
    }
    static const char *const per_model[] = {"model_options", "embedding"};
    for (int i = 0; i < 2; i++) {
        const char *m;
        json_t *v;
        json_object_foreach(json_object_get(a, per_model[i]), m, v) {
            json_t *w = json_object_get(json_object_get(b, per_model[i]), m);
            if (w && !json_equal(v, w)) {
                snprintf(what, n, "%s.%s", per_model[i], m);
                return;
            }
        }
    }
}

static void unite_array(json_t *into, json_t *from)
{
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(from, i, v) {
        int found = 0;
        json_array_foreach(into, j, w) found |= json_equal(v, w);
        if (!found)
            json_array_append(into, v);
    }
}

static int cmp_json_int(const void *a, const void *b)
{
    json_int_t x = json_integer_value(*(json_t *const *)a), y = json_integer_value(*(json_t *const *)b);
    return (x > y) - (x < y);
}

/* Sorts an array of integers ascending (training sizes, requested sizes). */
static void sort_ints(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp_json_int);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
}

/* Puts an array of names into a run's canonical order (spec_canonical_order): models in
 * registry order, species in byte order, so the combination does not depend on the order of the
 * runs. Left as it is when a name is not a string or memory runs out. */
static void sort_names(json_t *arr, int models)
{
    strlist l;
    strlist_init(&l);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (!json_is_string(v) || strlist_push(&l, json_string_value(v), NULL)) {
        strlist_release(&l);
        return;
    }
    if (models)
        model_sort_names(&l);
    else
        strlist_sort(&l);
    json_array_clear(arr);
    for (i = 0; i < l.n; i++)
        json_array_append_new(arr, json_string(l.items[i]));
    strlist_release(&l);
}

static void unite_object(json_t *into, json_t *from)
{
    const char *k;
    json_t *v;
    json_object_foreach(from, k, v) {
        if (!json_object_get(into, k))
            json_object_set(into, k, v);
    }
}

typedef struct member {
    char root[4096], id[128];
    store *st;
    json_t *spec;
    ledger led;
    int led_open;
} member;

static int load_member(member *m, const char *run_dir, mlac_err *err)
{
    run_dir_split(run_dir, m->root, sizeof m->root, m->id, sizeof m->id);
    int rc = store_open(m->root, &m->st, err);
    char path[300];
    snprintf(path, sizeof path, "%s/spec.json", m->id);
    buf b;
    buf_init(&b, 16u << 20);
    if (!rc)
        rc = store_read(m->st, path, &b, err);
    if (!rc) {
        json_error_t je;
        m->spec = json_loadb(b.data, b.len, 0, &je);
        if (!m->spec || !json_is_object(m->spec))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s/%s' is not valid JSON (line %d: %s)", m->root, path, je.line, je.text);
    }
    buf_release(&b);
    int exists = 0;
    snprintf(path, sizeof path, "%s/tasks.jsonl", m->id);
    if (!rc)
        rc = store_exists(m->st, path, &exists, err);
    if (!rc && !exists)
        rc = mlac_errf(err, MLAC_ENOTFOUND, "'%s/%s' has no tasks.jsonl (a sharded run is combined after `mlac merge`)",
                       m->root, m->id);
    if (!rc) {
        rc = ledger_open(m->st, m->id, &m->led, err);
        m->led_open = 1;
    }
    return rc;
}

static void member_release(member *m)
{
    if (m->led_open)
        ledger_release(&m->led);
    json_decref(m->spec);
    store_free(m->st);
}

/* The combined spec: the first run's, with the grid's lists and per-model tables united. */
static json_t *combined_spec(member *ms, size_t n, const char *id)
{
    json_t *s = json_deep_copy(ms[0].spec);
    json_t *from = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(from, json_string(ms[i].id));
        if (i) {
            unite_array(json_object_get(s, "models"), json_object_get(ms[i].spec, "models"));
            unite_array(json_object_get(s, "species"), json_object_get(ms[i].spec, "species"));
            unite_array(json_object_get(s, "training_sizes"), json_object_get(ms[i].spec, "training_sizes"));
            static const char *const objs[] = {"model_options", "embedding", "dataset"};
            for (int k = 0; k < 3; k++) {
                json_t *o = json_object_get(ms[i].spec, objs[k]);
                if (!o)
                    continue;
                if (!json_is_object(json_object_get(s, objs[k])))
                    json_object_set_new(s, objs[k], json_object());
                unite_object(json_object_get(s, objs[k]), o);
            }
        }
    }
    sort_ints(json_object_get(s, "training_sizes"));
    sort_names(json_object_get(s, "models"), 1);
    sort_names(json_object_get(s, "species"), 0);
    json_object_set_new(s, "run_id", json_string(id));
    json_object_set_new(s, "combined_from", from);
    return s;
}

/* Adds one run's entries to the union; src (task id -> member index) says where each came from. */
static int unite_ledger(ledger *all, json_t *src, const member *ms, size_t i, size_t *dups, mlac_err *err)
{
    for (size_t k = 0; k < ms[i].led.n; k++) {
        json_t *e = ms[i].led.entries[k];
        const char *id = json_string_value(json_object_get(e, "task_id"));
        json_t *have = ledger_find(all, id, 1);
        if (!have) {
            int rc = ledger_insert(all, e, err);
            if (rc)
                return rc;
            json_object_set_new(src, id, json_integer((json_int_t)i));
            continue;
        }
        (*dups)++;
        const char *s_have = json_string_value(json_object_get(have, "status"));
        const char *s_new = json_string_value(json_object_get(e, "status"));
        int ok_have = s_have && !strcmp(s_have, "ok"), ok_new = s_new && !strcmp(s_new, "ok");
        size_t j = (size_t)json_integer_value(json_object_get(src, id));
        if (ok_have && ok_new && !json_equal(json_object_get(have, "metrics"), json_object_get(e, "metrics")))
            return mlac_errf(err, MLAC_EINVAL, "task %s has different metrics in runs '%s' and '%s'", id, ms[j].id,
                             ms[i].id);
        if (!ok_have && ok_new) { /* a success replaces a failure */
            json_t *copy = json_deep_copy(e);
            int rc = ledger_insert(all, copy, err);
            json_decref(copy);
            if (rc)
                return rc;
            json_object_set_new(src, id, json_integer((json_int_t)i));
            continue;
        }
        if (ok_have && ok_new) { /* the same task answers the requested sizes of both grids */
            json_t *req = json_deep_copy(json_object_get(have, "n_requested"));
            if (!json_is_array(req))
                req = json_array();
            unite_array(req, json_object_get(e, "n_requested"));
            sort_ints(req);
            json_int_t last = json_integer_value(json_array_get(req, json_array_size(req) - 1));
            json_object_set_new(have, "n_requested", req);
            json_object_set_new(have, "capped", json_boolean(last > json_integer_value(json_object_get(have, "n"))));
        }
    }
    return MLAC_OK;
}

static int copy_predictions(store *out, const char *id, const ledger *all, json_t *src, const member *ms, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t k = 0; !rc && k < all->n; k++) {
        json_t *e = all->entries[k];
        const char *status = json_string_value(json_object_get(e, "status"));
        if (!status || strcmp(status, "ok"))
            continue;
        const member *m = &ms[json_integer_value(json_object_get(src, json_string_value(json_object_get(e, "task_id"))))];
        char rel[1024], from[1200], to[1200];
        snprintf(rel, sizeof rel, "predictions/%s/%s/n%05lld_r%lld_f%lld.csv",
                 json_string_value(json_object_get(e, "species")), json_string_value(json_object_get(e, "model")),
                 (long long)json_integer_value(json_object_get(e, "n")),
                 (long long)json_integer_value(json_object_get(e, "repeat")),
                 (long long)json_integer_value(json_object_get(e, "fold")));
        snprintf(from, sizeof from, "%s/%s", m->id, rel);
        snprintf(to, sizeof to, "%s/%s", id, rel);
        buf b;
        buf_init(&b, STORE_MAX_OBJECT);
        rc = store_read(m->st, from, &b, err);
        if (!rc)
            rc = store_write(out, to, b.data ? b.data : "", b.len, err);
        buf_release(&b);
    }
    return rc;
}

static void combined_id(const member *ms, size_t n, char *out, size_t out_n)
{
    strlist ids;
    strlist_init(&ids);
    for (size_t i = 0; i < n; i++)
        strlist_push(&ids, ms[i].id, NULL);
    strlist_sort(&ids);
    hash_ctx *h = hash_begin();
    for (size_t i = 0; i < ids.n; i++)
        hash_update_str(h, ids.items[i]);
    char hex[65];
    hash_end_hex(h, hex);
    strlist_release(&ids);
    snprintf(out, out_n, "combined-%.12s", hex);
}

int run_combine(const char *const *run_dirs, size_t n, combine_result *res, mlac_err *err)
{
    memset(res, 0, sizeof *res);
    if (n < 2)
        return mlac_errf(err, MLAC_EINVAL, "combining runs needs at least two run folders");
    member *ms = calloc(n, sizeof *ms);
    if (!ms)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory combining runs");
    int rc = MLAC_OK, lock = -1;
    for (size_t i = 0; !rc && i < n; i++)
        rc = load_member(&ms[i], run_dirs[i], err);
    for (size_t i = 1; !rc && i < n; i++) {
        char what[256];
        protocol_difference(ms[0].spec, ms[i].spec, what, sizeof what);
        if (what[0])
            rc = mlac_errf(err, MLAC_EINVAL, "runs '%s' and '%s' differ in '%s': only runs of the same protocol combine",
                           ms[0].id, ms[i].id, what);
    }
    ledger all;
    json_t *src = json_object(), *spec = NULL;
    if (!rc) {
        combined_id(ms, n, res->run_id, sizeof res->run_id);
        snprintf(res->root, sizeof res->root, "%s", ms[0].root);
        char path[300];
        snprintf(path, sizeof path, "%s/tasks.jsonl", res->run_id);
        ledger_init(&all, ms[0].st, path);
        snprintf(path, sizeof path, "%s/.lock", res->run_id);
        rc = store_lock(ms[0].st, path, &lock, err);
        for (size_t i = 0; !rc && i < n; i++)
            rc = unite_ledger(&all, src, ms, i, &res->duplicates, err);
        if (!rc)
            rc = copy_predictions(ms[0].st, res->run_id, &all, src, ms, err);
        json_alloc_begin();
        spec = rc ? NULL : combined_spec(ms, n, res->run_id);
        char *text = json_dumps_whole(spec, JSON_INDENT(2) | JSON_SORT_KEYS);
        snprintf(path, sizeof path, "%s/spec.json", res->run_id);
        if (!rc)
            rc = text ? store_write_str(ms[0].st, path, text, err) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise the spec");
        free(text);
        if (!rc)
            rc = ledger_save(&all, err);
        if (!rc)
            rc = aggregate_run(ms[0].st, res->run_id, &all, err);
        res->tasks = all.n;
        store_unlock(ms[0].st, lock);
        ledger_release(&all);
    }
    json_decref(spec);
    json_decref(src);
    for (size_t i = 0; i < n; i++)
        member_release(&ms[i]);
    free(ms);
    return rc;
}
