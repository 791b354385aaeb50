/* runner.c — the run loop: prepare once, then tasks on max_concurrent workers (see runner.h). */
#include "exp/runner.h"
#include "core/json_alloc.h"
#include "core/cancel.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/pool.h"
#include "exp/embed_table.h"
#include "exp/aggregate.h"
#include "exp/clip_features.h"
#include "exp/folds.h"
#include "exp/input_kinds.h"
#include "exp/ledger.h"
#include "exp/run_plan.h"
#include "exp/shard.h"
#include "exp/task_exec.h"
#include "exp/task_reuse.h"
#include "features/feature_cache.h"
#include "store/store.h"

#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Everything the workers share. */
typedef struct run_state {
    exp_spec *spec;
    const run_options *opt;
    dataset data;
    store *in, *out;
    ledger led;
    feature_table tables[INPUT_KIND_COUNT];     /* by model input kind; n == 0 when unused */
    feature_table *emb_tables;                  /* (models.n,) embedding rows per model (birdnet, perch) */
    char **emb_errors;                          /* (models.n,) why a model's embeddings failed, or NULL */
    int **fold_of;                              /* [species * repeats + r] -> (n_clips,) */
    external_set ext;                           /* --test-data clips and features (external.h) */
    grid_task *tasks;
    size_t n_tasks;
    size_t *todo;                               /* (n_todo,) indices into tasks */
    size_t n_todo;
    size_t next, done, failed;
    char (*keys)[65];                           /* (n_tasks,) result keys of the tasks to run, "" otherwise */
    task_index index;                           /* finished tasks of the other runs of the results store */
    int threads_per_task;
    char machine[MACHINE_KEY_MAX];              /* this machine's key, in every ledger line (core/machine.h) */
    pthread_mutex_t lock;
    int run_lock;                               /* store lock handle on the run folder */
    int io_failed;
    mlac_err io_err;
} run_state;

static void emit_phase(const run_options *o, const char *name, size_t total)
{
    if (o && o->events.phase)
        o->events.phase(o->events.ctx, name, total);
}

static void features_progress(void *ctx, size_t done, size_t total)
{
    const run_options *o = ctx;
    if (o->events.step)
        o->events.step(o->events.ctx, done, total, NULL);
}

static int species_index(const run_state *st, const species_data *sp)
{
    for (size_t i = 0; i < st->spec->species.n; i++)
        if (!strcmp(st->spec->species.items[i], sp->name))
            return (int)i;
    return -1;
}

static int prepare_folds(run_state *st, mlac_err *err)
{
    size_t n = st->spec->species.n * (size_t)st->spec->repeats;
    st->fold_of = calloc(n, sizeof *st->fold_of);
    if (!st->fold_of)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for folds");
    for (size_t s = 0; s < st->spec->species.n; s++) {
        const species_data *sp = dataset_find(&st->data, st->spec->species.items[s]);
        for (int r = 0; r < st->spec->repeats; r++) {
            int *f = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *f);
            st->fold_of[s * (size_t)st->spec->repeats + (size_t)r] = f;
            if (!f)
                return mlac_errf(err, MLAC_ENOMEM, "out of memory for folds");
            int rc = folds_assign(sp, st->spec->folds, st->spec->seed, r, f, err);
            if (rc)
                return rc;
        }
    }
    return MLAC_OK;
}

static int model_index(const run_state *st, const char *name)
{
    for (size_t i = 0; i < st->spec->models.n; i++)
        if (!strcmp(st->spec->models.items[i], name))
            return (int)i;
    return -1;
}

/* Embedding rows for each embedding model with tasks to run. An embedder failure fails that
 * model's tasks (recorded in emb_errors), not the run; only a cancel stops here. */
