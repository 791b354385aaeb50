/* results_print.c — the results table on stdout after a run and in `mlac report`
 * (report/results_text.h). It is printed when stdout is a terminal, or when asked (--table);
 * --no-table never prints it. Output for programs (stdout piped) stays the run's few lines. */
#include "cli/cli.h"
#include "report/results_text.h"
#include "store/store.h"

#include <stdio.h>
#include <unistd.h>

int cli_want_table(int table, int no_table)
{
    return !no_table && (table || isatty(STDOUT_FILENO));
}

int cli_print_results(const char *root, const char *run_id, mlac_err *err)
{
    store *st = NULL;
    int rc = store_open(root, &st, err);
    buf text;
    buf_init(&text, 0);
    if (!rc)
        rc = results_text(st, run_id, &text, err);
    if (!rc && text.data)
        fputs(text.data, stdout);
    buf_release(&text);
    store_free(st);
    return rc;
}
