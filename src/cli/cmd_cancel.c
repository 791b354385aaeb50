/* cmd_cancel.c — `mlac cancel ID`: cancels an experiment on the service. Queued and scheduled
 * ones are cancelled at once; a running one starts no new task, its tasks in flight stop inside
 * their fit and write nothing, and its finished tasks are kept. Prints the state after the
 * request. Exit codes: 0, 64 bad usage, 66 unknown id, 78 already finished (409), 75 no answer.
 */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <string.h>

int cmd_cancel(int argc, char **argv)
{
    const struct cli_usage usage = {"mlac cancel", "ID", "Cancels an experiment of the mlac service."};
    const client_args args = {.min_pos = 1, .max_pos = 1, .ids = 1};
    client_verb v;
    int stop;
    int rc = client_verb_start(&v, &usage, NULL, &args, argc, argv, &stop);
    if (rc || stop)
        goto out;
    char path[512];
    snprintf(path, sizeof path, "/v1/experiments/%s:cancel", v.pos.items[0]);
    if ((rc = client_verb_call(&v, "POST", path, "{}", 202, 202)))
        goto out;
    const char *state = json_string_value(json_object_get(v.answer, "state"));
    printf("%s %s%s\n", v.pos.items[0], state ? state : "?",
           json_is_true(json_object_get(v.answer, "cancel_requested")) && state && !strcmp(state, "running")
               ? " (stopping: tasks in flight stop, finished ones are kept)"
               : "");
out:
    client_verb_release(&v);
    return rc;
}
