/* config.c — the settings table and its loaders (see config.h). */
#include "core/config.h"
#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

static const config_entry settings[] = {
    {"data", {"MLAC_DATA", "DATA_ROOT", NULL}, "data", "data root: a folder or gs://bucket/prefix", "", 0, ""},
    {"output_dir", {"MLAC_OUTPUT_DIR", "RESULTS_DIR", NULL}, "results", "where runs are written", "", 0, ""},
    {"cache_dir", {"MLAC_CACHE_DIR", NULL, NULL}, "$XDG_CACHE_HOME/mlac", "feature and embedding cache (default $XDG_CACHE_HOME/mlac, else ~/.cache/mlac; empty = off)", "", 0, ""},
    {"seed", {"MLAC_SEED", "RANDOM_SEED", NULL}, "42", "master random seed", "", 0, ""},
    {"sample_rate", {"MLAC_SAMPLE_RATE", "AUDIO_SAMPLE_RATE", NULL}, "22050", "analysis sample rate (Hz)", "", 0, ""},
    {"clip_seconds", {"MLAC_CLIP_SECONDS", NULL, NULL}, "auto", "clip length after centre pad/crop (s); auto = the most common clip duration of the data", "", 0, ""},
    {"n_fft", {"MLAC_N_FFT", NULL, NULL}, "2048", "FFT size", "", 0, ""},
    {"hop_length", {"MLAC_HOP_LENGTH", NULL, NULL}, "512", "STFT hop (samples)", "", 0, ""},
    {"n_mels", {"MLAC_N_MELS", NULL, NULL}, "128", "mel bands", "", 0, ""},
    {"n_mfcc", {"MLAC_N_MFCC", NULL, NULL}, "13", "MFCC coefficients", "", 0, ""},
    {"mel_scale", {"MLAC_MEL_SCALE", NULL, NULL}, "slaney", "mel scale: slaney or htk", "", 0, ""},
    {"cv_folds", {"MLAC_CV_FOLDS", "DEFAULT_CV_FOLDS", NULL}, "5", "cross-validation folds", "", 0, ""},
    {"repeats", {"MLAC_REPEATS", NULL, NULL}, "1", "repeats of the whole K-fold split", "", 0, ""},
    {"max_concurrent", {"MLAC_MAX_CONCURRENT", "MAX_WORKERS", NULL}, "1", "tasks run at once", "", 0, ""},
    {"threads", {"MLAC_THREADS", NULL, NULL}, "0", "total thread budget (0 = the CPUs this process may use: cgroup quota, affinity, SLURM_CPUS_PER_TASK)", "", 0, ""},
    {"batch_size", {"MLAC_BATCH_SIZE", "BATCH_SIZE", NULL}, "32", "CNN batch size", "", 0, ""},
    {"negatives", {"MLAC_NEGATIVES", NULL, NULL}, "auto", "negatives: auto, folder or others", "", 0, ""},
    {"group_by", {"MLAC_GROUP_BY", NULL, NULL}, "", "clip groups: none, folder or re:PATTERN (empty = a labels.csv group column)", "", 0, ""},
    {"calibrate", {"MLAC_CALIBRATE", NULL, NULL}, "none", "probability calibration of the SVM: none or platt", "", 0, ""},
    {"group_score", {"MLAC_GROUP_SCORE", NULL, NULL}, "", "also score each task over groups: max or mean of a group's clips (empty = off)", "", 0, ""},
    {"test_data", {"MLAC_TEST_DATA", NULL, NULL}, "", "external test set root (same layout), scored by every task", "", 0, ""},
    {"groups", {"MLAC_GROUPS", NULL, NULL}, "", "CSV of file,group rows (file relative to the data root)", "", 0, ""},
    {"labels", {"MLAC_LABELS", NULL, NULL}, "", "labels CSV of file,species,label[,group] rows instead of the folder layout (files relative to the data root, or to the CSV's folder when no data root is given)", "", 0, ""},
    {"positive_label", {"MLAC_POSITIVE_LABEL", NULL, NULL}, "", "label value of positive clips in the labels CSV (empty = decided from the values, the mapping printed)", "", 0, ""},
    {"negative_label", {"MLAC_NEGATIVE_LABEL", NULL, NULL}, "", "label value of negative clips in the labels CSV (empty = every other value, or decided from the values)", "", 0, ""},
    {"on_bad_clip", {"MLAC_ON_BAD_CLIP", NULL, NULL}, "skip", "unreadable clips: skip (left out of counts and folds, listed in spec.json and the report) or fail", "", 0, ""},
    {"models", {"MLAC_MODELS", NULL, NULL}, "random_forest,svm", "models of a run", "", 0, ""},
    {"species", {"MLAC_SPECIES", NULL, NULL}, "", "species of a run (empty = every species found in the data)", "", 0, ""},
    {"training_sizes", {"MLAC_TRAINING_SIZES", NULL, NULL}, "25,50,100", "training clips per class", "", 0, ""},
    {"run_id", {"MLAC_RUN_ID", NULL, NULL}, "", "run folder name (empty = derived from the spec)", "", 0, ""},
    {"image_size", {"MLAC_IMAGE_SIZE", NULL, NULL}, "128", "side of the log-mel image for CNNs", "", 0, ""},
    {"embedder_birdnet", {"MLAC_EMBEDDER_BIRDNET", NULL, NULL}, "", "birdnet embedder: a command (docs/EMBEDDERS.md) or import:<dir-or-file>", "", 0, ""},
    {"embedder_perch", {"MLAC_EMBEDDER_PERCH", NULL, NULL}, "", "perch embedder: a command (docs/EMBEDDERS.md) or import:<dir-or-file>", "", 0, ""},
    {"embed_overlap", {"MLAC_EMBED_OVERLAP", NULL, NULL}, "0", "fraction of an embedding window shared with the next (0 to 0.9)", "", 0, ""},
    {"embed_pooling", {"MLAC_EMBED_POOLING", NULL, NULL}, "mean", "pooling of a clip's window embeddings: mean or max", "", 0, ""},
    {"embed_timeout", {"MLAC_EMBED_TIMEOUT", NULL, NULL}, "600", "seconds one embedder call may run before it is killed", "", 0, ""},
    {"embed_batch", {"MLAC_EMBED_BATCH", NULL, NULL}, "256", "audio windows per embedder call", "", 0, ""},
    {"embed_head", {"MLAC_EMBED_HEAD", NULL, NULL}, "logistic", "classifier on embeddings: logistic or mlp", "", 0, ""},
    {"head_cv", {"MLAC_HEAD_CV", NULL, NULL}, "false", "choose the head's regularisation by inner CV", "", 0, ""},
    {"skip_unavailable", {"MLAC_SKIP_UNAVAILABLE", NULL, NULL}, "false", "skip models with no embedder instead of stopping", "", 0, ""},
    {"model_options", {"MLAC_MODEL_OPTIONS", NULL, NULL}, "{}", "per-model options as JSON: {\"random_forest\": {\"n_trees\": 200}}", "", 0, ""},
    {"epochs", {"MLAC_EPOCHS", "EPOCHS", NULL}, "", "CNN training epochs (empty = the model's default)", "", 0, ""},
    {"width", {"MLAC_WIDTH", NULL, NULL}, "", "mobilenet width multiplier (empty = 1.0)", "", 0, ""},
    {"pretrained", {"MLAC_PRETRAINED", NULL, NULL}, "", "safetensors file of pretrained CNN weights", "", 0, ""},
    {"log_level", {"MLAC_LOG_LEVEL", "LOG_LEVEL", NULL}, "info", "debug, info, warning, error", "", 0, ""},
    {"log_format", {"MLAC_LOG_FORMAT", NULL, NULL}, "auto", "auto, text or json", "", 0, ""},
    {"gcp_project_id", {"MLAC_GCP_PROJECT_ID", "GCP_PROJECT_ID", NULL}, "", "Google Cloud project", "", 0, ""},
    {"gcs_bucket_name", {"MLAC_GCS_BUCKET_NAME", "GCS_BUCKET_NAME", NULL}, "", "default GCS bucket", "", 0, ""},
    {"max_transfers", {"MLAC_MAX_TRANSFERS", NULL, NULL}, "16", "gs:// downloads in flight at once", "", 0, ""},
    {"download_cache_max", {"MLAC_DOWNLOAD_CACHE_MAX", NULL, NULL}, "10G", "size bound of the gs:// download cache in <cache_dir>/gcs-downloads (0 = off)", "", 0, ""},
    {"gcs_retry_deadline", {"MLAC_GCS_RETRY_DEADLINE", NULL, NULL}, "900", "seconds a gs:// request keeps retrying transient failures", "", 0, ""},
    {"google_application_credentials", {"MLAC_GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS", NULL}, "", "service-account key file", "", 0, ""},
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

void config_default_cache_dir(char *out, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') /* the XDG base directory spec: relative values are ignored */
        snprintf(out, n, "%s/mlac", xdg);
    else if (home && home[0])
        snprintf(out, n, "%s/.cache/mlac", home);
    else
        snprintf(out, n, ".mlac-cache"); /* no home: the current folder, as before */
}

int config_init(config *c, mlac_err *err)
{
    c->entries = mlac_malloc(sizeof settings);
    if (!c->entries)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the configuration");
    memcpy(c->entries, settings, sizeof settings);
    c->n = N_SETTINGS;
    for (size_t i = 0; i < c->n; i++) {
        snprintf(c->entries[i].value, CONFIG_VALUE_MAX, "%s", c->entries[i].def);
        if (!strcmp(c->entries[i].key, "cache_dir"))
            config_default_cache_dir(c->entries[i].value, CONFIG_VALUE_MAX);
        c->entries[i].source = SRC_DEFAULT;
        snprintf(c->entries[i].origin, sizeof c->entries[i].origin, "default");
    }
    return MLAC_OK;
}

void config_release(config *c)
{
    if (!c)
        return;
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}

static void normalise_key(const char *key, char *out, size_t n)
{
    size_t i = 0;
    for (; key[i] && i + 1 < n; i++)
        out[i] = key[i] == '-' ? '_' : key[i];
    out[i] = '\0';
}

const config_entry *config_find(const config *c, const char *key)
{
    char k[128];
    normalise_key(key, k, sizeof k);
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].key, k) == 0)
            return &c->entries[i];
    return NULL;
}