static int prepare_embeddings(run_state *st, feature_cache *cache, mlac_err *err)
{
    size_t n = st->spec->models.n;
    st->emb_tables = calloc(n, sizeof *st->emb_tables);
    st->emb_errors = calloc(n, sizeof *st->emb_errors);
    if (!st->emb_tables || !st->emb_errors)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for embedding tables");
    for (size_t m = 0; m < n; m++) {
        const struct model_kind *k = model_find(st->spec->models.items[m]);
        strlist used; /* species with tasks of this model to run: only their clips are embedded */
        strlist_init(&used);
        for (size_t i = 0; k && input_kind_of(k->input)->source == &input_source_embedder && i < st->n_todo; i++) {
            const grid_task *t = &st->tasks[st->todo[i]];
            if (t->kind == k && !strlist_contains(&used, t->sp->name) && strlist_push(&used, t->sp->name, err)) {
                strlist_release(&used);
                return MLAC_ENOMEM;
            }
        }
        if (!used.n)
            continue;
        emit_phase(st->opt, "embeddings", 0);
        embed_config ec;
        embed_config_from_settings(&st->spec->embed, k->name, &ec);
        ec.cache = cache;
        ec.progress = features_progress;
        ec.progress_ctx = (void *)st->opt;
        ec.cancel = st->opt->cancel;
        mlac_err e = {0};
        int rc = embed_table_build(st->in, &st->data, &used, k->name, &ec, st->spec->threads, &st->emb_tables[m], &e);
        strlist_release(&used);
        if (rc == MLAC_ECANCEL) {
            if (err)
                *err = e;
            return rc;
        }
        if (rc) {
            log_warn("%s: its tasks will be marked failed", e.msg);
            if (!(st->emb_errors[m] = strdup(e.msg)))
                return mlac_errf(err, MLAC_ENOMEM, "out of memory");
        } else {
            log_info("embeddings: %zu clips (%s, %zu-d), %zu from the cache", st->emb_tables[m].n, k->name,
                     st->emb_tables[m].dim, st->emb_tables[m].cache_hits);
        }
    }
    return MLAC_OK;
}

/* Marks the clips of one task (its training set and its test fold) in mark (n_clips,). */
static int mark_task_clips(const run_state *st, const grid_task *t, unsigned char *mark, size_t *idx, mlac_err *err)
{
    int s = species_index(st, t->sp);
    const int *fold_of = st->fold_of[(size_t)s * (size_t)st->spec->repeats + (size_t)t->repeat];
    int rc = folds_training_set(t->sp, fold_of, t->fold, t->n, st->spec->seed, t->repeat, idx, err);
    for (size_t i = 0; !rc && i < 2 * t->n; i++)
        mark[idx[i]] = 1;
    size_t n_test = 0;
    if (!rc)
        folds_test_set(t->sp, fold_of, t->fold, idx, &n_test);
    for (size_t i = 0; i < n_test; i++)
        mark[idx[i]] = 1;
    return rc;
}

/* The distinct clips (sorted paths) that the audio-feature tasks to run read. */
static int touched_clips(const run_state *st, strlist *paths, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t s = 0; !rc && s < st->spec->species.n; s++) {
        const species_data *sp = dataset_find(&st->data, st->spec->species.items[s]);
        unsigned char *mark = calloc(sp->n_clips ? sp->n_clips : 1, 1);
        size_t *idx = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *idx);
        if (!mark || !idx)
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
        for (size_t i = 0; !rc && i < st->n_todo; i++) {
            const grid_task *t = &st->tasks[st->todo[i]];
            if (t->sp == sp && input_kind_of(t->kind->input)->source == &input_source_audio)
                rc = mark_task_clips(st, t, mark, idx, err);
        }
        for (size_t k = 0; !rc && k < sp->n_clips; k++)
            if (mark[k])
                rc = strlist_push(paths, sp->clips[k].path, err);
        free(mark);
        free(idx);
    }
    strlist_sort(paths);
    size_t w = 0; /* a clip may be a negative of several species */
    for (size_t i = 0; i < paths->n; i++) {
        if (w && !strcmp(paths->items[i], paths->items[w - 1]))
            free(paths->items[i]);
        else
            paths->items[w++] = paths->items[i];
    }
    paths->n = w;
    return rc;
}

