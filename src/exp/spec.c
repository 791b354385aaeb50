/* spec.c — building, validating and serialising the experiment spec (see spec.h). */
#include "exp/spec.h"
#include "core/json_alloc.h"
#include "core/alloc.h"
#include "store/store.h"
#include "core/log.h"
#include "core/hash.h"
#include "ml/model.h"
#include "exp/folds.h"
#include "exp/clip_length.h"
#include "exp/confound.h"
#include "exp/leakage.h"
#include "core/pool.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int parse_sizes(const char *text, exp_spec *spec, mlac_err *err)
{
    strlist items;
    strlist_init(&items);
    int rc = strlist_push_split(&items, text, err);
    spec->n_sizes = 0;
    for (size_t i = 0; !rc && i < items.n; i++) {
        char *end;
        errno = 0;
        long v = strtol(items.items[i], &end, 10);
        int whole = !*end && end != items.items[i] && isdigit((unsigned char)items.items[i][0]);
        if (whole && (errno == ERANGE || v > 10000000))
            rc = mlac_errf(err, MLAC_EINVAL, "training_sizes: %s is too large (at most 10000000 clips per class)",
                           items.items[i]);
        else if (!whole || v < 1)
            rc = mlac_errf(err, MLAC_EINVAL, "training_sizes: '%s' is not a whole number >= 1", items.items[i]);
        else if (spec->n_sizes == SPEC_MAX_SIZES)
            rc = mlac_errf(err, MLAC_EINVAL, "training_sizes: more than %d sizes", SPEC_MAX_SIZES);
        else
            spec->sizes[spec->n_sizes++] = (size_t)v;
    }
    strlist_release(&items);
    if (!rc && spec->n_sizes == 0)
        rc = mlac_errf(err, MLAC_EINVAL, "training_sizes: no sizes given");
    if (rc)
        return rc;
    qsort(spec->sizes, spec->n_sizes, sizeof spec->sizes[0], cmp_size);
    size_t w = 1;
    for (size_t i = 1; i < spec->n_sizes; i++)
        if (spec->sizes[i] != spec->sizes[w - 1])
            spec->sizes[w++] = spec->sizes[i];
    spec->n_sizes = w;
    return MLAC_OK;
}

int spec_read_features(const config *cfg, feat_params *f, mlac_err *err)
{
    long v;
    int scale;
    feat_params_default(f);
    int rc = config_int(cfg, "sample_rate", &v, err);
    if (!rc) f->sample_rate = (int)v, rc = config_int(cfg, "n_fft", &v, err);
    if (!rc) f->n_fft = (int)v, rc = config_int(cfg, "hop_length", &v, err);
    if (!rc) f->hop = (int)v, rc = config_int(cfg, "n_mels", &v, err);
    if (!rc) f->n_mels = (int)v, rc = config_int(cfg, "n_mfcc", &v, err);
    if (!rc) f->n_mfcc = (int)v, rc = config_int(cfg, "image_size", &v, err);
    if (!rc) f->image_size = (int)v, rc = config_word(cfg, "mel_scale", &scale, err);
    if (!rc) {
        f->mel_scale = scale == 1 ? MEL_HTK : MEL_SLANEY; /* the order of the row's words: slaney|htk */
        rc = feat_params_check(f, err);
    }
    return rc;
}

/* Embedding models need an embedder: stop before any work with how to configure one, or, with
 * skip_unavailable, drop the model with a warning. When the models are the default (every
 * registered model: `mlac grid-search` with no --models), those without an embedder are dropped
 * quietly, so the default grid keeps working on a machine without BirdNET or Perch. */
static int check_embedders(exp_spec *spec, int models_defaulted, mlac_err *err)
{
    for (size_t i = 0; i < spec->models.n;) {
        const struct model_kind *k = model_find(spec->models.items[i]);
        mlac_err why = {0};
        if (!k || k->input != INPUT_EMBEDDING || !embed_check_available(&spec->embed, k->name, &why)) {
            i++;
            continue;
        }
        if (!spec->embed.skip_unavailable && !models_defaulted) {
            if (err)
                *err = why;
            return why.code;
        }
        if (!models_defaulted)
            log_warn("skipping model '%s' (--skip-unavailable): %s", k->name, why.msg);
        free(spec->models.items[i]);
        memmove(&spec->models.items[i], &spec->models.items[i + 1], (spec->models.n - i - 1) * sizeof(char *));
        spec->models.n--;
    }
    return spec->models.n ? MLAC_OK
                          : mlac_errf(err, MLAC_EUNAVAIL, "models: every model was skipped (no embedder configured)");
}