int config_set(config *c, const char *key, const char *value, int source, const char *origin,
               mlac_err *err)
{
    config_entry *e = (config_entry *)config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINVAL, "unknown configuration key '%s' (from %s)", key, origin);
    if (strlen(value) >= CONFIG_VALUE_MAX)
        return mlac_errf(err, MLAC_EINVAL, "value of '%s' (from %s) is too long", key, origin);
    if (e->source > source)
        return MLAC_OK; /* a higher-precedence source already set it */
    snprintf(e->value, CONFIG_VALUE_MAX, "%s", value);
    e->source = source;
    snprintf(e->origin, sizeof e->origin, "%s", origin);
    return MLAC_OK;
}

int config_load_env(config *c, mlac_err *err)
{
    for (size_t i = 0; i < c->n; i++) {
        /* the MLAC_ name wins over the original platform's name */
        for (int j = 2; j >= 0; j--) {
            const char *name = c->entries[i].env[j];
            const char *v = name ? getenv(name) : NULL;
            if (!v || c->entries[i].source > SRC_ENV)
                continue;
            if (strlen(v) >= CONFIG_VALUE_MAX) /* the same limit and message as a flag's */
                return mlac_errf(err, MLAC_EINVAL, "value of '%s' (from $%s) is too long (%zu characters, at most %d)",
                                 c->entries[i].key, name, strlen(v), CONFIG_VALUE_MAX - 1);
            snprintf(c->entries[i].value, CONFIG_VALUE_MAX, "%s", v);
            c->entries[i].source = SRC_ENV;
            snprintf(c->entries[i].origin, sizeof c->entries[i].origin, "$%s", name);
        }
    }
    return MLAC_OK;
}

