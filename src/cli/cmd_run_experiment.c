/* cmd_run_experiment.c — `mlac run-experiment` and `mlac grid-search`: run a spec, resumably.
 *
 * Both verbs run the same engine; grid-search defaults to every registered model. Ctrl-C stops
 * starting new tasks, lets those in flight finish and be recorded, and exits with status 130;
 * a second Ctrl-C exits at once (the ledger keeps what finished). SIGTERM (a Kubernetes eviction,
 * Slurm's preemption) stops the same way and exits 75 (EX_TEMPFAIL): run it again to finish.
 * --shard I/N (or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID, exp/shard.h) runs one shard of
 * the grid; `mlac merge` then writes the run's tables and report.
 */
#include "cli/cli.h"
#include "cli/progress.h"
#include "core/log.h"
#include "exp/runner.h"
#include "exp/shard.h"
#include "features/feature_cache.h"
#include "ml/model.h"
#include "report/report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static volatile sig_atomic_t g_cancel, g_terminated;

static void on_signal(int sig)
{
    if (g_cancel)
        _exit(sig == SIGTERM || g_terminated ? EX_TEMPFAIL : 130);
    g_terminated = sig == SIGTERM;
    g_cancel = 1;
}

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

/* What a run prints when it ends; a shard says what is left to do. */
static void print_result(const exp_spec *spec, const run_options *opt, const run_result *res, int no_report)
{
    if (opt->shard_count > 0) {
        if (!res->tasks_run && !res->tasks_skipped)
            printf("%s shard %d/%d: no tasks of the %zu in the grid fall in this shard\n", spec->run_id,
                   opt->shard_index, opt->shard_count, res->grid_total);
        else if (!res->tasks_run)
            printf("%s shard %d/%d: already done (%zu tasks of %zu)\n", spec->run_id, opt->shard_index,
                   opt->shard_count, res->tasks_total, res->grid_total);
        else
            printf("%s shard %d/%d: %zu of the grid's %zu tasks (%zu already done, %zu run, %zu failed)%s\n",
                   spec->run_id, opt->shard_index, opt->shard_count, res->tasks_total, res->grid_total,
                   res->tasks_skipped, res->tasks_run, res->tasks_failed, res->cancelled ? " -- cancelled" : "");
        printf("results: %s\nwhen every shard has finished: mlac merge %s\n", res->run_dir, res->run_dir);
        return;
    }
    printf("%s: %zu tasks (%zu already done, %zu run, %zu reused from earlier runs, %zu failed)%s\nresults: %s\n",
           spec->run_id, res->tasks_total, res->tasks_skipped, res->tasks_run, res->tasks_reused, res->tasks_failed,
           res->cancelled ? " -- cancelled" : "", res->run_dir);
    if (!no_report)
        printf("report:  %s/report/index.html\n", res->run_dir);
}

/* The plan: on stdout for --dry-run (it is the answer), on stderr before a run (stdout keeps the
 * results); not at all when the logs are JSON lines (the plan is for people). */
static int g_dry_run;

static void print_plan(void *ctx, const char *text)
{
    (void)ctx;
    if (g_dry_run)
        fputs(text, stdout);
    else if (!log_is_json())
        fputs(text, stderr);
}

