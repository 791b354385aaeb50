/* cmd_merge.c — `mlac merge RUN_DIR`: check a sharded run is complete, then write its tables.
 *
 * Exit codes (docs/EXIT_CODES.md): 0 complete and written (again: merging is idempotent);
 * 75 (EX_TEMPFAIL) tasks are missing — nothing is written, and rerunning the named shards then
 * merging again fixes it; 1 complete but some tasks failed (written, as a single run would);
 * 65 conflicting duplicates or a foreign task; 66 no run there; 78 the data no longer matches.
 */
#include "cli/cli.h"
#include "exp/shard_merge.h"
#include "report/report.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define MERGE_SHOW 20 /* names printed per list; the rest are counted */

static void print_list(FILE *f, const char *what, const strlist *l)
{
    for (size_t i = 0; i < l->n && i < MERGE_SHOW; i++)
        fprintf(f, "  %s: %s\n", what, l->items[i]);
    if (l->n > MERGE_SHOW)
        fprintf(f, "  ... and %zu more %s\n", l->n - MERGE_SHOW, what);
}

/* RUN_DIR = <root>/<run_id>; root may be any store URI ("." when RUN_DIR has no '/'). */
static int split_run_dir(const char *arg, char *root, size_t n, char *run_id, size_t n_id)
{
    size_t len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/')
        len--;
    const char *slash = memrchr(arg, '/', len);
    const char *id = slash ? slash + 1 : arg;
    size_t id_len = len - (size_t)(id - arg), root_len = slash ? (size_t)(slash - arg) : 0;
    if (!id_len || id_len >= n_id || root_len + 2 > n || (id_len <= 2 && !strncmp(id, "..", id_len)))
        return -1;
    memcpy(run_id, id, id_len);
    run_id[id_len] = '\0';
    snprintf(root, n, "%.*s", (int)root_len, arg);
    if (!slash)
        snprintf(root, n, ".");
    else if (!root_len)
        snprintf(root, n, "/");
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac merge", "RUN_DIR",
        "Reads every ledger of a run (shards/<I>-of-<N>.jsonl and tasks.jsonl), checks it against the grid\n"
        "rebuilt from spec.json and the data, and names missing, failed and duplicate tasks. While tasks\n"
        "are missing it writes nothing and exits 75 (rerun the shards named, then merge again); when the\n"
        "run is complete it writes tasks.jsonl, summary.csv/json, significance.csv, curves.csv and report/,\n"
        "equal to a single-process run's. RUN_DIR is <output-dir>/<run-id> (a folder or a store URI)."};
    const char *data = NULL;
    int no_report = 0, stop;
    const struct cli_opt opts[] = {
        {"data", OPT_STR, &data, "DIR", "data root to rebuild the grid from (default: spec.json's)"},
        {"no-report", OPT_FLAG, &no_report, NULL, "do not draw report/"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    strlist pos;
    strlist_init(&pos);
    merge_report rep = {0};
    int have_rep = 0;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, &pos, &cfg, &stop);
    if (rc || stop)
        goto out;
    char root[4096], run_id[256];
    if (pos.n != 1 || split_run_dir(pos.items[0], root, sizeof root, run_id, sizeof run_id)) {
        fprintf(stderr, "mlac: error: give exactly one RUN_DIR (<output-dir>/<run-id>)\n(see 'mlac merge --help')\n");
        rc = EX_USAGE;
        goto out;
    }
    merge_options mo = {.data = data};
    rc = merge_run(root, run_id, &mo, &rep, &err);
    have_rep = 1;
    if (rc) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("%s: %zu tasks in the grid, %zu finished (%zu failed), %zu missing, %zu duplicates\n", run_id,
           rep.grid_tasks, rep.done, rep.failed, rep.missing.n, rep.duplicates);
    print_list(stdout, "ledger", &rep.ledgers);
    print_list(stdout, "duplicate (one kept, the metrics agree)", &rep.duplicate_tasks);
    print_list(stdout, "failed", &rep.failed_tasks);
    if (rep.missing.n) {
        print_list(stderr, "missing", &rep.missing);
        for (size_t i = 0; i < rep.absent_shards.n; i++)
            fprintf(stderr, "  shard %s has no ledger: it has not started (or wrote elsewhere)\n", rep.absent_shards.items[i]);
        fprintf(stderr, "mlac: error: run '%s' is incomplete: %zu of %zu tasks missing; nothing was written "
                "(run the shards named above, then merge again)\n", run_id, rep.missing.n, rep.grid_tasks);
        rc = EX_TEMPFAIL;
        goto out;
    }
    if (!no_report && report_write_run(root, run_id, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("merged: %s/%s (summary.csv, summary.json, significance.csv, curves.csv%s)\n", root, run_id,
           no_report ? "" : ", report/");
    rc = rep.failed ? 1 : 0;
out:
    if (have_rep)
        merge_report_release(&rep);
    strlist_release(&pos);
    config_release(&cfg);
    return rc;
}