/* model_options JSON, plus the CNN flags (--epochs, --batch-size, --pretrained) copied into every
 * model that reads log-mel images, and --width into mobilenet (the one network it widens), unless
 * its model_options already say otherwise. */
static int read_model_options(const config *cfg, exp_spec *spec, mlac_err *err)
{
    json_error_t jerr;
    spec->model_options = json_loads(config_str(cfg, "model_options"), 0, &jerr);
    if (!spec->model_options || !json_is_object(spec->model_options))
        return mlac_errf(err, MLAC_EINVAL, "model_options (from %s): expected a JSON object of model names, %s",
                         config_find(cfg, "model_options")->origin, spec->model_options ? "got another value" : jerr.text);
    const char *key;
    json_t *v;
    json_object_foreach(spec->model_options, key, v) {
        if (!json_is_object(v))
            return mlac_errf(err, MLAC_EINVAL, "model_options.%s must be an object of options", key);
        if (!strlist_contains(&spec->models, key))
            return mlac_errf(err, MLAC_EINVAL, "model_options: '%s' is not one of the run's models", key);
    }
    static const struct { const char *key; int is_text; } cnn[] = {
        {"epochs", 0}, {"batch_size", 0}, {"width", 0}, {"pretrained", 1}};
    for (size_t m = 0; m < spec->models.n; m++) {
        const struct model_kind *kind = model_find(spec->models.items[m]);
        json_t *o = json_object_get(spec->model_options, spec->models.items[m]);
        if (!o) {
            o = json_object();
            json_object_set_new(spec->model_options, spec->models.items[m], o);
        }
        if (kind && kind->input == INPUT_EMBEDDING) { /* --embed-head mlp, --head-cv */
            if (spec->embed.head_mlp && !json_object_get(o, "head"))
                json_object_set_new(o, "head", json_string("mlp"));
            if (spec->embed.head_cv && !json_object_get(o, "head_cv"))
                json_object_set_new(o, "head_cv", json_true());
        }
        if (!kind || kind->input != INPUT_LOGMEL_IMAGE)
            continue;
        for (size_t i = 0; i < sizeof cnn / sizeof cnn[0]; i++) {
            const config_entry *e = config_find(cfg, cnn[i].key);
            if (!e->value[0] || json_object_get(o, cnn[i].key) ||
                (!strcmp(cnn[i].key, "width") && strcmp(kind->name, "mobilenet")) ||
                (!strcmp(cnn[i].key, "batch_size") && e->source == SRC_DEFAULT))
                continue;
            long whole;
            double num;
            if (cnn[i].is_text)
                json_object_set_new(o, cnn[i].key, json_string(e->value));
            else if (e->spec->type == CONFIG_INT ? config_int(cfg, cnn[i].key, &whole, err)
                                                 : config_num(cfg, cnn[i].key, &num, err))
                return MLAC_EINVAL;
            else if (e->spec->type == CONFIG_INT)
                json_object_set_new(o, cnn[i].key, json_integer((json_int_t)whole));
            else
                json_object_set_new(o, cnn[i].key, num == (double)(json_int_t)num ? json_integer((json_int_t)num) : json_real(num));
        }
    }
    return MLAC_OK;
}

json_t *spec_model_options(const exp_spec *spec, const char *model)
{
    json_t *o = spec->model_options ? json_object_get(spec->model_options, model) : NULL;
    return o;
}

/* A name given twice would run every task of it twice. */
static int refuse_repeats(const char *field, const strlist *l, mlac_err *err)
{
    for (size_t i = 0; i < l->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->items[i], l->items[j]))
                return mlac_errf(err, MLAC_EINVAL, "%s: '%s' is listed twice", field, l->items[i]);
    return MLAC_OK;
}

void spec_canonical_order(exp_spec *spec)
{
    model_sort_names(&spec->models);
    strlist_sort(&spec->species);
}

