/* cmd_datasets.c — `mlac datasets`: what is in a data root — species, clip counts, formats,
 * durations, sample rates and the largest balanced training size per fold setting. */
#include "audio/audio.h"
#include "cli/cli.h"
#include "dataset/dataset.h"
#include "exp/confound.h"
#include "exp/groups.h"
#include "exp/leakage.h"
#include "store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Format, rate and duration statistics of one species' clips, each decoded in full (a header
 * can be fine while the samples are truncated or NaN: such a clip is unreadable to a run too). */
typedef struct clip_stats {
    char formats[128];
    int rate_min, rate_max;
    double sec_min, sec_max, sec_total;
    size_t probed, unreadable;
    char first_bad[1024];
} clip_stats;

static void add_format(clip_stats *cs, const char *fmt)
{
    if (strstr(cs->formats, fmt))
        return;
    size_t len = strlen(cs->formats);
    snprintf(cs->formats + len, sizeof cs->formats - len, "%s%s", len ? "," : "", fmt);
}

static void probe_species(store *s, const species_data *sp, clip_stats *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->sec_min = 1e300;
    for (size_t k = 0; k < sp->n_clips; k++) {
        buf b;
        buf_init(&b, STORE_MAX_OBJECT);
        mlac_err err;
        audio_info info;
        audio_clip clip = {0};
        if (store_read(s, sp->clips[k].path, &b, &err) ||
            audio_decode(b.data, b.len, sp->clips[k].path, &clip, &info, &err)) {
            if (!cs->unreadable++)
                snprintf(cs->first_bad, sizeof cs->first_bad, "%s", err.msg);
            buf_release(&b);
            continue;
        }
        audio_clip_release(&clip);
        buf_release(&b);
        double sec = info.rate > 0 ? (double)info.frames / info.rate : 0;
        if (!cs->probed++ || info.rate < cs->rate_min)
            cs->rate_min = info.rate;
        if (info.rate > cs->rate_max)
            cs->rate_max = info.rate;
        cs->sec_min = sec < cs->sec_min ? sec : cs->sec_min;
        cs->sec_max = sec > cs->sec_max ? sec : cs->sec_max;
        cs->sec_total += sec;
        add_format(cs, info.format);
    }
    if (!cs->probed)
        cs->sec_min = 0;
}

/* {"positives": {"groups": G, "largest": n, "largest_group": name}, "negatives": {...}} or null. */
static json_t *groups_json(const species_data *sp)
{
    if (!sp->n_groups)
        return json_null();
    json_t *o = json_object();
    for (int label = 1; label >= 0; label--) {
        size_t largest;
        const char *name;
        size_t n = groups_count(sp, label, &largest, &name);
        json_object_set_new(o, label ? "positives" : "negatives",
                            json_pack("{s:I, s:I, s:s}", "groups", (json_int_t)n, "largest", (json_int_t)largest,
                                      "largest_group", name));
    }
    return o;
}

static json_t *leakage_json(const species_data *sp)
{
    leakage_info li;
    if (sp->n_groups || !leakage_scan(sp, &li))
        return json_null();
    return json_pack("{s:I, s:I, s:s, s:s}", "windows", (json_int_t)li.windows, "recordings",
                     (json_int_t)li.recordings, "example", li.example, "group_by", li.suggest);
}

static void print_confound(const species_data *sp, const confound_result *r)
{
    char pos[160], neg[160], msg[1200];
    confound_describe(&r->cls[1], pos, sizeof pos);
    confound_describe(&r->cls[0], neg, sizeof neg);
    printf("  positives: %s; negatives: %s; metadata-only baseline ROC-AUC %.3f\n", pos, neg, r->auc);
    if (confound_warning(sp, r, msg, sizeof msg))
        printf("  warning: %s\n", msg);
}