/* Appends a scalar to a comma-joined value. */
static int append_item(char *value, const char *item, const char *key, const char *path, mlac_err *err)
{
    size_t len = strlen(value);
    if (len + strlen(item) + 2 >= CONFIG_VALUE_MAX)
        return mlac_errf(err, MLAC_EINVAL, "'%s': list '%s' is too long", path, key);
    snprintf(value + len, CONFIG_VALUE_MAX - len, "%s%s", len ? "," : "", item);
    return MLAC_OK;
}

/* Reads the events of an initialised parser whose input is set; path names it in messages. */
static int load_events(config *c, yaml_parser_t *pp, const char *path, mlac_err *err)
{
    int rc = MLAC_OK, depth = 0, in_list = 0, done = 0, documents = 0;
    char key[128] = "", value[CONFIG_VALUE_MAX] = "";
    unsigned char *seen = mlac_calloc(c->n ? c->n : 1, 1); /* keys already given: a repeat is an error */
    if (!seen)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", path);
    while (!done && rc == MLAC_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(pp, &ev)) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %s", path, pp->problem_mark.line + 1,
                           pp->problem ? pp->problem : "invalid YAML");
            break;
        }
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: nested mappings are not supported",
                               path, ev.start_mark.line + 1);
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (!key[0] || in_list)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a list must be the value of a key",
                               path, ev.start_mark.line + 1);
            in_list = 1;
            value[0] = '\0';
            break;
        case YAML_SEQUENCE_END_EVENT:
            in_list = 0;
            rc = config_set(c, key, value, SRC_FILE, path, err);
            key[0] = '\0';
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (in_list) {
                rc = append_item(value, s, key, path, err);
            } else if (!key[0]) {
                if (depth != 1)
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s': the spec must be a mapping of key: value", path);
                else if (!config_find(c, s))
                    rc = mlac_errf(err, MLAC_EINVAL, "'%s' line %zu: unknown key '%s'", path,
                                   ev.start_mark.line + 1, s);
                else if (seen[config_find(c, s) - c->entries]++)
                    rc = mlac_errf(err, MLAC_EINVAL, "'%s' line %zu: key '%s' is given twice", path,
                                   ev.start_mark.line + 1, s);
                else
                    snprintf(key, sizeof key, "%s", s);
            } else {
                rc = config_set(c, key, s, SRC_FILE, path, err);
                key[0] = '\0';
            }
            break;
        }
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a spec file holds one YAML document, this is a second",
                               path, ev.start_mark.line + 1);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_ALIAS_EVENT:
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s': YAML aliases are not supported", path);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    free(seen);
    return rc;
}

