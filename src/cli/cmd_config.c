/* cmd_config.c — `mlac config`: the effective configuration, each value with its source. */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_config(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac config", NULL,
        "Prints every setting with its effective value and where it came from. Precedence: flag >\n"
        "environment (MLAC_* or the original names such as RANDOM_SEED) > --spec YAML file > default."};
    int as_json = 0, stop;
    const struct cli_opt opts[] = {
        {"json", OPT_FLAG, &as_json, NULL, "print JSON instead of a table"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    json_t *all = json_object();
    for (size_t i = 0; i < cfg.n; i++) {
        const config_entry *e = &cfg.entries[i];
        if (as_json)
            json_object_set_new(all, e->key,
                                json_pack("{s:s, s:s, s:s}", "value", e->value, "source",
                                          config_source_name(e->source), "origin", e->origin));
        else
            printf("%-32s %-28s %-8s %s\n", e->key, e->value, config_source_name(e->source),
                   e->source == SRC_DEFAULT ? "" : e->origin);
    }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    }
    json_decref(all);
out:
    config_release(&cfg);
    return rc;
}
