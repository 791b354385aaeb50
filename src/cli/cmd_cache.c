/* cmd_cache.c — `mlac cache info|clean`: where the feature cache is (cache_dir: --cache-dir,
 * MLAC_CACHE_DIR, default $XDG_CACHE_HOME/mlac or ~/.cache/mlac), how much it holds, and
 * emptying it. clean removes only what mlac wrote there: feature/embedding entries and the
 * gs:// download cache; any other file is left and counted. */
#include "cli/cli.h"
#include "features/feature_cache.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

void cli_format_bytes(unsigned long long b, char *out, size_t n)
{
    if (b < 1024)
        snprintf(out, n, "%llu B", b);
    else if (b < 1024ull * 1024)
        snprintf(out, n, "%.1f KiB", (double)b / 1024);
    else if (b < 1024ull * 1024 * 1024)
        snprintf(out, n, "%.1f MiB", (double)b / (1024.0 * 1024));
    else
        snprintf(out, n, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
}

int cmd_cache(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac cache", "info|clean",
        "info: where the feature cache is, its entries (MFCC summaries, log-mel images, embeddings)\n"
        "and its size. clean: removes those entries and the gs:// download cache. The cache lives in\n"
        "cache_dir: --cache-dir, MLAC_CACHE_DIR, else $XDG_CACHE_HOME/mlac or ~/.cache/mlac."};
    const struct cli_opt opts[] = {
        {"cache-dir", OPT_CONFIG, "cache_dir", "DIR", "the cache folder"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    strlist pos;
    strlist_init(&pos);
    int stop;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, &pos, &cfg, &stop);
    if (rc || stop)
        goto out;
    const char *verb = pos.n == 1 ? pos.items[0] : "";
    if (strcmp(verb, "info") && strcmp(verb, "clean")) {
        fprintf(stderr, "mlac: error: cache: expected 'info' or 'clean'\n");
        rc = EX_USAGE;
        goto out;
    }
    const config_entry *e = config_find(&cfg, "cache_dir");
    const char *dir = e->value;
    if (!dir[0]) {
        printf("cache: off (cache_dir is empty, from %s)\n", e->source == SRC_DEFAULT ? "default" : e->origin);
        goto out;
    }
    feature_cache_usage u;
    char sz[32], all[32];
    if (!strcmp(verb, "info")) {
        if (feature_cache_measure(dir, &u, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        cli_format_bytes(u.entry_bytes, sz, sizeof sz);
        cli_format_bytes(u.bytes, all, sizeof all);
        printf("cache:   %s (%s)\nentries: %zu (%s)\nin all:  %zu files, %s (with the gs:// download cache)\n", dir,
               e->source == SRC_DEFAULT ? "default" : e->origin, u.entries, sz, u.files, all);
    } else {
        feature_cache_usage before;
        if (feature_cache_measure(dir, &before, &err) || feature_cache_clean(dir, &u, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        cli_format_bytes(u.bytes, sz, sizeof sz);
        printf("cache %s: removed %zu files (%s)", dir, u.files, sz);
        if (before.files > u.files)
            printf("; left %zu files mlac did not write", before.files - u.files);
        printf("\n");
    }
out:
    strlist_release(&pos);
    config_release(&cfg);
    return rc;
}
