/* cmd_status.c — `mlac status [ID]`: one experiment as JSON, or a table of all of them. */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_table(const json_t *list)
{
    size_t i;
    json_t *e;
    printf("%-26s %-10s %11s  %-18s %s\n", "ID", "STATE", "TASKS", "RUN", "SUBMITTED");
    json_array_foreach(list, i, e) {
        const json_t *t = json_object_get(e, "tasks");
        char tasks[32];
        snprintf(tasks, sizeof tasks, "%lld/%lld", (long long)json_integer_value(json_object_get(t, "done")),
                 (long long)json_integer_value(json_object_get(t, "total")));
        printf("%-26s %-10s %11s  %-18s %s\n", json_string_value(json_object_get(e, "id")),
               json_string_value(json_object_get(e, "state")), tasks, json_string_value(json_object_get(e, "run_id")),
               json_string_value(json_object_get(e, "submitted_at")));
    }
}

int cmd_status(int argc, char **argv)
{
    const struct cli_usage usage = {"mlac status", "[ID]",
                                    "Shows one experiment of the mlac service as JSON, or lists them all."};
    const char *server = NULL, *state = NULL;
    int stop;
    strlist pos;
    strlist_init(&pos);
    const struct cli_opt opts[] = {
        {"server", OPT_STR, &server, "URL", "service URL (default MLAC_SERVER or http://127.0.0.1:8080)"},
        {"state", OPT_STR, &state, "STATE", "list only experiments in this state"},
        {NULL, 0, NULL, NULL, NULL},
    };
    json_t *answer = NULL;
    mlac_err err = {0};
    int rc = cli_parse(&usage, opts, argc, argv, &pos, NULL, &stop);
    if (rc || stop)
        goto out;
    rc = 2;
    if (pos.n > 1 || (pos.n && strpbrk(pos.items[0], "/?#%"))) {
        fprintf(stderr, "mlac: error: expected one experiment id\n");
        goto out;
    }
    if (state && strpbrk(state, "&?#%/ ")) {
        fprintf(stderr, "mlac: error: --state: not a state name\n");
        goto out;
    }
    client c;
    client_init(&c, server);
    char path[512];
    if (pos.n)
        snprintf(path, sizeof path, "/v1/experiments/%s", pos.items[0]);
    else
        snprintf(path, sizeof path, "/v1/experiments?limit=1000%s%s", state ? "&state=" : "", state ? state : "");
    long status;
    if (client_call(&c, "GET", path, NULL, &status, &answer, &err)) {
        rc = client_report(&err);
        goto out;
    }
    if (status != 200) {
        rc = client_fail(status, answer, &err);
        client_report(&err);
        goto out;
    }
    if (pos.n) {
        char *text = json_dumps(answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        print_table(json_object_get(answer, "experiments"));
    }
    rc = 0;
out:
    json_decref(answer);
    strlist_release(&pos);
    return rc;
}
