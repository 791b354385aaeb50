/* cmd_report.c — `mlac report RUN_DIR`: regenerate report/ from a run folder alone. */
#include "cli/cli.h"
#include "report/report.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

int cmd_report(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac report", "RUN_DIR",
        "Draws report/ for a finished (or partly finished) run: index.html, <species>_roc_auc.svg/.png,\n"
        "and the CSV/JSON exports."};
    long dpi = 150;
    int stop;
    const struct cli_opt opts[] = {
        {"dpi", OPT_INT, &dpi, "N", "PNG resolution (default 150; 300 for print)"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    strlist pos;
    strlist_init(&pos);
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, &pos, &cfg, &stop);
    if (rc || stop)
        goto out;
    if (pos.n != 1 || dpi < 36 || dpi > 1200) {
        fprintf(stderr, "mlac: error: %s\n(see 'mlac report --help')\n",
                pos.n != 1 ? "give exactly one RUN_DIR" : "--dpi must be from 36 to 1200");
        rc = EX_USAGE;
        goto out;
    }
    /* RUN_DIR = <output_dir>/<run_id> */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", pos.items[0]);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    char *slash = strrchr(dir, '/');
    const char *run_id = slash ? slash + 1 : dir;
    const char *root = ".";
    if (slash) {
        *slash = '\0';
        root = dir[0] ? dir : "/";
    }
    report_options ro = {.png_dpi = (int)dpi};
    if (report_write_run_opts(root, run_id, &ro, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("report: %s/%s/report/index.html\n", root, run_id);
out:
    strlist_release(&pos);
    config_release(&cfg);
    return rc;
}
