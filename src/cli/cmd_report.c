/* cmd_report.c — `mlac report RUN_DIR...`: regenerate report/ from a run folder alone, or
 * combine several runs of one protocol into one run folder and report that (exp/run_combine.h). */
#include "cli/cli.h"
#include "exp/run_combine.h"
#include "report/report.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

int cmd_report(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac report", "RUN_DIR...",
        "Draws report/ for a finished (or partly finished) run: index.html, <species>_roc_auc.svg/.png,\n"
        "and the CSV/JSON exports. Given several runs of the same protocol (folds, repeats, seed, data,\n"
        "features, options of shared models), combines them first into <root of the first>/combined-<id>/\n"
        "(the union of their models, species and sizes; every task once) and reports that; runs that\n"
        "differ are refused, naming the field."};
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
    if (pos.n < 1 || dpi < 36 || dpi > 1200) {
        fprintf(stderr, "mlac: error: %s\n(see 'mlac report --help')\n",
                pos.n < 1 ? "give a RUN_DIR" : "--dpi must be from 36 to 1200");
        rc = EX_USAGE;
        goto out;
    }
    /* RUN_DIR = <output_dir>/<run_id> */
    char root[4096], run_id[128];
    run_dir_split(pos.items[0], root, sizeof root, run_id, sizeof run_id);
    if (pos.n > 1) {
        combine_result cr;
        if (run_combine((const char *const *)pos.items, pos.n, &cr, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        printf("combined %zu runs: %zu tasks (%zu found in more than one run) into %s/%s\n", pos.n, cr.tasks,
               cr.duplicates, cr.root, cr.run_id);
        snprintf(root, sizeof root, "%s", cr.root);
        snprintf(run_id, sizeof run_id, "%s", cr.run_id);
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
