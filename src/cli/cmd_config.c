/* cmd_config.c — `mlac config`: the effective configuration, each value with its source and
 * what it means, printed from the modules' settings tables (exp/settings.h); values that a run
 * would refuse by their row (type, range, words) are flagged (and make the exit status 78). */
#include "cli/cli.h"
#include "core/log.h"
#include "exp/settings.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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
    if (settings_init(&cfg, &err) || config_load_env(&cfg, &err)) /* not cli_config_load: show bad log values too */
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
    for (size_t i = 0, t = 0; i < cfg.n; i++) {
        const config_entry *e = &cfg.entries[i];
        if (!as_json && settings_tables[t] && e->spec == settings_tables[t]->keys) /* the first row of a table: its title */
            printf("# %s\n", settings_tables[t++]->title);
        mlac_err why = {0};
        invalid += config_check(e, &why) != MLAC_OK;
        for (char *p = why.msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
        int is_default = !strcmp(e->value, e->spec->def ? e->spec->def : "") || e->spec->compute_default;
        if (as_json) {
            json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "value", e->value, "source", config_source_name(e->source),
                                  "origin", e->origin, "default", e->spec->def ? e->spec->def : "",
                                  "description", e->spec->help);
            if (why.msg[0])
                json_object_set_new(o, "invalid", json_string(why.msg));
            json_object_set_new(all, e->key, o);
        } else {
            printf("%-24s %-26s %-8s %-24s %s%s%s%s\n", e->key, e->value[0] ? e->value : "\"\"",
                   config_source_name(e->source), e->source == SRC_DEFAULT ? "" : e->origin, e->spec->help,
                   is_default ? "" : " (default ", is_default ? "" : e->spec->def[0] ? e->spec->def : "\"\"",
                   is_default ? "" : ")");
            if (why.msg[0])
                printf("  ^ INVALID %s: %s\n", e->key, why.msg);
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