/* The value of a key once checked against its row (words, ranges): rc set on failure. */
static const char *checked_text(const config *cfg, const char *key, int *rc, mlac_err *err)
{
    const config_entry *e = config_find(cfg, key);
    if (!*rc)
        *rc = config_check(e, err);
    return e->value;
}

static int spec_fill(const config *cfg, exp_spec *spec, mlac_err *err)
{
    memset(spec, 0, sizeof *spec);
    strlist_init(&spec->models);
    strlist_init(&spec->species);
    long v;
    int word;
    int rc = strlist_push_items(&spec->models, config_str(cfg, "models"), err);
    if (!rc) rc = strlist_push_items(&spec->species, config_str(cfg, "species"), err);
    if (!rc) rc = refuse_repeats("models", &spec->models, err);
    if (!rc) rc = refuse_repeats("species", &spec->species, err);
    if (!rc) spec_canonical_order(spec); /* the lists are sets: the order typed changes nothing */
    if (!rc) rc = parse_sizes(config_str(cfg, "training_sizes"), spec, err);
    if (!rc) rc = config_int(cfg, "cv_folds", &v, err);
    if (!rc) spec->folds = (int)v, rc = config_int(cfg, "repeats", &v, err);
    if (!rc) spec->repeats = (int)v, rc = config_int(cfg, "threads", &v, err);
    if (!rc) spec->threads = (int)v, rc = config_int(cfg, "max_concurrent", &v, err);
    if (!rc) spec->max_concurrent = (int)v, rc = config_int(cfg, "seed", &v, err);
    if (!rc) {
        spec->seed = (unsigned long long)v;
        const char *cs = config_str(cfg, "clip_seconds");
        spec->clip_auto = !cs[0] || !strcmp(cs, "auto");
        if (!spec->clip_auto)
            rc = config_num(cfg, "clip_seconds", &spec->clip_seconds, err);
    }
    const char *negatives = checked_text(cfg, "negatives", &rc, err);
    if (!rc) rc = dataset_parse_negatives(negatives, &spec->negatives, err);
    if (!rc) rc = groups_parse(config_str(cfg, "group_by"), config_str(cfg, "groups"), &spec->groups, err);
    if (!rc && !(rc = config_word(cfg, "calibrate", &word, err)))
        spec->calibrate_platt = word == 1; /* none|platt */
    if (!rc && !(rc = config_word(cfg, "group_score", &word, err)))
        spec->group_score = word > 0 ? word : 0; /* none|max|mean: 1 max, 2 mean */
    if (!rc) rc = spec_read_features(cfg, &spec->feat, err);
    if (rc)
        return rc;
    if (spec->models.n == 0)
        return mlac_errf(err, MLAC_EINVAL, "models: no models given");
    rc = embed_settings_read(cfg, &spec->embed, err);
    if (!rc)
        rc = check_embedders(spec, config_find(cfg, "models")->source == SRC_DEFAULT, err);
    if (!rc)
        rc = read_model_options(cfg, spec, err);
    if (rc)
        return rc;
    const char *bad_clip = checked_text(cfg, "on_bad_clip", &rc, err);
    if (!rc)
        rc = dataset_parse_bad_clip(bad_clip, &spec->on_bad_clip, err);
    if (rc)
        return rc;
    snprintf(spec->labels, sizeof spec->labels, "%s", config_str(cfg, "labels"));
    char abs_path[PATH_MAX];
    if (spec->labels[0] && !strstr(spec->labels, "://") && realpath(spec->labels, abs_path) &&
        strlen(abs_path) < sizeof spec->labels) /* spec.json names it so merge finds it from anywhere */
        snprintf(spec->labels, sizeof spec->labels, "%s", abs_path);
    snprintf(spec->positive_label, sizeof spec->positive_label, "%s", config_str(cfg, "positive_label"));
    snprintf(spec->negative_label, sizeof spec->negative_label, "%s", config_str(cfg, "negative_label"));
    if ((spec->positive_label[0] || spec->negative_label[0]) && !spec->labels[0])
        return mlac_errf(err, MLAC_EINVAL, "%s: applies to a labels CSV; give --labels FILE.csv",
                         spec->positive_label[0] ? "positive_label" : "negative_label");
    if (spec->positive_label[0] && !strcmp(spec->positive_label, spec->negative_label))
        return mlac_errf(err, MLAC_EINVAL, "negative_label: '%s' is also the positive label", spec->negative_label);
    if (spec->labels[0] && config_find(cfg, "data")->source == SRC_DEFAULT) {
        const char *slash = strrchr(spec->labels, '/'); /* files relative to the CSV's folder */
        snprintf(spec->data, sizeof spec->data, "%.*s", slash ? (int)(slash - spec->labels) : 1,
                 slash ? spec->labels : ".");
        if (slash == spec->labels)
            snprintf(spec->data, sizeof spec->data, "/");
    } else {
        store_data_root(config_str(cfg, "data"), spec->data, sizeof spec->data); /* GCS_BUCKET_NAME + bare path */
    }
    snprintf(spec->output_dir, sizeof spec->output_dir, "%s", config_str(cfg, "output_dir"));
    snprintf(spec->cache_dir, sizeof spec->cache_dir, "%s", config_str(cfg, "cache_dir"));
    snprintf(spec->test_data, sizeof spec->test_data, "%s", config_str(cfg, "test_data"));
    snprintf(spec->run_id, sizeof spec->run_id, "%s", config_str(cfg, "run_id"));
    for (const char *p = spec->run_id; *p; p++)
        if (*p == '/' || (*p == '.' && p == spec->run_id))
            return mlac_errf(err, MLAC_EINVAL, "run_id: '%s' must be a plain folder name", spec->run_id);
    return MLAC_OK;
}

