/* shard_merge.c — combining a run's ledgers and writing its tables (see shard_merge.h). */
#include "exp/shard_merge.h"
#include "exp/groups.h"
#include "exp/aggregate.h"
#include "dataset/dataset.h"
#include "exp/grid.h"
#include "exp/ledger.h"
#include "exp/shard.h"
#include "exp/spec.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_MAX_LEDGERS 100000  /* ledger files in one run folder */
#define MERGE_MAX_COUNTS 16       /* distinct shard counts N named for a missing task */

/* One ledger file of the run, loaded. */
typedef struct merge_source {
    char name[512];  /* relative to the run folder: "shards/0-of-3.jsonl", "tasks.jsonl" */
    int index, count; /* the shard, or count 0 for tasks.jsonl */
    ledger led;
} merge_source;

typedef struct merge_state {
    store *out, *in;
    const char *run_id;
    exp_spec spec;           /* only what the grid needs, from spec.json */
    int have_spec;
    char fingerprint[65];
    dataset data;
    grid_task *tasks;        /* (n_tasks,) sorted by id */
    size_t n_tasks;
    merge_source *src;       /* (n_src,) */
    size_t n_src;
    json_t **chosen;         /* (n_tasks,) the kept entry of each task, borrowed from a source, or NULL */
    const char **chosen_from; /* (n_tasks,) the source's name */
    unsigned char *duplicated; /* (n_tasks,) the task was found in two sources that differ */
    int counts[MERGE_MAX_COUNTS];
    size_t n_counts;
    json_t *groups_identity; /* spec.json's "groups" (how clips were grouped and the assignment), or NULL */
    strlist unreadable;      /* spec.json's "unreadable_clips": the clips the run left out */
} merge_state;

static int strings_of(const json_t *a, const char *field, strlist *out, mlac_err *err)
{
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 10000)
        return mlac_errf(err, MLAC_EFORMAT, "spec.json: '%s' must be a list of 1 to 10000 names", field);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || !*s || strlen(s) > 200)
            return mlac_errf(err, MLAC_EFORMAT, "spec.json: '%s' item %zu is not a name", field, i);
        int rc = strlist_push(out, s, err);
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

static int int_of(const json_t *doc, const char *field, long lo, long hi, long *out, mlac_err *err)
{
    json_t *v = json_object_get(doc, field);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return mlac_errf(err, MLAC_EFORMAT, "spec.json: '%s' must be a whole number from %ld to %ld", field, lo, hi);
    *out = (long)json_integer_value(v);
    return MLAC_OK;
}

/* The grid's fields of a spec.json (what grid_build and dataset_scan read); the same limits as
 * spec.c applies to a spec from the configuration. */
