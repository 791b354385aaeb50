/* cmd_config.c — `mlac config`: the effective configuration, each value with its source and
 * what it means; values that a run would refuse are flagged (and make the exit status 78). The
 * checks use the same ranges and words as the modules that read the keys (spec.c,
 * embed_settings.c, store_settings.c, dataset, cli.c). */
#include "cli/cli.h"
#include "core/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

enum check_kind { CK_LONG, CK_DOUBLE, CK_WORDS, CK_BOOL, CK_JSON, CK_LOG_LEVEL };

static const struct key_check {
    const char *key;
    enum check_kind kind;
    double lo, hi;     /* CK_LONG, CK_DOUBLE */
    const char *words; /* CK_WORDS: '|'-separated; an empty word allows ""; CK_DOUBLE: words also allowed */
    int empty_ok;      /* "" means "the default" for this key */
} checks[] = {
    {"seed", CK_LONG, 0, 9.2e18, NULL, 0},
    {"sample_rate", CK_LONG, 1000, 384000, NULL, 0},
    {"clip_seconds", CK_DOUBLE, 0.05, 3600, "auto", 1},
    {"n_fft", CK_LONG, 16, 65536, NULL, 0},
    {"hop_length", CK_LONG, 1, 65536, NULL, 0},
    {"n_mels", CK_LONG, 1, 1024, NULL, 0},
    {"n_mfcc", CK_LONG, 1, 1024, NULL, 0},
    {"image_size", CK_LONG, 8, 1024, NULL, 0},
    {"mel_scale", CK_WORDS, 0, 0, "slaney|htk", 0},
    {"cv_folds", CK_LONG, 2, 1000, NULL, 0},
    {"repeats", CK_LONG, 1, 1000, NULL, 0},
    {"max_concurrent", CK_LONG, 1, 256, NULL, 0},
    {"threads", CK_LONG, 0, 1024, NULL, 0},
    {"batch_size", CK_LONG, 1, 65536, NULL, 0},
    {"negatives", CK_WORDS, 0, 0, "auto|folder|others", 0},
    {"calibrate", CK_WORDS, 0, 0, "none|platt", 1},
    {"group_score", CK_WORDS, 0, 0, "none|max|mean", 1},
    {"on_bad_clip", CK_WORDS, 0, 0, "skip|fail", 1},
    {"epochs", CK_LONG, 1, 1e6, NULL, 1},
    {"width", CK_DOUBLE, 0.05, 8, NULL, 1},
    {"embed_overlap", CK_DOUBLE, 0, 0.9, NULL, 0},
    {"embed_pooling", CK_WORDS, 0, 0, "mean|max", 0},
    {"embed_timeout", CK_DOUBLE, 1, 604800, NULL, 0},
    {"embed_batch", CK_LONG, 1, 65536, NULL, 0},
    {"embed_head", CK_WORDS, 0, 0, "logistic|mlp", 0},
    {"head_cv", CK_BOOL, 0, 0, NULL, 0},
    {"skip_unavailable", CK_BOOL, 0, 0, NULL, 0},
    {"model_options", CK_JSON, 0, 0, NULL, 0},
    {"log_level", CK_LOG_LEVEL, 0, 0, NULL, 0},
    {"log_format", CK_WORDS, 0, 0, "auto|text|json", 0},
    {"max_transfers", CK_LONG, 1, 256, NULL, 0},
    {"gcs_retry_deadline", CK_DOUBLE, 0, 86400, NULL, 0},
};

static int word_in(const char *v, const char *words)
{
    size_t n = strlen(v);
    for (const char *p = words; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, v, n))
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

/* "" when the value is fine, else why not (into why). */
static const char *check_value(const config *cfg, const config_entry *e, char *why, size_t n)
{
    why[0] = '\0';
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const struct key_check *c = &checks[i];
        if (strcmp(c->key, e->key))
            continue;
        if (c->empty_ok && !e->value[0])
            return why;
        mlac_err err = {0};
        long lv;
        double dv;
        int bv;
        json_error_t jerr;
        json_t *j;
        switch (c->kind) {
        case CK_LONG:
            if (config_long(cfg, e->key, (long)c->lo, c->hi >= 9e18 ? 0x7fffffffffffffffL : (long)c->hi, &lv, &err))
                snprintf(why, n, "%s", err.msg);
            break;
        case CK_DOUBLE:
            if (c->words && word_in(e->value, c->words))
                break;
            if (config_double(cfg, e->key, c->lo, c->hi, &dv, &err))
                snprintf(why, n, "%s", err.msg);
            break;
        case CK_BOOL:
            if (config_bool(cfg, e->key, &bv, &err))
                snprintf(why, n, "%s", err.msg);
            break;
        case CK_WORDS:
            if (!word_in(e->value, c->words))
                snprintf(why, n, "expected one of %s", c->words);
            break;
        case CK_JSON:
            if (!(j = json_loads(e->value, 0, &jerr)) || !json_is_object(j))
                snprintf(why, n, "not a JSON object%s%s", j ? "" : ": ", j ? "" : jerr.text);
            json_decref(j);
            break;
        case CK_LOG_LEVEL:
            if (log_level_parse(e->value) < 0)
                snprintf(why, n, "expected one of debug|info|warning|error|off");
            break;
        }
        for (char *p = why; *p; p++)
            if (*p == '\n')
                *p = ' ';
    }
    return why;
}

int cmd_config(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac config", NULL,
        "Prints every setting with its effective value, where it came from and what it means, and\n"
        "flags values a run would refuse (exit status 78 when there is one). Precedence: flag >\n"
        "environment (MLAC_* or the original names such as RANDOM_SEED) > --spec YAML file > default."};
    int as_json = 0, stop;
    const struct cli_opt opts[] = {
        {"json", OPT_FLAG, &as_json, NULL, "print JSON instead of a table"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err;
    if (config_init(&cfg, &err) || config_load_env(&cfg, &err)) /* not cli_config_load: show bad log values too */
        return cli_fail(&err);
    const char *file = getenv("MLAC_CONFIG");
    if (file && *file && config_load_yaml(&cfg, file, &err)) {
        config_release(&cfg);
        return cli_fail(&err);
    }
    cli_tolerate_bad_logging();
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    size_t invalid = 0;
    json_t *all = json_object();
    if (!as_json)
        printf("# mlac configuration: flag > environment > --spec YAML file > default\n"
               "%-24s %-26s %-8s %-24s %s\n", "key", "value", "source", "set by", "meaning");
    for (size_t i = 0; i < cfg.n; i++) {
        const config_entry *e = &cfg.entries[i];
        char why[1100];
        check_value(&cfg, e, why, sizeof why);
        invalid += why[0] != '\0';
        if (as_json) {
            json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "value", e->value, "source", config_source_name(e->source),
                                  "origin", e->origin, "description", e->help);
            if (why[0])
                json_object_set_new(o, "invalid", json_string(why));
            json_object_set_new(all, e->key, o);
        } else {
            printf("%-24s %-26s %-8s %-24s %s\n", e->key, e->value[0] ? e->value : "\"\"", config_source_name(e->source),
                   e->source == SRC_DEFAULT ? "" : e->origin, e->help);
            if (why[0])
                printf("  ^ INVALID %s: %s\n", e->key, why);
        }
    }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    }
    json_decref(all);
    if (invalid) {
        fprintf(stderr, "mlac: error: %zu invalid configuration value%s (marked INVALID above)\n", invalid,
                invalid == 1 ? "" : "s");
        rc = EX_CONFIG;
    }
out:
    config_release(&cfg);
    return rc;
}