int spec_from_config(const config *cfg, exp_spec *spec, mlac_err *err)
{
    int rc = spec_fill(cfg, spec, err);
    if (rc)
        spec_release(spec); /* on failure nothing is left for the caller to release */
    return rc;
}

void spec_release(exp_spec *spec)
{
    if (!spec)
        return;
    strlist_release(&spec->models);
    strlist_release(&spec->species);
    json_decref(spec->model_options);
    spec->model_options = NULL;
}

int spec_resolve_clip(exp_spec *spec, store *s, const dataset *data, mlac_err *err)
{
    clip_length_stats st;
    int rc = clip_length_choose(s, data, &spec->species, spec->clip_auto ? 0 : spec->clip_seconds, &st, err);
    if (rc)
        return rc;
    spec->clip_seconds = st.seconds;
    clip_length_describe(&st, spec->clip_note, sizeof spec->clip_note);
    log_info("%s", spec->clip_note);
    return MLAC_OK;
}

int spec_load_dataset(exp_spec *spec, store *s, dataset *data, mlac_err *err)
{
    dataset_source src = {spec->negatives, spec->labels, spec->positive_label, spec->negative_label};
    int rc = dataset_load(s, &src, data, err);
    if (rc)
        return rc;
    int all = spec->species.n == 0; /* default: every species found */
    for (size_t i = 0; !rc && all && i < data->n; i++)
        rc = strlist_push(&spec->species, data->species[i].name, err);
    if (!rc && all)
        spec_canonical_order(spec);
    for (size_t i = 0; !rc && i < data->n; i++)
        if (data->species[i].label_map[0] && strlist_contains(&spec->species, data->species[i].name))
            log_info("labels of '%s': %s", data->species[i].name, data->species[i].label_map);
    for (size_t i = 0; !rc && i < spec->species.n; i++)
        if (!dataset_find(data, spec->species.items[i]))
            break; /* spec_validate names it, with the species found */
        else if (i + 1 == spec->species.n)
            rc = dataset_check_clips(s, data, &spec->species, spec->on_bad_clip,
                                     spec->threads > 0 ? spec->threads : pool_cpu_count(), err);
    if (!rc)
        rc = groups_apply(&spec->groups, data, &spec->species, err);
    if (rc)
        dataset_release(data);
    return rc;
}

static int spec_check(const exp_spec *spec, const dataset *data, mlac_err *err);