static int run_command(int argc, char **argv, const char *name, int all_models)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "mlac %s", name);
    const struct cli_usage usage = {
        cmd, NULL,
        "Runs every (species, model, training size, fold, repeat) task with k-fold cross-validation and\n"
        "writes <output-dir>/<run-id>/: spec.json, tasks.jsonl, predictions/, summary.csv/json,\n"
        "significance.csv, curves.csv and report/. Rerunning the same spec resumes the run."};
    int no_report = 0, head_cv = 0, skip_unavailable = 0, dry_run = 0, stop;
    const char *shard_flag = NULL;
    long shards_flag = 0;
    const struct cli_opt opts[] = {
        {"models", OPT_CONFIG_LIST, "models", "M...", "models (spaces or commas): random_forest svm ..."},
        {"species", OPT_CONFIG_LIST, "species", "S...", "species to run (default: every species found in the data)"},
        {"training-sizes", OPT_CONFIG_LIST, "training_sizes", "N...", "training clips per class"},
        {"cv-folds", OPT_CONFIG, "cv_folds", "K", "cross-validation folds (default 5)"},
        {"repeats", OPT_CONFIG, "repeats", "R", "repeats of the K-fold split with new seeds"},
        {"seed", OPT_CONFIG, "seed", "N", "master seed (default 42, RANDOM_SEED)"},
        {"data", OPT_CONFIG, "data", "DIR", "data root (folder or gs://bucket/prefix)"},
        {"output-dir", OPT_CONFIG, "output_dir", "DIR", "results root"},
        {"run-id", OPT_CONFIG, "run_id", "ID", "run folder name (default: derived from the spec)"},
        {"max-concurrent", OPT_CONFIG, "max_concurrent", "M", "tasks at once (results do not depend on it)"},
        {"threads", OPT_CONFIG, "threads", "T", "total thread budget (default: the CPUs this process may use)"},
        {"negatives", OPT_CONFIG, "negatives", "MODE", "auto, folder or others"},
        {"labels", OPT_CONFIG, "labels", "FILE.csv", "clips from file,species,label[,group] rows, any folder shape (files relative to --data, else to the CSV)"},
        {"positive-label", OPT_CONFIG, "positive_label", "WORD", "label value of positives in --labels (default: decided, the mapping printed)"},
        {"negative-label", OPT_CONFIG, "negative_label", "WORD", "label value of negatives in --labels (default: every other value)"},
        {"on-bad-clip", OPT_CONFIG, "on_bad_clip", "HOW", "unreadable clips: skip (default; left out and listed) or fail"},
        {"group-by", OPT_CONFIG, "group_by", "HOW", "clip groups for grouped folds: none, folder or 're:PATTERN'"},
        {"test-data", OPT_CONFIG, "test_data", "ROOT", "external test set (same layout) scored by every task"},
        {"group-score", OPT_CONFIG, "group_score", "HOW", "also a recording-level ROC-AUC per task: max or mean of a group's clip scores"},
        {"calibrate", OPT_CONFIG, "calibrate", "HOW", "none (default) or platt: sigmoid fitted on inner folds of the SVM's training set"},
        {"groups", OPT_CONFIG, "groups", "FILE.csv", "clip groups from file,group rows (paths relative to the data root)"},
        {"clip-seconds", OPT_CONFIG, "clip_seconds", "S", "clip length after centre crop/pad (default auto: the most common clip duration of the data)"},
        {"sample-rate", OPT_CONFIG, "sample_rate", "HZ", "analysis sample rate"},
        {"cache-dir", OPT_CONFIG, "cache_dir", "DIR", "feature cache (default $XDG_CACHE_HOME/mlac or ~/.cache/mlac; '' disables)"},
        {"max-transfers", OPT_CONFIG, "max_transfers", "N", "gs:// downloads at once (default 16)"},
        {"download-cache-max", OPT_CONFIG, "download_cache_max", "SIZE", "bound of the gs:// download cache, e.g. 10G (0 = off)"},
        {"model-options", OPT_CONFIG, "model_options", "JSON", "per-model options, e.g. '{\"random_forest\":{\"n_trees\":200}}'"},
        {"epochs", OPT_CONFIG, "epochs", "N", "CNN training epochs"},
        {"batch-size", OPT_CONFIG, "batch_size", "N", "CNN batch size (default 32, BATCH_SIZE)"},
        {"input-size", OPT_CONFIG, "image_size", "S", "side of the log-mel image the CNNs see"},
        {"width", OPT_CONFIG, "width", "W", "mobilenet width multiplier"},
        {"pretrained", OPT_CONFIG, "pretrained", "FILE", "safetensors weights for transfer learning (CNNs)"},
        {"embedder-birdnet", OPT_CONFIG, "embedder_birdnet", "CMD", "birdnet embedder: a command or import:<dir-or-file> (docs/EMBEDDERS.md)"},
        {"embedder-perch", OPT_CONFIG, "embedder_perch", "CMD", "perch embedder: a command or import:<dir-or-file>"},
        {"embed-overlap", OPT_CONFIG, "embed_overlap", "F", "fraction of an embedding window shared with the next (0..0.9)"},
        {"embed-pooling", OPT_CONFIG, "embed_pooling", "P", "mean (default) or max over a clip's windows"},
        {"embed-head", OPT_CONFIG, "embed_head", "H", "head on embeddings: logistic (default) or mlp"},
        {"head-cv", OPT_FLAG, &head_cv, NULL, "choose the head's regularisation by inner CV on the training set"},
        {"skip-unavailable", OPT_FLAG, &skip_unavailable, NULL, "skip models with no embedder instead of stopping"},
        {"no-report", OPT_FLAG, &no_report, NULL, "do not draw report/ at the end"},
        {"dry-run", OPT_FLAG, &dry_run, NULL, "print the plan (tasks, capped sizes, reusable tasks, time estimate) and exit"},
        {"shard", OPT_STR, &shard_flag, "I/N", "run only shard I (0-based) of N; `mlac merge` combines the shards"},
        {"shards", OPT_INT, &shards_flag, "N", "shard count when the index comes from JOB_COMPLETION_INDEX or Slurm (or MLAC_SHARDS)"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    exp_spec spec;
    int have_spec = 0;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    if (all_models && config_find(&cfg, "models")->source == SRC_DEFAULT) {
        char names[512];
        model_names(names, sizeof names);
        config_set(&cfg, "models", names, SRC_DEFAULT, "default: every registered model", &err);
    }
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    if ((head_cv && config_set(&cfg, "head_cv", "true", SRC_FLAG, "--head-cv", &err)) ||
        (skip_unavailable && config_set(&cfg, "skip_unavailable", "true", SRC_FLAG, "--skip-unavailable", &err))) {
        rc = cli_fail(&err);
        goto out;
    }
    run_options opt = {.cancel = &g_cancel};
    shard_sel shard;
    if (shard_resolve(shard_flag, shards_flag, env_lookup, &shard, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    opt.shard_index = shard.index;
    opt.shard_count = shard.count;
    if (shard.count)
        log_info("shard %d/%d (from %s)", shard.index, shard.count, shard.source);
    if (spec_from_config(&cfg, &spec, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    have_spec = 1;
    progress prog;
    progress_init(&prog);
    opt.events = progress_events(&prog);
    opt.events.plan = print_plan;
    opt.dry_run = g_dry_run = dry_run;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    run_result res;
    int run_rc = runner_run(&spec, &opt, &res, &err);
    progress_finish(&prog);
    if (run_rc) {
        rc = cli_fail(&err);
        if (run_rc == MLAC_ECANCEL && !g_terminated)
            rc = 130;
        goto out;
    }
    if (dry_run) {
        rc = 0; /* the plan was printed; nothing was written */
        goto out;
    }
    if (shard.count)
        no_report = 1; /* a shard has no tables to draw: merge does */
    if (!no_report && report_write_run(spec.output_dir, spec.run_id, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    print_result(&spec, &opt, &res, no_report);
    feature_cache_usage cu;
    mlac_err cerr = {0};
    if (spec.cache_dir[0] && !feature_cache_measure(spec.cache_dir, &cu, &cerr)) { /* never grows unannounced */
        char sz[32];
        cli_format_bytes(cu.bytes, sz, sizeof sz);
        printf("cache:   %s (%s; `mlac cache clean` empties it)\n", spec.cache_dir, sz);
    }
    rc = res.cancelled ? (g_terminated ? EX_TEMPFAIL : 130) : res.tasks_failed ? 1 : 0;
out:
    if (have_spec)
        spec_release(&spec);
    config_release(&cfg);
    return rc;
}

int cmd_run_experiment(int argc, char **argv)
{
    return run_command(argc, argv, "run-experiment", 0);
}

int cmd_grid_search(int argc, char **argv)
{
    return run_command(argc, argv, "grid-search", 1);
}