static int spec_from_json(const json_t *doc, const char *data_override, exp_spec *spec, char *fingerprint,
                          mlac_err *err)
{
    memset(spec, 0, sizeof *spec);
    strlist_init(&spec->models);
    strlist_init(&spec->species);
    long v = 0;
    int rc = strings_of(json_object_get(doc, "models"), "models", &spec->models, err);
    if (!rc)
        rc = strings_of(json_object_get(doc, "species"), "species", &spec->species, err);
    if (!rc)
        rc = int_of(doc, "cv_folds", 2, 1000, &v, err);
    if (!rc)
        spec->folds = (int)v, rc = int_of(doc, "repeats", 1, 1000, &v, err);
    if (!rc)
        spec->repeats = (int)v;
    json_t *sizes = json_object_get(doc, "training_sizes");
    if (!rc && (!json_is_array(sizes) || !json_array_size(sizes) || json_array_size(sizes) > SPEC_MAX_SIZES))
        rc = mlac_errf(err, MLAC_EFORMAT, "spec.json: 'training_sizes' must be a list of 1 to %d sizes", SPEC_MAX_SIZES);
    for (size_t i = 0; !rc && i < json_array_size(sizes); i++) {
        json_t *z = json_array_get(sizes, i);
        json_int_t prev = i ? (json_int_t)spec->sizes[i - 1] : 0;
        if (!json_is_integer(z) || json_integer_value(z) <= prev || json_integer_value(z) > 10000000)
            rc = mlac_errf(err, MLAC_EFORMAT, "spec.json: 'training_sizes' item %zu is not an ascending size", i);
        else
            spec->sizes[spec->n_sizes++] = (size_t)json_integer_value(z);
    }
    const char *neg = json_string_value(json_object_get(doc, "negatives"));
    if (!rc)
        rc = neg ? dataset_parse_negatives(neg, &spec->negatives, err)
                 : mlac_errf(err, MLAC_EFORMAT, "spec.json: 'negatives' is missing");
    const char *data = data_override ? data_override : json_string_value(json_object_get(doc, "data"));
    const char *fp = json_string_value(json_object_get(doc, "data_fingerprint"));
    if (!rc && (!data || !*data || strlen(data) >= sizeof spec->data))
        rc = mlac_errf(err, MLAC_EFORMAT, "spec.json: 'data' is not a data root (give --data)");
    if (!rc && (!fp || strlen(fp) != 64))
        rc = mlac_errf(err, MLAC_EFORMAT, "spec.json: 'data_fingerprint' is not a SHA-256");
    if (!rc) {
        snprintf(spec->data, sizeof spec->data, "%s", data);
        snprintf(fingerprint, 65, "%s", fp);
    }
    json_t *labels = json_object_get(doc, "labels"); /* a manifest run: the same CSV and label words */
    const char *lf = json_string_value(json_object_get(labels, "file"));
    const char *lp = json_string_value(json_object_get(labels, "positive_label"));
    const char *ln = json_string_value(json_object_get(labels, "negative_label"));
    if (!rc && labels && (!lf || !lp || !ln || strlen(lf) >= sizeof spec->labels || strlen(lp) >= sizeof spec->positive_label ||
                          strlen(ln) >= sizeof spec->negative_label))
        rc = mlac_errf(err, MLAC_EFORMAT, "spec.json: 'labels' must hold file, positive_label and negative_label");
    if (!rc && labels) {
        snprintf(spec->labels, sizeof spec->labels, "%s", lf);
        snprintf(spec->positive_label, sizeof spec->positive_label, "%s", lp);
        snprintf(spec->negative_label, sizeof spec->negative_label, "%s", ln);
    }
    /* the grouping, as groups_describe wrote it: folds (and so caps) depend on it */
    const char *how = json_string_value(json_object_get(doc, "group_by"));
    if (!rc && how && !strncmp(how, "file:", 5))
        rc = groups_parse("", how + 5, &spec->groups, err);
    else if (!rc)
        rc = groups_parse(how && strcmp(how, "labels.csv") ? how : "", "", &spec->groups, err);
    if (rc)
        mlac_err_prefix(err, "spec.json: ");
    return rc;
}

static int load_spec(merge_state *st, const merge_options *opt, mlac_err *err)
{
    char path[512], where[4200];
    snprintf(path, sizeof path, "%s/spec.json", st->run_id);
    store_describe(st->out, st->run_id, where, sizeof where);
    int exists = 0;
    int rc = store_exists(st->out, path, &exists, err);
    if (!rc && !exists)
        return mlac_errf(err, MLAC_ENOTFOUND, "no run at '%s': spec.json is missing (has any shard started?)", where);
    buf b;
    buf_init(&b, 16u << 20);
    json_error_t jerr;
    json_t *doc = NULL;
    if (!rc)
        rc = store_read(st->out, path, &b, err);
    if (!rc && !(doc = json_loadb(b.data, b.len, 0, &jerr)))
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s/spec.json' line %d: %s", where, jerr.line, jerr.text);
    if (!rc) {
        rc = spec_from_json(doc, opt ? opt->data : NULL, &st->spec, st->fingerprint, err);
        st->have_spec = 1;
        st->groups_identity = json_incref(json_object_get(doc, "groups"));
        json_t *bad = json_object_get(doc, "unreadable_clips"), *b1;
        size_t k;
        json_array_foreach(bad, k, b1) if (!rc && json_string_value(json_object_get(b1, "file")))
            rc = strlist_push(&st->unreadable, json_string_value(json_object_get(b1, "file")), err);
        if (rc)
            mlac_err_prefix(err, "'%s': ", where);
    }
    json_decref(doc);
    buf_release(&b);
    return rc;
}

