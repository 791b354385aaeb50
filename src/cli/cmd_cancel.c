/* cmd_cancel.c — `mlac cancel ID`: cancels an experiment on the service. Queued and scheduled
 * ones are cancelled at once; a running one starts no new task, and its tasks in flight finish
 * and are kept. Prints the experiment's state after the request.
 */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <string.h>

int cmd_cancel(int argc, char **argv)
{
    const struct cli_usage usage = {"mlac cancel", "ID", "Cancels an experiment of the mlac service."};
    const char *server = NULL;
    int stop;
    strlist pos;
    strlist_init(&pos);
    const struct cli_opt opts[] = {
        {"server", OPT_STR, &server, "URL", "service URL (default MLAC_SERVER or http://127.0.0.1:8080)"},
        {NULL, 0, NULL, NULL, NULL},
    };
    json_t *answer = NULL;
    mlac_err err = {0};
    int rc = cli_parse(&usage, opts, argc, argv, &pos, NULL, &stop);
    if (rc || stop)
        goto out;
    rc = 2;
    if (pos.n != 1 || strpbrk(pos.items[0], "/?#%")) {
        fprintf(stderr, "mlac: error: expected one experiment id\n");
        goto out;
    }
    client c;
    client_init(&c, server);
    char path[512];
    snprintf(path, sizeof path, "/v1/experiments/%s:cancel", pos.items[0]);
    long status;
    if (client_call(&c, "POST", path, "{}", &status, &answer, &err)) {
        rc = client_report(&err);
        goto out;
    }
    if (status != 202) {
        rc = client_fail(status, answer, &err);
        client_report(&err);
        goto out;
    }
    printf("%s %s%s\n", pos.items[0], json_string_value(json_object_get(answer, "state")),
           json_is_true(json_object_get(answer, "cancel_requested")) &&
                   !strcmp(json_string_value(json_object_get(answer, "state")), "running")
               ? " (stopping: no new tasks start)"
               : "");
    rc = 0;
out:
    json_decref(answer);
    strlist_release(&pos);
    return rc;
}