static int prepare_features(run_state *st, mlac_err *err)
{
    unsigned kinds = 0;
    for (size_t i = 0; i < st->n_todo; i++)
        kinds |= 1u << st->tasks[st->todo[i]].kind->input;
    unsigned audio = kinds & input_kinds_of_source(&input_source_audio);
    unsigned embedded = kinds & input_kinds_of_source(&input_source_embedder);
    if (!audio && !embedded)
        return MLAC_OK;
    feature_cache *cache = NULL;
    int rc = feature_cache_open(st->spec->cache_dir, &cache, err);
    if (!rc && embedded)
        rc = prepare_embeddings(st, cache, err);
    if (!rc && audio) {
        strlist clips;
        strlist_init(&clips);
        emit_phase(st->opt, "features", 0);
        rc = touched_clips(st, &clips, err);
        cancel_set_current(st->opt->interrupt); /* a service cancel stops the extraction between clips */
        if (!rc)
            rc = feature_tables_build_clips(st->in, &clips, audio, &st->spec->feat, st->spec->clip_seconds, cache,
                                            st->spec->threads, features_progress, (void *)st->opt, st->tables, err);
        cancel_set_current(NULL);
        strlist_release(&clips);
    }
    if (!rc && st->spec->test_data[0])
        rc = external_prepare(st->spec, audio, cache, &st->ext, err);
    for (int k = 0; !rc && k < INPUT_KIND_COUNT; k++)
        if (audio & (1u << k))
            log_info("features: %zu clips (%s), %zu from the cache", st->tables[k].n,
                     feature_input_name((enum model_input)k), st->tables[k].cache_hits);
    feature_cache_free(cache);
    return rc;
}

static void run_one(run_state *st, const grid_task *t)
{
    int s = species_index(st, t->sp), m = model_index(st, t->kind->name);
    int emb = input_kind_of(t->kind->input)->source == &input_source_embedder && m >= 0 && st->emb_tables;
    task_input in = {
        .task = t,
        .fold_of = st->fold_of[(size_t)s * (size_t)st->spec->repeats + (size_t)t->repeat],
        .features = emb ? &st->emb_tables[m] : &st->tables[t->kind->input],
        .features_error = emb ? st->emb_errors[m] : NULL,
        .master_seed = st->spec->seed,
        .n_threads = st->threads_per_task,
        .options = spec_model_options(st->spec, t->kind->name),
        .calibrate_platt = st->spec->calibrate_platt,
        .group_score = st->spec->group_score,
        .external = st->spec->test_data[0] ? &st->ext : NULL,
    };
    buf pred;
    buf_init(&pred, 0);
    cancel_set_current(st->opt->interrupt); /* fits check it (forest trees, CNN batches) */
    json_t *res = task_execute(&in, &pred);
    cancel_set_current(NULL);
    if (!strcmp(json_string_value(json_object_get(res, "status")), "cancelled")) {
        /* stopped mid-fit by a cancel: nothing is written, the task stays to do for a resume */
        log_info("task %s: stopped by the cancel", t->id);
        json_decref(res);
        buf_release(&pred);
        return;
    }
    const char *key = st->keys ? st->keys[t - st->tasks] : "";
    if (key[0]) /* a later spec finds it by this key (task_reuse.h) */
        json_object_set_new(res, "task_key", json_string(key));
    json_object_set_new(res, "machine", json_string(st->machine)); /* where its times were measured */
    mlac_err err = {0};
    int rc = MLAC_OK;
    int ok = !strcmp(json_string_value(json_object_get(res, "status")), "ok");
    if (ok) {
        char rel[1024], path[1200];
        task_predictions_path(t, rel, sizeof rel);
        snprintf(path, sizeof path, "%s/%s", st->spec->run_id, rel);
        rc = store_write(st->out, path, pred.data, pred.len, &err);
    }
    if (!rc)
        rc = ledger_append(&st->led, res, &err); /* the ledger line comes last: it marks the task done */
    pthread_mutex_lock(&st->lock);
    if (rc && !st->io_failed) {
        st->io_failed = rc;
        st->io_err = err;
    }
    st->done++;
    st->failed += !ok;
    if (!ok)
        log_warn("task %s failed: %s", t->id, json_string_value(json_object_get(res, "error")));
    else if (json_object_get(res, "warning"))
        log_warn("task %s: %s", t->id, json_string_value(json_object_get(res, "warning")));
    if (st->opt->events.step)
        st->opt->events.step(st->opt->events.ctx, st->done, st->n_todo, res);
    pthread_mutex_unlock(&st->lock);
    json_decref(res);
    buf_release(&pred);
}

static void worker(void *ctx, size_t i, int w)
{
    (void)i, (void)w;
    run_state *st = ctx;
    for (;;) {
        pthread_mutex_lock(&st->lock);
        int stop = st->io_failed || (st->opt->cancel && *st->opt->cancel) || st->next >= st->n_todo;
        size_t k = stop ? 0 : st->todo[st->next++];
        pthread_mutex_unlock(&st->lock);
        if (stop)
            return;
        run_one(st, &st->tasks[k]);
    }
}

static int array_within(json_t *old, json_t *now);

/* models, species and training_sizes are sets (spec.h): a spec.json written by an mlac that kept
 * the order typed still matches the same lists in another order. */
