/* cmd_status.c — `mlac status [ID]`: one experiment as JSON, or a table of all of them. */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* The states the service knows (its queue.h), so a typo is a usage error here. */
static int queue_state_known(const char *name)
{
    static const char *names[] = {"scheduled", "queued", "running", "succeeded", "failed", "cancelled"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

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
    const char *state = NULL;
    const struct cli_opt opts[] = {
        {"state", OPT_STR, &state, "STATE", "list only experiments in this state"},
        {NULL, 0, NULL, NULL, NULL},
    };
    const client_args args = {.min_pos = 0, .max_pos = 1, .ids = 1};
    client_verb v;
    int stop;
    int rc = client_verb_start(&v, &usage, opts, &args, argc, argv, &stop);
    if (rc || stop)
        goto out;
    if (state && queue_state_known(state) < 0) {
        fprintf(stderr, "mlac: error: --state: expected scheduled, queued, running, succeeded, failed or cancelled\n");
        rc = EX_USAGE;
        goto out;
    }
    char path[512];
    if (v.pos.n)
        snprintf(path, sizeof path, "/v1/experiments/%s", v.pos.items[0]);
    else
        snprintf(path, sizeof path, "/v1/experiments?limit=1000%s%s", state ? "&state=" : "", state ? state : "");
    if ((rc = client_verb_call(&v, "GET", path, NULL, 200, 200)))
        goto out;
    if (v.pos.n) {
        char *text = json_dumps(v.answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        print_table(json_object_get(v.answer, "experiments"));
    }
out:
    client_verb_release(&v);
    return rc;
}