static json_t *confound_json(const confound_result *r)
{
    json_t *o = json_object();
    char d[160];
    confound_describe(&r->cls[1], d, sizeof d);
    json_object_set_new(o, "positives", json_string(d));
    confound_describe(&r->cls[0], d, sizeof d);
    json_object_set_new(o, "negatives", json_string(d));
    json_object_set_new(o, "metadata_baseline_auc", isfinite(r->auc) ? json_real(r->auc) : json_null());
    json_object_set_new(o, "warning", json_boolean(r->auc >= CONFOUND_WARN_AUC));
    return o;
}

static void print_groups(const species_data *sp)
{
    char msg[1024];
    if (!sp->n_groups) {
        if (leakage_check(sp, msg, sizeof msg))
            printf("  warning: %s\n", msg);
        return;
    }
    printf("  groups:");
    for (int label = 1; label >= 0; label--) {
        size_t largest;
        const char *name;
        size_t n = groups_count(sp, label, &largest, &name);
        printf("%s %s %zu groups, largest '%s' (%zu clips)", label ? "" : ";", label ? "positives" : "negatives", n,
               name, largest);
    }
    printf("\n");
}

static json_t *species_json(const species_data *sp, const clip_stats *cs)
{
    json_t *bal = json_object();
    static const int folds[] = {2, 3, 5, 10};
    for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", folds[i]);
        json_object_set_new(bal, key, json_integer((json_int_t)dataset_max_balanced(sp, folds[i])));
    }
    return json_pack("{s:s, s:I, s:I, s:s, s:b, s:s, s:i, s:i, s:f, s:f, s:f, s:I, s:I, s:I, s:o, s:o, s:o}", "species",
                     sp->name, "positives", (json_int_t)sp->n_pos, "negatives", (json_int_t)sp->n_neg, "negatives_from",
                     sp->negatives_from_others ? "other species" : "own folder", "labels_csv", sp->from_labels_csv,
                     "formats", cs->formats, "rate_min", cs->rate_min, "rate_max", cs->rate_max, "seconds_min",
                     cs->sec_min, "seconds_max", cs->sec_max, "seconds_total", cs->sec_total, "unreadable",
                     (json_int_t)cs->unreadable, "data_5s", (json_int_t)sp->n_5s, "data_5s_unpaired",
                     (json_int_t)sp->n_5s_unpaired, "max_balanced_n_by_folds", bal, "groups", groups_json(sp),
                     "leakage", leakage_json(sp));
}

static void print_table(const dataset *d, const clip_stats *cs, const confound_result *cf)
{
    printf("data: %s\n\n%-16s %6s %6s  %-10s %-13s %-14s %7s  %s\n", d->root, "species", "pos", "neg", "formats",
           "rate (Hz)", "seconds", "data_5s", "largest balanced n (folds 2/3/5/10)");
    for (size_t i = 0; i < d->n; i++) {
        const species_data *sp = &d->species[i];
        char rate[32], secs[32];
        snprintf(rate, sizeof rate, cs[i].rate_min == cs[i].rate_max ? "%d" : "%d-%d", cs[i].rate_min, cs[i].rate_max);
        snprintf(secs, sizeof secs, "%.2f-%.2f", cs[i].sec_min, cs[i].sec_max);
        printf("%-16s %6zu %6zu%s %-10s %-13s %-14s %7zu  %zu/%zu/%zu/%zu\n", sp->name, sp->n_pos, sp->n_neg,
               sp->negatives_from_others ? "*" : " ", cs[i].formats, rate, secs, sp->n_5s,
               dataset_max_balanced(sp, 2), dataset_max_balanced(sp, 3), dataset_max_balanced(sp, 5),
               dataset_max_balanced(sp, 10));
        print_groups(sp);
        if (sp->label_map[0])
            printf("  labels: %s\n", sp->label_map);
        print_confound(sp, &cf[i]);
        if (sp->n_5s_unpaired)
            printf("  warning: %zu data_5s clips of '%s' have no twin in data/ (perch comparisons unpaired)\n",
                   sp->n_5s_unpaired, sp->name);
        if (cs[i].unreadable)
            printf("  warning: %zu clips of '%s' cannot be read, first: %s\n", cs[i].unreadable, sp->name,
                   cs[i].first_bad);
    }
    for (size_t i = 0; i < d->n; i++)
        if (d->species[i].negatives_from_others) {
            printf("\n* negatives taken from the other species' positives\n");
            break;
        }
}