int config_load_yaml(config *c, const char *path, mlac_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlac_errf(err, MLAC_ENOTFOUND, "cannot open spec file '%s': %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = load_events(c, &parser, path, err);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int config_load_yaml_mem(config *c, const void *bytes, size_t n, const char *name, mlac_err *err)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)(bytes ? bytes : ""), n);
    int rc = load_events(c, &parser, name, err);
    yaml_parser_delete(&parser);
    return rc;
}

const char *config_str(const config *c, const char *key)
{
    const config_entry *e = config_find(c, key);
    return e ? e->value : "";
}

int config_long(const config *c, const char *key, long min, long max, long *out, mlac_err *err)
{
    const config_entry *e = config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINTERNAL, "unknown configuration key '%s'", key);
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end || v < min || v > max)
        return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be an integer from %ld to %ld, got '%s'",
                         key, e->origin, min, max, e->value);
    *out = v;
    return MLAC_OK;
}

int config_double(const config *c, const char *key, double min, double max, double *out, mlac_err *err)
{
    const config_entry *e = config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINTERNAL, "unknown configuration key '%s'", key);
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    if (errno || end == e->value || *end || !isfinite(v) || v < min || v > max)
        return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be a number from %g to %g, got '%s'", key,
                         e->origin, min, max, e->value);
    *out = v;
    return MLAC_OK;
}

int config_bool(const config *c, const char *key, int *out, mlac_err *err)
{
    const config_entry *e = config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINTERNAL, "unknown configuration key '%s'", key);
    static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off", ""};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(e->value, yes[i]) == 0)
            return *out = 1, MLAC_OK;
    for (int i = 0; i < 5; i++)
        if (strcasecmp(e->value, no[i]) == 0)
            return *out = 0, MLAC_OK;
    return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be true or false, got '%s'", key, e->origin,
                     e->value);
}

const char *config_source_name(int source)
{
    static const char *names[] = {"default", "file", "env", "flag"};
    return source >= 0 && source < 4 ? names[source] : "?";
}