/* The warnings of a valid spec: unbalanced grouped folds, windows of recordings without groups. */
static void data_warnings(const exp_spec *spec, const dataset *data, strlist *out)
{
    if (data->n_bad) { /* listed once: logged by spec_validate, kept in spec.json for the report */
        char list[900], msg[1024];
        dataset_bad_summary(data, 5, list, sizeof list);
        snprintf(msg, sizeof msg, "%zu unreadable clip%s left out of the counts and folds (on_bad_clip skip): %s",
                 data->n_bad, data->n_bad == 1 ? "" : "s", list);
        strlist_push(out, msg, NULL);
    }
    for (size_t i = 0; i < spec->species.n; i++) {
        const species_data *sp = dataset_find(data, spec->species.items[i]);
        char msg[1024];
        if (!sp)
            continue;
        if (sp->n_groups) {
            int *fold_of = mlac_malloc(sp->n_clips * sizeof *fold_of);
            if (fold_of && !folds_assign(sp, spec->folds, spec->seed, 0, fold_of, NULL) &&
                folds_group_balance(sp, spec->folds, fold_of, msg, sizeof msg))
                strlist_push(out, msg, NULL);
            free(fold_of);
        } else if (leakage_check(sp, msg, sizeof msg)) {
            strlist_push(out, msg, NULL);
        }
        if (sp->confound_note[0])
            strlist_push(out, sp->confound_note, NULL);
    }
}

void spec_check_confounds(const exp_spec *spec, store *s, dataset *data, const feature_table *known)
{
    /* the check reads every clip, one after another: on gs:// let them download many at once
     * meanwhile (a no-op for folders); the feature stage then finds them in the download cache */
    size_t n = 0;
    for (size_t i = 0; i < spec->species.n; i++) {
        const species_data *sp = dataset_find(data, spec->species.items[i]);
        n += sp ? sp->n_clips : 0;
    }
    const char **paths = n ? malloc(n * sizeof *paths) : NULL;
    if (paths) { /* out of memory: only slower */
        size_t k = 0;
        for (size_t i = 0; i < spec->species.n; i++) {
            const species_data *sp = dataset_find(data, spec->species.items[i]);
            for (size_t c = 0; sp && c < sp->n_clips; c++)
                paths[k++] = sp->clips[c].path;
        }
        store_prefetch(s, paths, k);
        free(paths);
    }
    for (size_t i = 0; i < spec->species.n; i++) {
        species_data *sp = (species_data *)dataset_find(data, spec->species.items[i]);
        confound_result r;
        mlac_err e;
        if (!sp || confound_check(s, sp, spec->folds, spec->seed, known, &r, &e))
            continue;
        log_info("species '%s': metadata-only baseline ROC-AUC %.3f (%zu clips' metadata from the feature stage, "
                 "%zu decoded for it)", sp->name, r.auc, r.reused, sp->n_clips - r.reused - r.unreadable);
        if (confound_warning(sp, &r, sp->confound_note, sizeof sp->confound_note))
            log_warn("%s", sp->confound_note);
    }
}

int spec_validate(const exp_spec *spec, const dataset *data, mlac_err *err)
{
    int rc = spec_check(spec, data, err);
    strlist w;
    strlist_init(&w);
    if (!rc)
        data_warnings(spec, data, &w);
    for (size_t i = 0; i < w.n; i++)
        if (strstr(w.items[i], "the recording format alone") == NULL) /* confound notes log where made */
            log_warn("%s", w.items[i]);
    strlist_release(&w);
    return rc;
}