int cmd_datasets(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac datasets", NULL,
        "Lists the species under a data root with positive/negative counts, audio formats, sample\n"
        "rates, durations, data_5s twins and the largest balanced training size per fold setting."};
    int as_json = 0, stop;
    const struct cli_opt opts[] = {
        {"data", OPT_CONFIG, "data", "DIR", "data root (folder or gs://bucket/prefix)"},
        {"negatives", OPT_CONFIG, "negatives", "MODE", "auto, folder or others"},
        {"labels", OPT_CONFIG, "labels", "FILE.csv", "clips from file,species,label[,group] rows, any folder shape"},
        {"positive-label", OPT_CONFIG, "positive_label", "WORD", "label value of positives in --labels"},
        {"negative-label", OPT_CONFIG, "negative_label", "WORD", "label value of negatives in --labels"},
        {"max-transfers", OPT_CONFIG, "max_transfers", "N", "gs:// downloads at once (default 16)"},
        {"download-cache-max", OPT_CONFIG, "download_cache_max", "SIZE", "bound of the gs:// download cache, e.g. 10G (0 = off)"},
        {"group-by", OPT_CONFIG, "group_by", "HOW", "clip groups: none, folder or 're:PATTERN' (one capture group)"},
        {"groups", OPT_CONFIG, "groups", "FILE.csv", "clip groups from file,group rows"},
        {"json", OPT_FLAG, &as_json, NULL, "print JSON"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    store *s = NULL;
    dataset d = {0};
    clip_stats *cs = NULL;
    confound_result *cf = NULL;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    enum negatives_mode mode;
    char root[4096];
    store_data_root(config_str(&cfg, "data"), root, sizeof root); /* GCS_BUCKET_NAME + bare path */
    const char *labels = config_str(&cfg, "labels");
    if (labels[0] && config_find(&cfg, "data")->source == SRC_DEFAULT) { /* files relative to the CSV */
        const char *slash = strrchr(labels, '/');
        snprintf(root, sizeof root, "%.*s", slash ? (int)(slash - labels) : 1, slash ? labels : ".");
    }
    group_settings groups;
    dataset_source src = {NEG_AUTO, labels, config_str(&cfg, "positive_label"), config_str(&cfg, "negative_label")};
    if (dataset_parse_negatives(config_str(&cfg, "negatives"), &mode, &err) ||
        groups_parse(config_str(&cfg, "group_by"), config_str(&cfg, "groups"), &groups, &err) ||
        (src.negatives = mode, store_open(root, &s, &err)) || dataset_load(s, &src, &d, &err) ||
        groups_apply(&groups, &d, NULL, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    cs = calloc(d.n, sizeof *cs);
    cf = calloc(d.n ? d.n : 1, sizeof *cf);
    long folds, seed;
    if (config_int(&cfg, "cv_folds", &folds, &err) || config_int(&cfg, "seed", &seed, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; cs && i < d.n; i++)
        probe_species(s, &d.species[i], &cs[i]);
    for (size_t i = 0; cf && i < d.n; i++)
        if (confound_check(s, &d.species[i], (int)folds, (unsigned long long)seed, NULL, &cf[i], &err))
            cf[i].auc = NAN;
    if (!cs || !cf) {
        rc = 1;
        goto out;
    }
    if (as_json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < d.n; i++)
        {
            json_t *o = species_json(&d.species[i], &cs[i]);
            json_object_set_new(o, "by_class", confound_json(&cf[i]));
            json_array_append_new(arr, o);
        }
        json_t *doc = json_pack("{s:s, s:s, s:o}", "data", d.root, "fingerprint", d.fingerprint, "species", arr);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text);
        free(text);
        json_decref(doc);
    } else {
        print_table(&d, cs, cf);
    }
out:
    free(cs);
    free(cf);
    dataset_release(&d);
    store_free(s);
    config_release(&cfg);
    return rc;
}