static int is_set_key(const char *key)
{
    return !strcmp(key, "models") || !strcmp(key, "species") || !strcmp(key, "training_sizes");
}

static int differs(const json_t *old, const json_t *now, const char *key)
{
    json_t *a = json_object_get(old, key), *b = json_object_get(now, key);
    if (is_set_key(key) && json_is_array(a) && json_is_array(b))
        return json_array_size(a) != json_array_size(b) || !array_within(a, b) || !array_within(b, a);
    return (a || b) && /* "embedding" may be absent */ !json_equal(a, b);
}

/* The first field of the run's identity where two spec.json documents differ, or NULL: the
 * known fields first, in this order, then any other field except those that do not change
 * results (where the run ran, with how many threads, by which version). */
static const char *spec_difference(json_t *old, json_t *now)
{
    static const char *keys[] = {"models", "species", "training_sizes", "cv_folds", "repeats", "seed",
                                 "negatives", "clip_seconds", "features", "data_fingerprint", "model_options", "embedding"};
    static const char *not_identity[] = {"mlac_version", "run_id", "data", "output_dir", "threads",
                                         "max_concurrent", "cache_dir", "dataset", "group_by", "warnings",
                                         "clip_length", "labels", "unreadable_clips"}; /* the last two: in data_fingerprint */
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (differs(old, now, keys[i]))
            return keys[i];
    json_t *docs[2] = {now, old};
    for (int d = 0; d < 2; d++) {
        const char *key;
        json_t *v;
        json_object_foreach(docs[d], key, v) {
            int skip = 0;
            for (size_t i = 0; i < sizeof not_identity / sizeof not_identity[0]; i++)
                skip |= !strcmp(key, not_identity[i]);
            if (!skip && differs(old, now, key))
                return key;
        }
    }
    return NULL;
}

static int spec_grows(const char *key)
{
    return !strcmp(key, "models") || !strcmp(key, "species") || !strcmp(key, "training_sizes") ||
           !strcmp(key, "model_options") || !strcmp(key, "embedding");
}

/* 1 when every item of the array old is in the array now. */
static int array_within(json_t *old, json_t *now)
{
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(old, i, a) {
        int found = 0;
        json_array_foreach(now, j, b) found |= json_equal(a, b);
        if (!found)
            return 0;
    }
    return 1;
}

/* 1 when now only adds to old: models, species and sizes are supersets (in any order), every
 * model of old keeps its options and embedder, and nothing else of the identity differs. */