static int spec_check(const exp_spec *spec, const dataset *data, mlac_err *err)
{
    char names[512];
    for (size_t i = 0; i < spec->models.n; i++) {
        if (!model_find(spec->models.items[i])) {
            model_names(names, sizeof names);
            return mlac_errf(err, MLAC_EINVAL, "models: unknown model '%s' (known: %s)", spec->models.items[i],
                             names);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(spec->models.items[i], spec->models.items[j]))
                return mlac_errf(err, MLAC_EINVAL, "models: '%s' is listed twice", spec->models.items[i]);
    }
    for (size_t i = 0; i < spec->models.n; i++) {
        /* options are checked now, by the model itself, so a typo fails before any work */
        const struct model_kind *kind = model_find(spec->models.items[i]);
        model_config mc = {.seed = spec->seed, .n_threads = 1,
                           .options = spec_model_options(spec, spec->models.items[i])};
        model *m = NULL;
        int rc = kind->create(&mc, &m, err);
        if (m)
            kind->free(m);
        if (rc)
            return mlac_err_prefix(err, "model_options.%s: ", kind->name);
    }
    for (size_t i = 0; i < spec->species.n; i++) {
        const species_data *sp = dataset_find(data, spec->species.items[i]);
        if (!sp) {
            size_t len = 0;
            names[0] = '\0';
            for (size_t j = 0; j < data->n && len < sizeof names; j++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "", data->species[j].name);
            return mlac_errf(err, MLAC_EINVAL, "species: '%s' is not in '%s' (found: %s)", spec->species.items[i],
                             data->root, names);
        }
        size_t min_class = sp->n_pos < sp->n_neg ? sp->n_pos : sp->n_neg;
        if ((size_t)spec->folds > min_class)
            return mlac_errf(err, MLAC_EINVAL,
                             "cv_folds: %d folds need at least %d clips per class, but species '%s' has %zu "
                             "positives and %zu negatives",
                             spec->folds, spec->folds, sp->name, sp->n_pos, sp->n_neg);
        int rc = groups_check_folds(sp, spec->folds, err);
        if (rc)
            return rc;
        if (spec->group_score && !sp->n_groups)
            return mlac_errf(err, MLAC_EINVAL, "group_score: species '%s' has no groups; give --group-by or --groups "
                             "(recording-level scores need recordings)", sp->name);
        if (folds_max_balanced(sp, spec->folds, spec->seed, spec->repeats) < 1)
            return mlac_errf(err, MLAC_EINVAL, "species '%s' has too few clips for %d folds", sp->name, spec->folds);
    }
    return MLAC_OK;
}

static json_t *strlist_json(const strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* A list of the identity as a set: its items in canonical order (spec_canonical_order), whatever
 * order the spec holds them in, so the run id never depends on it. */
static json_t *set_json(const strlist *l, int models)
{
    strlist view = {l->n ? malloc(l->n * sizeof *l->items) : NULL, l->n, l->n};
    if (l->n && !view.items)
        return NULL; /* out of memory: json_pack fails and the caller sees NULL */
    if (l->n)
        memcpy(view.items, l->items, l->n * sizeof *l->items);
    if (models)
        model_sort_names(&view);
    else
        strlist_sort(&view);
    json_t *a = strlist_json(&view);
    free(view.items); /* the items stay the spec's */
    return a;
}

static json_t *feat_json(const feat_params *f)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:f, s:f, s:f, s:i, s:i, s:i}", "sample_rate",
                     f->sample_rate, "n_fft", f->n_fft, "hop_length", f->hop, "n_mels", f->n_mels, "mel_scale",
                     f->mel_scale == MEL_HTK ? "htk" : "slaney", "mel_norm", f->mel_norm ? "slaney" : "none",
                     "f_min", (double)f->f_min, "f_max", (double)(f->f_max > 0 ? f->f_max : f->sample_rate / 2.0f),
                     "top_db", (double)f->top_db, "n_mfcc", f->n_mfcc, "delta_win", f->delta_win, "image_size",
                     f->image_size);
}

static const char *neg_name(enum negatives_mode m)
{
    return m == NEG_FOLDER ? "folder" : m == NEG_OTHERS ? "others" : "auto";
}

/* The fields that determine results: the run id and the resume check hash these. */
static json_t *identity_json(const exp_spec *spec, const dataset *data)
{
    json_t *sizes = json_array();
    for (size_t i = 0; i < spec->n_sizes; i++)
        json_array_append_new(sizes, json_integer((json_int_t)spec->sizes[i]));
    json_t *id = json_pack("{s:o, s:o, s:o, s:i, s:i, s:I, s:s, s:f, s:o, s:s, s:O}", "models", set_json(&spec->models, 1),
                     "species", set_json(&spec->species, 0), "training_sizes", sizes, "cv_folds", spec->folds,
                     "repeats", spec->repeats, "seed", (json_int_t)spec->seed, "negatives",
                     neg_name(spec->negatives), "clip_seconds", spec->clip_seconds, "features",
                     feat_json(&spec->feat), "data_fingerprint", data ? data->fingerprint : "", "model_options",
                     spec->model_options ? spec->model_options : json_null());
    json_t *emb = json_object(); /* only runs with birdnet/perch get the key: other run ids stay */
    for (size_t i = 0; i < spec->models.n; i++) {
        const struct model_kind *k = model_find(spec->models.items[i]);
        if (k && k->input == INPUT_EMBEDDING)
            json_object_set_new(emb, k->name, embed_settings_to_json(&spec->embed, k->name));
    }
    if (json_object_size(emb))
        json_object_set_new(id, "embedding", emb);
    else
        json_decref(emb);
    json_t *groups = data ? groups_identity_json(&spec->groups, data, &spec->species) : NULL;
    if (groups) /* only grouped runs get the key: run ids without groups stay the same */
        json_object_set_new(id, "groups", groups);
    if (spec->test_data[0]) /* likewise: the external root (its clips are not fingerprinted here) */
        json_object_set_new(id, "test_data", json_string(spec->test_data));
    if (spec->group_score) /* likewise */
        json_object_set_new(id, "group_score", json_string(spec->group_score == 1 ? "max" : "mean"));
    if (spec->calibrate_platt) /* likewise only calibrated runs */
        json_object_set_new(id, "calibrate", json_string("platt"));
    return id;
}

