/* main.c — the mlac command table: one row per subcommand, dispatch, --version and --help. */
#include "cli/cli.h"
#include "core/json_alloc.h"
#include "core/memtune.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
    {"synth", cmd_synth, "write the built-in synthetic dataset"},
    {"datasets", cmd_datasets, "list species, clip counts, formats and the largest balanced n"},
    {"features", cmd_features, "print the features the models see for audio files"},
    {"run-experiment", cmd_run_experiment, "run models x species x training sizes with k-fold CV"},
    {"grid-search", cmd_grid_search, "the same as run-experiment over a full grid (all models by default)"},
    {"splits", cmd_splits, "print the exact training/test clips of every fold (for other tools)"},
    {"report", cmd_report, "draw the plots, HTML report and exports of a run"},
    {"models", cmd_models, "list the models, what each reads, and their options with defaults"},
    {"merge", cmd_merge, "check a sharded run is complete and write its summary, tables and report"},
    {"serve", cmd_serve, "run the experiment service: HTTP API, durable queue, workers, metrics"},
    {"submit", cmd_submit, "submit an experiment to the service"},
    {"status", cmd_status, "show one experiment of the service, or list them"},
    {"wait", cmd_wait, "wait for an experiment of the service to finish (exit code = outcome)"},
    {"cancel", cmd_cancel, "cancel an experiment of the service"},
    {"config", cmd_config, "print the effective configuration and where each value came from"},
    {"cache", cmd_cache, "where the feature cache is and its size (info), or empty it (clean)"},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: mlac <command> [options]\n\n"
                 "mlac runs audio classification experiments and draws ROC-AUC learning curves.\n\n"
                 "commands:\n");
    for (const struct cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-16s %s\n", c->name, c->summary);
    fprintf(out, "\n'mlac help <command>' (or 'mlac <command> --help') describes a command; 'mlac --version' prints the version.\n");
}

int main(int argc, char **argv)
{
    memtune_keep_freed_memory();
    json_alloc_install(); /* jansson tells its out-of-memory to callers that ask (core/json_alloc.h) */
    if (argc >= 3 && !strcmp(argv[1], "help")) { /* mlac help CMD = mlac CMD --help */
        for (const struct cli_command *c = commands; c->name; c++)
            if (!strcmp(argv[2], c->name)) {
                char *args[] = {argv[2], "--help", NULL};
                return c->fn(2, args);
            }
        fprintf(stderr, "mlac: error: help: unknown command '%s'\n\n", argv[2]);
        print_usage(stderr);
        return EX_USAGE;
    }
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_usage(stdout);
        return argc < 2 ? EX_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("mlac %s\n", MLAC_VERSION);
        return 0;
    }
    for (const struct cli_command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name))
            return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "mlac: error: unknown command '%s'\n\n", argv[1]);
    print_usage(stderr);
    return EX_USAGE;
}
