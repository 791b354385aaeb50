/* runner.c — the run loop: prepare once, then tasks on max_concurrent workers (see runner.h). */
#include "exp/runner.h"
#include "core/log.h"
#include "core/pool.h"
#include "embed/embed_table.h"
#include "exp/aggregate.h"
#include "exp/clip_features.h"
#include "exp/folds.h"
#include "exp/ledger.h"
#include "exp/task_exec.h"
#include "features/feature_cache.h"
#include "store/store.h"

#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything the workers share. */
typedef struct run_state {
    exp_spec *spec;
    const run_options *opt;
    dataset data;
    store *in, *out;
    ledger led;
    feature_table tables[INPUT_EMBEDDING + 1]; /* by model input kind; n == 0 when unused */
    feature_table *emb_tables;                  /* (models.n,) embedding rows per model (birdnet, perch) */
    char **emb_errors;                          /* (models.n,) why a model's embeddings failed, or NULL */
    int **fold_of;                              /* [species * repeats + r] -> (n_clips,) */
    external_set ext;                           /* --test-data clips and features (external.h) */
    grid_task *tasks;
    size_t n_tasks;
    size_t *todo;                               /* (n_todo,) indices into tasks */
    size_t n_todo;
    size_t next, done, failed;
    int threads_per_task;
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
        int used = 0;
        for (size_t i = 0; k && k->input == INPUT_EMBEDDING && i < st->n_todo; i++)
            used |= st->tasks[st->todo[i]].kind == k;
        if (!used)
            continue;
        emit_phase(st->opt, "embeddings", 0);
        embed_config ec;
        embed_config_from_settings(&st->spec->embed, k->name, &ec);
        ec.cache = cache;
        ec.progress = features_progress;
        ec.progress_ctx = (void *)st->opt;
        ec.cancel = st->opt->cancel;
        mlac_err e = {0};
        int rc = embed_table_build(st->in, &st->data, &st->spec->species, k->name, &ec, st->spec->threads,
                                   &st->emb_tables[m], &e);
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

static int prepare_features(run_state *st, mlac_err *err)
{
    unsigned kinds = 0;
    for (size_t i = 0; i < st->n_todo; i++)
        kinds |= 1u << st->tasks[st->todo[i]].kind->input;
    unsigned audio = kinds & ((1u << INPUT_SUMMARY) | (1u << INPUT_LOGMEL_IMAGE));
    if (!audio && !(kinds & (1u << INPUT_EMBEDDING)))
        return MLAC_OK;
    feature_cache *cache = NULL;
    int rc = feature_cache_open(st->spec->cache_dir, &cache, err);
    if (!rc && (kinds & (1u << INPUT_EMBEDDING)))
        rc = prepare_embeddings(st, cache, err);
    if (!rc && audio) {
        emit_phase(st->opt, "features", 0);
        rc = feature_tables_build(st->in, &st->data, &st->spec->species, audio, &st->spec->feat,
                                  st->spec->clip_seconds, cache, st->spec->threads, features_progress,
                                  (void *)st->opt, st->tables, err);
    }
    if (!rc && st->spec->test_data[0])
        rc = external_prepare(st->spec, audio, cache, &st->ext, err);
    for (int k = 0; !rc && k <= INPUT_LOGMEL_IMAGE; k++)
        if (audio & (1u << k))
            log_info("features: %zu clips (%s), %zu from the cache", st->tables[k].n,
                     feature_input_name((enum model_input)k), st->tables[k].cache_hits);
    feature_cache_free(cache);
    return rc;
}

static void run_one(run_state *st, const grid_task *t)
{
    int s = species_index(st, t->sp), m = model_index(st, t->kind->name);
    int emb = t->kind->input == INPUT_EMBEDDING && m >= 0 && st->emb_tables;
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
    json_t *res = task_execute(&in, &pred);
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

/* spec.json: written on the first run; a resumed run must have the same identity. */
static int write_or_check_spec(run_state *st, mlac_err *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/spec.json", st->spec->run_id);
    json_t *now = spec_to_json(st->spec, &st->data);
    int exists = 0, rc = store_exists(st->out, path, &exists, err);
    if (!rc && exists) {
        buf b;
        buf_init(&b, 16u << 20);
        rc = store_read(st->out, path, &b, err);
        json_t *old = rc ? NULL : json_loadb(b.data, b.len, 0, NULL);
        static const char *keys[] = {"models", "species", "training_sizes", "cv_folds", "repeats", "seed",
                                     "negatives", "clip_seconds", "features", "data_fingerprint", "model_options", "embedding",
                                     "groups", "calibrate", "group_score", "test_data"};
        for (size_t i = 0; !rc && old && i < sizeof keys / sizeof keys[0]; i++)
            if ((json_object_get(old, keys[i]) || json_object_get(now, keys[i])) && /* "embedding" may be absent */
                !json_equal(json_object_get(old, keys[i]), json_object_get(now, keys[i])))
                rc = mlac_errf(err, MLAC_EINVAL, "run '%s' already exists with a different '%s'; choose another "
                               "--run-id or output folder", st->spec->run_id, keys[i]);
        json_decref(old);
        buf_release(&b);
    }
    if (!rc) {
        char *text = json_dumps(now, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = store_write_str(st->out, path, text, err);
        free(text);
    }
    json_decref(now);
    return rc;
}

static int select_todo(run_state *st, run_result *res, mlac_err *err)
{
    st->todo = malloc((st->n_tasks ? st->n_tasks : 1) * sizeof *st->todo);
    if (!st->todo)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the task list");
    for (size_t i = 0; i < st->n_tasks; i++) {
        res->tasks_total++;
        if (ledger_find(&st->led, st->tasks[i].id, 0))
            res->tasks_skipped++;
        else
            st->todo[st->n_todo++] = i;
    }
    return MLAC_OK;
}

static int run_prepare(run_state *st, run_result *res, mlac_err *err)
{
    exp_spec *spec = st->spec;
    int rc = store_open(spec->data, &st->in, err);
    if (!rc)
        rc = spec_load_dataset(spec, st->in, &st->data, err); /* the scan, with groups */
    if (!rc)
        rc = spec_validate(spec, &st->data, err);
    if (rc)
        return rc;
    spec_check_confounds(spec, st->in, &st->data); /* a warning, never fatal */
    spec_derive_run_id(spec, &st->data);
    rc = store_open(spec->output_dir, &st->out, err);
    char lock_path[256];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", spec->run_id);
    if (!rc)
        rc = store_lock(st->out, lock_path, &st->run_lock, err);
    if (!rc)
        rc = write_or_check_spec(st, err);
    if (!rc)
        rc = ledger_open(st->out, spec->run_id, &st->led, err);
    if (!rc)
        rc = grid_build(spec, &st->data, &st->tasks, &st->n_tasks, err);
    if (!rc)
        rc = select_todo(st, res, err);
    if (!rc)
        rc = prepare_folds(st, err);
    if (!rc && st->n_todo)
        rc = prepare_features(st, err);
    store_describe(st->out, spec->run_id, res->run_dir, sizeof res->run_dir);
    return rc;
}

static void run_state_release(run_state *st)
{
    for (size_t i = 0; st->fold_of && i < st->spec->species.n * (size_t)st->spec->repeats; i++)
        free(st->fold_of[i]);
    free(st->fold_of);
    external_release(&st->ext);
    for (int k = 0; k <= INPUT_EMBEDDING; k++)
        feature_table_release(&st->tables[k]);
    for (size_t m = 0; st->emb_tables && m < st->spec->models.n; m++) {
        feature_table_release(&st->emb_tables[m]);
        free(st->emb_errors[m]);
    }
    free(st->emb_tables);
    free(st->emb_errors);
    free(st->tasks);
    free(st->todo);
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
    if (spec->threads < 1)
        spec->threads = pool_cpu_count();
    run_state st = {.spec = spec, .opt = opt ? opt : &no_options, .run_lock = -1};
    pthread_mutex_init(&st.lock, NULL);
    openblas_set_num_threads(1); /* parallelism comes from our workers; BLAS calls stay serial */
    int rc = run_prepare(&st, res, err);
    if (rc)
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
    emit_phase(st.opt, "aggregate", 1);
    rc = aggregate_run(st.out, spec->run_id, &st.led, err);
out:
    run_state_release(&st);
    return rc;
}
