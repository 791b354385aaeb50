/* cli.h — the command table and the declarative option parser shared by every subcommand.
 *
 * Each subcommand lives in cmd_<name>.c as `int cmd_<name>(int argc, char **argv)`, declares
 * its options in one `struct cli_opt` array and calls cli_parse(), which gives --help for free.
 * Only src/cli prints to stdout/stderr for the user and chooses exit codes, so that a scheduler
 * (Kubernetes, Slurm) can act on them (docs/EXIT_CODES.md): 0 done (or already done), 1 the run
 * finished but some tasks failed, 75 (EX_TEMPFAIL) a failure worth a retry, 64-78 (sysexits.h
 * otherwise) permanent failures, 130 Ctrl-C. cli_fail maps every mlac_err code in one table.
 */
#ifndef MLAC_CLI_CLI_H
#define MLAC_CLI_CLI_H

#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"

enum cli_opt_kind {
    OPT_FLAG,   /* int *: set to 1 */
    OPT_STR,    /* const char **: points into argv */
    OPT_INT,    /* long *: checked integer */
    OPT_DOUBLE, /* double *: checked finite number */
    OPT_LIST,   /* strlist *: every following argument up to the next option; commas split */
    OPT_CONFIG, /* a configuration key (target is the key name, const char *): value -> config */
    OPT_CONFIG_LIST /* a list-valued configuration key: every following argument, comma-joined */
};

struct cli_opt {
    const char *name;    /* long name without dashes: "training-sizes" */
    enum cli_opt_kind kind;
    void *target;        /* see the kinds; for OPT_CONFIG a (const char *) config key */
    const char *metavar; /* "N", "DIR", ... (NULL for flags) */
    const char *help;
};

struct cli_usage {
    const char *command;  /* "mlac synth" */
    const char *args;     /* positional arguments, "FILE...", or NULL */
    const char *summary;  /* one paragraph */
};

/* Parses argv (argv[0] is the command name). Positional arguments go to positional (may be NULL
 * if none are accepted). OPT_CONFIG options are written into cfg with source "flag".
 * Returns 0 to go on, or an exit code (0 after --help with *stop set, 2 on a usage error). */
int cli_parse(const struct cli_usage *usage, const struct cli_opt *opts, int argc, char **argv,
              strlist *positional, config *cfg, int *stop);

/* Prints "mlac: error: <msg>" to stderr and returns the exit code for err->code. */
int cli_fail(const mlac_err *err);
/* The exit code of an mlac_err code (the table behind cli_fail). */
int cli_exit_code(int mlac_code);
/* Loads the effective configuration: defaults < YAML (--config FILE or MLAC_CONFIG) < environment;
 * flags are applied later by cli_parse. Also sets up logging from LOG_LEVEL. */
int cli_config_load(config *cfg, mlac_err *err);
/* After this, cli_parse lets bad log_level/log_format values through (mlac config flags them). */
void cli_tolerate_bad_logging(void);
/* "146.2 MiB" (cmd_cache.c). */
void cli_format_bytes(unsigned long long b, char *out, size_t n);
/* results_print.c: whether to print the results table (stdout a terminal, --table, not
 * --no-table), and printing it for run <root>/<run_id>. */
int cli_want_table(int table, int no_table);
int cli_print_results(const char *root, const char *run_id, mlac_err *err);

/* The subcommands (one table row each in main.c). */
int cmd_config(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_datasets(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_run_experiment(int argc, char **argv);
int cmd_grid_search(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_splits(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_cancel(int argc, char **argv);

#endif