static int load_grid(merge_state *st, mlac_err *err)
{
    int rc = store_open(st->spec.data, &st->in, err);
    if (!rc)
        rc = dataset_load(st->in, &(dataset_source){st->spec.negatives, st->spec.labels, st->spec.positive_label,
                                                     st->spec.negative_label}, &st->data, err);
    if (!rc && st->unreadable.n) /* the clips the run left out, as it did (not decoded again) */
        rc = dataset_drop_clips(&st->data, &st->unreadable, "unreadable when the run started", err);
    if (!rc && strcmp(st->data.fingerprint, st->fingerprint))
        rc = mlac_errf(err, MLAC_EINVAL, "data: the clips under '%s' are not those the run started with "
                       "(data_fingerprint of spec.json differs); merge needs the run's data", st->spec.data);
    if (!rc)
        rc = groups_apply(&st->spec.groups, &st->data, &st->spec.species, err);
    if (!rc) { /* the same groups as the shards had, or the grid (and its caps) would differ */
        json_t *now = groups_identity_json(&st->spec.groups, &st->data, &st->spec.species);
        if (!json_equal(now, st->groups_identity) && (now || st->groups_identity))
            rc = mlac_errf(err, MLAC_EINVAL, "data: the clips' groups under '%s' are not those the run started with "
                           "(spec.json 'groups' differs)", st->spec.data);
        json_decref(now);
    }
    if (!rc)
        rc = grid_build(&st->spec, &st->data, &st->tasks, &st->n_tasks, err);
    if (!rc && !(st->chosen = calloc(st->n_tasks ? st->n_tasks : 1, sizeof *st->chosen)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu tasks", st->n_tasks);
    if (!rc && !(st->chosen_from = calloc(st->n_tasks ? st->n_tasks : 1, sizeof *st->chosen_from)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu tasks", st->n_tasks);
    if (!rc && !(st->duplicated = calloc(st->n_tasks ? st->n_tasks : 1, 1)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu tasks", st->n_tasks);
    return rc;
}

/* The run's ledger files: tasks.jsonl first (a single-process ledger, or what the last merge
 * kept, so merging again keeps the same entries), then every shards/<I>-of-<N>.jsonl in name order. */
static int list_sources(merge_state *st, strlist *names, mlac_err *err)
{
    char prefix[512], path[512];
    int exists = 0;
    snprintf(path, sizeof path, "%s/tasks.jsonl", st->run_id);
    int rc = store_exists(st->out, path, &exists, err);
    if (!rc && exists)
        rc = strlist_push(names, "tasks.jsonl", err);
    if (rc)
        return rc;
    snprintf(prefix, sizeof prefix, "%s/shards", st->run_id);
    strlist all;
    strlist_init(&all);
    mlac_err e = {0};
    rc = store_list(st->out, prefix, &all, &e);
    if (rc == MLAC_ENOTFOUND)
        rc = MLAC_OK; /* no shard has run: a single-process run, or nothing */
    else if (rc && err)
        *err = e;
    size_t skip = strlen(st->run_id) + 1;
    for (size_t i = 0; !rc && i < all.n; i++) {
        const char *rel = all.items[i] + skip, *base = strrchr(all.items[i], '/');
        int index, count;
        if (!strncmp(rel, "shards/", 7) && !strchr(rel + 7, '/') && !shard_parse_ledger_name(base + 1, &index, &count))
            rc = strlist_push(names, rel, err);
    }
    strlist_release(&all);
    if (!rc && names->n > MERGE_MAX_LEDGERS)
        rc = mlac_errf(err, MLAC_EINVAL, "'%s' holds %zu ledgers, more than %d", prefix, names->n, MERGE_MAX_LEDGERS);
    return rc;
}

static int cmp_task_id(const void *key, const void *elem)
{
    return strcmp(key, ((const grid_task *)elem)->id);
}

static int is_ok(const json_t *e)
{
    const char *s = json_string_value(json_object_get(e, "status"));
    return s && !strcmp(s, "ok");
}

/* Files one ledger entry under its task: first seen is kept unless a later one succeeded where
 * it failed; two successes must agree on their metrics. */
static int take_entry(merge_state *st, const merge_source *src, json_t *e, merge_report *rep, mlac_err *err)
{
    const char *id = json_string_value(json_object_get(e, "task_id"));
    const grid_task *t = bsearch(id, st->tasks, st->n_tasks, sizeof *st->tasks, cmp_task_id);
    if (!t)
        return mlac_errf(err, MLAC_EFORMAT, "'%s/%s' holds task '%s', which is not in the grid of spec.json",
                         st->run_id, src->name, id);
    size_t k = (size_t)(t - st->tasks);
    json_t *old = st->chosen[k];
    if (!old) {
        st->chosen[k] = e;
        st->chosen_from[k] = src->name;
        return MLAC_OK;
    }
    if (json_equal(old, e))
        return MLAC_OK; /* the same record twice: what a merge kept in tasks.jsonl, and its shard */
    if (is_ok(old) && is_ok(e) && !json_equal(json_object_get(old, "metrics"), json_object_get(e, "metrics")))
        return mlac_errf(err, MLAC_EFORMAT, "task '%s' has different metrics in '%s' and '%s' (shards of different "
                         "code or data?); remove the wrong ledger and merge again", id, st->chosen_from[k], src->name);
    char note[1400];
    snprintf(note, sizeof note, "%s in %s and %s", id, st->chosen_from[k], src->name);
    if (!is_ok(old) && is_ok(e)) { /* failed once, succeeded on a retry */
        st->chosen[k] = e;
        st->chosen_from[k] = src->name;
    }
    if (st->duplicated[k])
        return MLAC_OK; /* counted and named once per task */
    st->duplicated[k] = 1;
    rep->duplicates++;
    return strlist_push(&rep->duplicate_tasks, note, err);
}

static int load_sources(merge_state *st, merge_report *rep, mlac_err *err)
{
    strlist names;
    strlist_init(&names);
    int rc = list_sources(st, &names, err);
    if (!rc && !(st->src = calloc(names.n ? names.n : 1, sizeof *st->src)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu ledgers", names.n);
    for (size_t i = 0; !rc && i < names.n; i++) {
        merge_source *s = &st->src[st->n_src];
        char path[1200];
        snprintf(s->name, sizeof s->name, "%s", names.items[i]);
        snprintf(path, sizeof path, "%s/%s", st->run_id, s->name);
        if (!strncmp(s->name, "shards/", 7))
            shard_parse_ledger_name(s->name + 7, &s->index, &s->count);
        rc = ledger_open_path(st->out, path, &s->led, err);
        if (rc)
            break;
        st->n_src++;
        int seen = 0;
        for (size_t c = 0; c < st->n_counts; c++)
            seen |= st->counts[c] == s->count;
        if (s->count && !seen && st->n_counts < MERGE_MAX_COUNTS)
            st->counts[st->n_counts++] = s->count;
        char note[700];
        snprintf(note, sizeof note, "%s (%zu tasks%s)", s->name, s->led.n, s->led.torn_lines ? ", a torn line skipped" : "");
        rc = strlist_push(&rep->ledgers, note, err);
        for (size_t j = 0; !rc && j < s->led.n; j++)
            rc = take_entry(st, s, s->led.entries[j], rep, err);
    }
    strlist_release(&names);
    return rc;
}

static int has_source(const merge_state *st, int index, int count)
{
    for (size_t i = 0; i < st->n_src; i++)
        if (st->src[i].count == count && st->src[i].index == index)
            return 1;
    return 0;
}

/* Names what is missing (with its shard under every shard count seen) and what failed. */
static int check_complete(merge_state *st, merge_report *rep, mlac_err *err)
{
    int rc = MLAC_OK;
    rep->grid_tasks = st->n_tasks;
    for (size_t k = 0; !rc && k < st->n_tasks; k++) {
        const char *id = st->tasks[k].id;
        json_t *e = st->chosen[k];
        char note[1400];
        if (e) {
            rep->done++;
            if (is_ok(e))
                continue;
            rep->failed++;
            const char *why = json_string_value(json_object_get(e, "error"));
            snprintf(note, sizeof note, "%s: %s", id, why ? why : "failed");
            rc = strlist_push(&rep->failed_tasks, note, err);
            continue;
        }
        size_t len = (size_t)snprintf(note, sizeof note, "%s", id);
        for (size_t c = 0; c < st->n_counts; c++) {
            int n = st->counts[c], i = shard_of(id, n);
            len += (size_t)snprintf(note + len, sizeof note - len, "%s%d/%d", c ? ", " : " (shard ", i, n);
            char shard[64];
            snprintf(shard, sizeof shard, "%d/%d", i, n);
            if (!has_source(st, i, n) && !strlist_contains(&rep->absent_shards, shard))
                rc = strlist_push(&rep->absent_shards, shard, err);
        }
        if (st->n_counts && len < sizeof note)
            snprintf(note + len, sizeof note - len, ")");
        if (!rc)
            rc = strlist_push(&rep->missing, note, err);
    }
    return rc;
}

static int write_merged(merge_state *st, merge_report *rep, mlac_err *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tasks.jsonl", st->run_id);
    ledger merged;
    ledger_init(&merged, st->out, path);
    int rc = MLAC_OK;
    for (size_t k = 0; !rc && k < st->n_tasks; k++)
        rc = ledger_insert(&merged, st->chosen[k], err);
    if (!rc)
        rc = ledger_save(&merged, err);
    if (!rc)
        rc = aggregate_run(st->out, st->run_id, &merged, err);
    rep->written = !rc;
    ledger_release(&merged);
    return rc;
}

static void merge_state_release(merge_state *st)
{
    for (size_t i = 0; i < st->n_src; i++)
        ledger_release(&st->src[i].led);
    free(st->src);
    free(st->chosen);
    free(st->chosen_from);
    free(st->duplicated);
    free(st->tasks);
    dataset_release(&st->data);
    if (st->have_spec)
        spec_release(&st->spec);
    json_decref(st->groups_identity);
    strlist_release(&st->unreadable);
    store_free(st->in);
}

int merge_run(const char *root, const char *run_id, const merge_options *opt, merge_report *rep, mlac_err *err)
{
    memset(rep, 0, sizeof *rep);
    strlist_init(&rep->ledgers);
    strlist_init(&rep->missing);
    strlist_init(&rep->failed_tasks);
    strlist_init(&rep->duplicate_tasks);
    strlist_init(&rep->absent_shards);
    merge_state st = {.run_id = run_id};
    int lock = -1;
    char lock_path[512];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", run_id);
    int rc = store_open(root, &st.out, err);
    if (!rc)
        rc = load_spec(&st, opt, err); /* before the lock: a missing run is not created by merging it */
    if (!rc)
        rc = store_lock(st.out, lock_path, &lock, err);
    if (!rc)
        rc = load_grid(&st, err);
    if (!rc)
        rc = load_sources(&st, rep, err);
    if (!rc)
        rc = check_complete(&st, rep, err);
    if (!rc && !rep->missing.n)
        rc = write_merged(&st, rep, err);
    if (st.out)
        store_unlock(st.out, lock);
    merge_state_release(&st);
    store_free(st.out);
    return rc;
}

void merge_report_release(merge_report *rep)
{
    if (!rep)
        return;
    strlist_release(&rep->ledgers);
    strlist_release(&rep->missing);
    strlist_release(&rep->failed_tasks);
    strlist_release(&rep->duplicate_tasks);
    strlist_release(&rep->absent_shards);
}