int spec_derive_run_id(exp_spec *spec, const dataset *data, mlac_err *err)
{
    if (spec->run_id[0])
        return MLAC_OK;
    json_alloc_begin();
    json_t *id = identity_json(spec, data);
    char *text = json_dumps_whole(id, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(id);
    if (!text)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory deriving the run id");
    char hex[65];
    hash_sha256_hex(text, strlen(text), hex);
    snprintf(spec->run_id, sizeof spec->run_id, "run-%.12s", hex);
    free(text);
    return MLAC_OK;
}

json_t *spec_to_json(const exp_spec *spec, const dataset *data)
{
    json_t *o = identity_json(spec, data);
    json_object_set_new(o, "mlac_version", json_string(MLAC_VERSION));
    json_object_set_new(o, "run_id", json_string(spec->run_id));
    json_object_set_new(o, "data", json_string(spec->data));
    json_object_set_new(o, "output_dir", json_string(spec->output_dir));
    json_object_set_new(o, "threads", json_integer(spec->threads));
    json_object_set_new(o, "max_concurrent", json_integer(spec->max_concurrent));
    json_object_set_new(o, "cache_dir", json_string(spec->cache_dir));
    char how[GROUPS_MAX_PATTERN + 4200];
    groups_describe(&spec->groups, how, sizeof how);
    json_object_set_new(o, "group_by", json_string(how));
    if (spec->clip_note[0]) /* not identity: clip_seconds, the length itself, is */
        json_object_set_new(o, "clip_length", json_string(spec->clip_note));
    json_t *sp = json_object();
    for (size_t i = 0; data && i < spec->species.n; i++) {
        const species_data *s = dataset_find(data, spec->species.items[i]);
        if (!s)
            continue;
        json_t *o = json_pack("{s:I, s:I, s:b, s:I, s:I}", "positives", (json_int_t)s->n_pos, "negatives",
                              (json_int_t)s->n_neg, "negatives_from_others", s->negatives_from_others,
                              "max_balanced_n", (json_int_t)folds_max_balanced(s, spec->folds, spec->seed, spec->repeats),
                              "data_5s_unpaired", (json_int_t)s->n_5s_unpaired);
        if (s->n_groups)
            json_object_set_new(o, "groups", json_integer((json_int_t)s->n_groups));
        json_object_set_new(sp, s->name, o);
    }
    json_object_set_new(o, "dataset", sp);
    if (spec->labels[0])
        json_object_set_new(o, "labels", json_pack("{s:s, s:s, s:s}", "file", spec->labels, "positive_label",
                                                    spec->positive_label, "negative_label", spec->negative_label));
    if (data && data->n_bad) {
        json_t *bad = json_array();
        for (size_t k = 0; k < data->n_bad; k++)
            json_array_append_new(bad, json_pack("{s:s, s:s}", "file", data->bad[k].path, "reason", data->bad[k].reason));
        json_object_set_new(o, "unreadable_clips", bad);
    }
    strlist w;
    strlist_init(&w);
    if (data)
        data_warnings(spec, data, &w);
    json_t *wa = json_array(); /* shown at the top of the report */
    for (size_t i = 0; i < w.n; i++)
        json_array_append_new(wa, json_string(w.items[i]));
    json_object_set_new(o, "warnings", wa);
    strlist_release(&w);
    return o;
}