static int spec_extends(json_t *old, json_t *now, const char *diff)
{
    static const char *const grow[] = {"models", "species", "training_sizes"};
    if (!spec_grows(diff))
        return 0;
    for (size_t i = 0; i < 3; i++)
        if (!array_within(json_object_get(old, grow[i]), json_object_get(now, grow[i])))
            return 0;
    static const char *const per_model[] = {"model_options", "embedding"};
    for (size_t i = 0; i < 2; i++) {
        const char *m;
        json_t *v;
        json_object_foreach(json_object_get(old, per_model[i]), m, v) {
            if (!json_equal(v, json_object_get(json_object_get(now, per_model[i]), m)))
                return 0;
        }
    }
    json_t *a = json_deep_copy(old), *b = json_deep_copy(now);
    static const char *const drop[] = {"models", "species", "training_sizes", "model_options", "embedding", "dataset",
                                       "warnings"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        json_object_del(a, drop[i]), json_object_del(b, drop[i]);
    int same = spec_difference(a, b) == NULL;
    json_decref(a);
    json_decref(b);
    return same;
}

/* Waits (up to ~10 s) for a lock that is held only for moments, such as the spec's. */
static int lock_briefly(store *s, const char *path, int *handle, mlac_err *err)
{
    for (int tries = 0;; tries++) {
        int rc = store_lock(s, path, handle, err);
        if (rc != MLAC_EBUSY || tries == 1000)
            return rc;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* The first result in a run folder that has no spec.json (a ledger, a shard's ledger, a
 * predictions file, a summary), or "" when it holds none: such a folder's identity cannot be
 * verified, so it is refused rather than resumed under whatever spec comes along. */
static int results_without_spec(run_state *st, char *found, size_t n, mlac_err *err)
{
    static const char *results[] = {"tasks.jsonl", "shards/", "predictions/", "summary.json", "summary.csv"};
    static const char *not_results[] = {".lock", ".tmp"}; /* locks (a shard's: shards/I-of-N.lock), temporaries */
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s/", st->spec->run_id);
    strlist files;
    strlist_init(&files);
    int rc = store_list(st->out, st->spec->run_id, &files, err);
    if (rc == MLAC_ENOTFOUND)
        rc = MLAC_OK;
    found[0] = '\0';
    for (size_t i = 0; !rc && i < files.n && !found[0]; i++) {
        const char *rel = files.items[i] + (strncmp(files.items[i], prefix, strlen(prefix)) ? 0 : strlen(prefix));
        int skip = 0;
        for (size_t k = 0; k < sizeof not_results / sizeof *not_results; k++)
            skip |= strstr(rel, not_results[k]) != NULL;
        for (size_t k = 0; k < sizeof results / sizeof *results && !found[0] && !skip; k++)
            if (!strncmp(rel, results[k], strlen(results[k])))
                snprintf(found, n, "%s", rel);
    }
    strlist_release(&files);
    return rc;
}

/* spec.json: created once by the first process of the run (a single run or any shard), under a
 * short lock; every later process, and every resume, must have the same identity, or is refused
 * naming the field that differs. A spec.json that cannot be read as an object, or a missing one
 * in a folder that already holds results, is refused naming the file and how to recover. */
static int write_or_check_spec(run_state *st, mlac_err *err)
{
    char path[256], lock_path[256];
    snprintf(path, sizeof path, "%s/spec.json", st->spec->run_id);
    snprintf(lock_path, sizeof lock_path, "%s/.spec.lock", st->spec->run_id);
    int lock = -1, exists = 0;
    int rc = lock_briefly(st->out, lock_path, &lock, err);
    if (!rc)
        rc = store_exists(st->out, path, &exists, err);
    json_alloc_begin(); /* spec.json is the run's identity: nothing may be missing from it */
    json_t *now = rc ? NULL : spec_to_json(st->spec, &st->data);
    if (!rc && exists) {
        buf b;
        buf_init(&b, 16u << 20);
        json_error_t jerr;
        rc = store_read(st->out, path, &b, err);
        json_t *old = rc ? NULL : json_loadb(b.data, b.len, 0, &jerr);
        const char *diff = json_is_object(old) ? spec_difference(old, now) : NULL;
        if (!rc && !old)
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is not valid JSON (line %d: %s), so the run's identity cannot be "
                           "verified; restore the file, or move the run folder away (or choose another --run-id) to "
                           "start afresh", path, jerr.line, jerr.text);
        else if (!rc && !json_is_object(old))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is not a JSON object, so the run's identity cannot be verified; "
                           "restore the file, or move the run folder away (or choose another --run-id) to start "
                           "afresh", path);
        else if (!rc && diff && st->opt->shard_count == 0 && spec_extends(old, now, diff)) {
            log_info("run '%s': extended (%s added); its finished tasks are kept", st->spec->run_id, diff);
            exists = 0; /* rewritten below */
        } else if (!rc && diff)
            rc = mlac_errf(err, MLAC_EINVAL, "run '%s' already exists with a different '%s'%s; choose another "
                           "--run-id or output folder", st->spec->run_id, diff,
                           spec_grows(diff) ? " (a run is extended only by adding models, species or training sizes, "
                           "never by removing any)" : "");
        json_decref(old);
        buf_release(&b);
    } else if (!rc) {
        char found[512];
        rc = results_without_spec(st, found, sizeof found, err);
        if (!rc && found[0])
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is missing but the run folder holds results ('%s'), so they cannot "
                           "be verified as this spec's; restore spec.json, or move the run folder away (or choose "
                           "another --run-id) to start afresh", path, found);
    }
    if (!rc && !exists) {
        char *text = json_dumps_whole(now, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = text ? store_write_str(st->out, path, text, err) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise the spec");
        free(text);
    }
    json_decref(now);
    store_unlock(st->out, lock);
    return rc;
}

/* The confound baseline on the metadata the feature stage read (clips it did not touch, such as
 * another shard's, are decoded for it); its warnings go into spec.json, which was written
 * before the features, under the spec's lock ("warnings" is not part of the run's identity). */
static int check_confounds(run_state *st, mlac_err *err)
{
    const feature_table *known = NULL; /* any audio table: each holds the clips' metadata */
    for (int k = 0; !known && k < INPUT_KIND_COUNT; k++)
        if (st->tables[k].n && st->tables[k].meta)
            known = &st->tables[k];
    spec_check_confounds(st->spec, st->in, &st->data, known);
    int any = 0;
    for (size_t i = 0; i < st->spec->species.n; i++) {
        const species_data *sp = dataset_find(&st->data, st->spec->species.items[i]);
        any |= sp && sp->confound_note[0];
    }
    if (!any)
        return MLAC_OK;
    char path[256], lock_path[256];
    snprintf(path, sizeof path, "%s/spec.json", st->spec->run_id);
    snprintf(lock_path, sizeof lock_path, "%s/.spec.lock", st->spec->run_id);
    int lock = -1;
    int rc = lock_briefly(st->out, lock_path, &lock, err);
    buf b;
    buf_init(&b, 16u << 20);
    json_t *doc = NULL, *now = NULL;
    if (!rc)
        rc = store_read(st->out, path, &b, err);
    if (!rc && !(doc = json_loadb(b.data, b.len, 0, NULL)))
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is not valid JSON", path);
    json_alloc_begin();
    if (!rc && (now = spec_to_json(st->spec, &st->data))) {
        json_object_set(doc, "warnings", json_object_get(now, "warnings"));
        char *text = json_dumps_whole(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = text ? store_write_str(st->out, path, text, err) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise the spec");
        free(text);
    }
    json_decref(now);
    json_decref(doc);
    buf_release(&b);
    store_unlock(st->out, lock);
    return rc;
}

static int cmp_task_id(const void *key, const void *t)
{
    return strcmp(key, ((const grid_task *)t)->id);
}

/* The ledger's lines checked before anything is skipped: a line for a task outside the grid is
 * named and dropped (a ledger of another spec never counts towards this one); a finished line
 * that fails ledger_line_verify (missing fields, damaged or missing predictions, edited
 * metrics) is named and its task runs again. The ledger file is rewritten without the lines
 * dropped when any finished line failed. */
static int reconcile_ledger(run_state *st, mlac_err *err)
{
    ledger *l = &st->led;
    size_t redo = 0;
    for (size_t i = 0; i < l->n;) {
        json_t *e = l->entries[i];
        const char *id = json_string_value(json_object_get(e, "task_id"));
        const char *status = json_string_value(json_object_get(e, "status"));
        char where[700];
        ledger_where(l, e, where, sizeof where);
        if (!bsearch(id, st->tasks, st->n_tasks, sizeof *st->tasks, cmp_task_id)) {
            log_warn("%s: task '%s' is not in this run's grid; ignored", where, id);
            ledger_remove(l, id);
            continue;
        }
        if (status && !strcmp(status, "ok")) {
            mlac_err verr = {0};
            int rc = ledger_line_verify(st->out, st->spec->run_id, where, e, NULL, &verr);
            if (rc == MLAC_EFORMAT) {
                log_warn("%s; the task runs again", verr.msg);
                ledger_remove(l, id);
                redo++;
                continue;
            }
            if (rc) {
                if (err)
                    *err = verr;
                return rc;
            }
        }
        i++;
    }
    if (!redo)
        return MLAC_OK;
    int rc = ledger_save(l, err); /* without the refused lines: their reruns append the new ones */
    if (!rc)
        l->needs_newline = 0;
    return rc;
}

static int select_todo(run_state *st, run_result *res, mlac_err *err)
{
    st->todo = malloc((st->n_tasks ? st->n_tasks : 1) * sizeof *st->todo);
    if (!st->todo)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the task list");
    res->grid_total = st->n_tasks;
    for (size_t i = 0; i < st->n_tasks; i++) {
        if (st->opt->shard_count > 0 && shard_of(st->tasks[i].id, st->opt->shard_count) != st->opt->shard_index)
            continue;
        res->tasks_total++;
        if (ledger_find(&st->led, st->tasks[i].id, 0))
            res->tasks_skipped++;
        else
            st->todo[st->n_todo++] = i;
    }
    return MLAC_OK;
}

/* The keys of the tasks to run, the earlier runs' finished tasks among them, the plan; then (not
 * in a dry run) the reusable tasks copied into this run and dropped from the tasks to run. */
static int plan_and_reuse(run_state *st, run_result *res, mlac_err *err)
{
    exp_spec *spec = st->spec;
    unsigned char *state = calloc(st->n_tasks ? st->n_tasks : 1, 1);
    st->keys = calloc(st->n_tasks ? st->n_tasks : 1, sizeof *st->keys);
    if (!state || !st->keys) {
        free(state);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the task keys");
    }
    for (size_t i = 0; i < st->n_tasks; i++)
        if (st->opt->shard_count <= 0 || shard_of(st->tasks[i].id, st->opt->shard_count) == st->opt->shard_index)
            state[i] = PLAN_DONE;
    for (size_t k = 0; k < st->n_todo; k++)
        state[st->todo[k]] = PLAN_RUN;
    int rc = MLAC_OK;
    if (st->n_todo) {
        strlist species; /* only species with tasks to run have their clips hashed */
        strlist_init(&species);
        for (size_t k = 0; !rc && k < st->n_todo; k++) {
            const char *name = st->tasks[st->todo[k]].sp->name;
            if (!strlist_contains(&species, name))
                rc = strlist_push(&species, name, err);
        }
        clip_hashes h = {0};
        if (!rc)
            rc = task_index_load(st->out, spec->run_id, &st->index, err);
        if (!rc)
            rc = clip_hashes_compute(st->in, &st->data, &species, spec->threads, &h, err);
        json_t *sj = rc ? NULL : spec_to_json(spec, &st->data);
        for (size_t k = 0; !rc && k < st->n_todo; k++) {
            size_t i = st->todo[k];
            const grid_task *t = &st->tasks[i];
            int s = species_index(st, t->sp);
            rc = task_key_compute(spec, sj, t, st->fold_of[(size_t)s * (size_t)spec->repeats + (size_t)t->repeat], &h,
                                  st->keys[i], err);
            if (!rc && task_index_find(&st->index, st->keys[i]))
                state[i] = PLAN_REUSE;
        }
        json_decref(sj);
        clip_hashes_release(&h);
        strlist_release(&species);
    }
    buf text;
    buf_init(&text, 0);
    if (!rc && st->opt->events.plan && !run_plan_text(spec, &st->data, st->tasks, st->n_tasks, state, &st->index,
                                                       st->machine, &text, NULL))
        st->opt->events.plan(st->opt->events.ctx, text.data ? text.data : "");
    buf_release(&text);
    size_t w = 0;
    for (size_t k = 0; !rc && !st->opt->dry_run && k < st->n_todo; k++) {
        size_t i = st->todo[k];
        if (state[i] != PLAN_REUSE) {
            st->todo[w++] = i;
            continue;
        }
        json_t *e = NULL;
        rc = task_reuse_copy(st->out, spec->run_id, &st->tasks[i], task_index_find(&st->index, st->keys[i]), &e, err);
        if (rc == MLAC_ENOTFOUND) { /* the earlier result failed its check: the task runs here */
            log_warn("%s; the task runs", err ? err->msg : "a task is not reused");
            st->todo[w++] = i;
            rc = MLAC_OK;
            continue;
        }
        if (!rc)
            rc = ledger_append(&st->led, e, err);
        json_decref(e);
        res->tasks_reused += !rc;
    }
    if (!rc && !st->opt->dry_run)
        st->n_todo = w;
    if (!rc && res->tasks_reused)
        log_info("%zu tasks reused from earlier runs of %s", res->tasks_reused, spec->output_dir);
    free(state);
    return rc;
}

static int run_prepare(run_state *st, run_result *res, mlac_err *err)
{
    exp_spec *spec = st->spec;
    int rc = machine_key_current(st->machine, err);
    if (!rc)
        rc = store_open(spec->data, &st->in, err);
    if (!rc)
        rc = spec_load_dataset(spec, st->in, &st->data, err); /* the scan, with groups */
    if (!rc)
        rc = spec_validate(spec, &st->data, err);
    if (rc)
        return rc;
    rc = spec_resolve_clip(spec, st->in, &st->data, err); /* part of the run id */
    if (rc)
        return rc;
    if (spec->test_data[0] && (rc = external_open(spec, &st->ext, err))) /* before anything is written */
        return rc;
    rc = spec_derive_run_id(spec, &st->data, err);
    if (!rc)
        rc = store_open(spec->output_dir, &st->out, err);
    int sharded = st->opt->shard_count > 0;
    char lock_path[256], ledger_path[512];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", spec->run_id);
    snprintf(ledger_path, sizeof ledger_path, "%s/tasks.jsonl", spec->run_id);
    if (sharded) {
        shard_lock_path(spec->run_id, st->opt->shard_index, st->opt->shard_count, lock_path, sizeof lock_path);
        shard_ledger_path(spec->run_id, st->opt->shard_index, st->opt->shard_count, ledger_path, sizeof ledger_path);
    }
    int dry = st->opt->dry_run;
    if (!rc && !dry)
        rc = store_lock(st->out, lock_path, &st->run_lock, err);
    if (!rc && !dry)
        rc = write_or_check_spec(st, err);
    if (!rc)
        rc = ledger_open_path(st->out, ledger_path, &st->led, err);
    if (!rc && sharded && !dry) /* the shard's ledger exists from its start, even with no tasks: merge sees it ran */
        rc = store_append(st->out, ledger_path, "", 0, err);
    if (!rc)
        rc = grid_build(spec, &st->data, &st->tasks, &st->n_tasks, err);
    if (!rc)
        rc = reconcile_ledger(st, err);
    if (!rc)
        rc = select_todo(st, res, err);
    if (!rc)
        rc = prepare_folds(st, err);
    if (!rc)
        rc = plan_and_reuse(st, res, err);
    if (!rc && st->n_todo && !dry)
        rc = prepare_features(st, err);
    if (!rc && st->n_todo) /* after the features: their decode gave the clips' metadata (a warning, never fatal) */
        rc = check_confounds(st, err);
    if (st->out) /* NULL when the output store failed to open (was a SIGSEGV) */
        store_describe(st->out, spec->run_id, res->run_dir, sizeof res->run_dir);
    return rc;
}

static void run_state_release(run_state *st)
{
    for (size_t i = 0; st->fold_of && i < st->spec->species.n * (size_t)st->spec->repeats; i++)
        free(st->fold_of[i]);
    free(st->fold_of);
    external_release(&st->ext);
    for (int k = 0; k < INPUT_KIND_COUNT; k++)
        feature_table_release(&st->tables[k]);
    for (size_t m = 0; st->emb_tables && m < st->spec->models.n; m++) {
        feature_table_release(&st->emb_tables[m]);
        free(st->emb_errors[m]);
    }
    free(st->emb_tables);
    free(st->emb_errors);
    free(st->tasks);
    free(st->todo);
    free(st->keys);
    task_index_release(&st->index);
    ledger_release(&st->led);
    dataset_release(&st->data);
    if (st->out)
        store_unlock(st->out, st->run_lock);
    store_free(st->in);
    store_free(st->out);
    pthread_mutex_destroy(&st->lock);
}

int runner_run(exp_spec *spec, const run_options *opt, run_result *res, mlac_err *err)
{
    static const run_options no_options;
    memset(res, 0, sizeof *res);
    if (opt && (opt->shard_count < 0 || (opt->shard_count > 0 && (opt->shard_index < 0 || opt->shard_index >= opt->shard_count))))
        return mlac_errf(err, MLAC_EINVAL, "shard %d/%d: the index must be in [0, %d)", opt->shard_index,
                         opt->shard_count, opt->shard_count);
    if (spec->threads < 1)
        spec->threads = pool_cpu_count();
    run_state st = {.spec = spec, .opt = opt ? opt : &no_options, .run_lock = -1};
    pthread_mutex_init(&st.lock, NULL);
    openblas_set_num_threads(1); /* parallelism comes from our workers; BLAS calls stay serial */
    int rc = run_prepare(&st, res, err);
    if (rc || st.opt->dry_run)
        goto out;
    int workers = spec->max_concurrent < (int)st.n_todo ? spec->max_concurrent : (int)st.n_todo;
    st.threads_per_task = spec->threads / (workers > 0 ? workers : 1);
    if (st.threads_per_task < 1)
        st.threads_per_task = 1;
    emit_phase(st.opt, "tasks", st.n_todo);
    pool_for(workers, (size_t)workers, worker, &st);
    res->tasks_run = st.done;
    res->tasks_failed = st.failed;
    res->cancelled = st.opt->cancel && *st.opt->cancel;
    if (st.io_failed) {
        rc = st.io_failed;
        if (err)
            *err = st.io_err;
        goto out;
    }
    if (st.opt->shard_count > 0)
        goto out; /* a shard only records its tasks: `mlac merge` aggregates the whole run */
    emit_phase(st.opt, "aggregate", 1);
    rc = aggregate_run(st.out, spec->run_id, &st.led, err);
out:
    run_state_release(&st);
    return rc;
}
