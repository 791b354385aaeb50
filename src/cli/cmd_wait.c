/* cmd_wait.c — `mlac wait ID`: polls the service until the experiment finishes; the exit code is
 * the outcome: 0 succeeded, 1 failed, 3 cancelled, 124 --timeout reached, 2 bad usage or id.
 */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_wait(int argc, char **argv)
{
    const struct cli_usage usage = {
        "mlac wait", "ID",
        "Waits until an experiment of the mlac service has finished. Exit code: 0 succeeded,\n"
        "1 failed, 3 cancelled, 124 when --timeout passed first, 2 for an unknown id."};
    const char *server = NULL;
    double interval = 1.0, timeout = 0;
    int stop;
    strlist pos;
    strlist_init(&pos);
    const struct cli_opt opts[] = {
        {"server", OPT_STR, &server, "URL", "service URL (default MLAC_SERVER or http://127.0.0.1:8080)"},
        {"interval", OPT_DOUBLE, &interval, "S", "seconds between polls (default 1)"},
        {"timeout", OPT_DOUBLE, &timeout, "S", "give up after S seconds (default: never)"},
        {NULL, 0, NULL, NULL, NULL},
    };
    json_t *answer = NULL;
    mlac_err err = {0};
    int rc = cli_parse(&usage, opts, argc, argv, &pos, NULL, &stop);
    if (rc || stop)
        goto out;
    rc = 2;
    if (pos.n != 1 || strpbrk(pos.items[0], "/?#%") || interval < 0.05 || interval > 3600 || timeout < 0) {
        fprintf(stderr, "mlac: error: expected one experiment id (and --interval 0.05-3600 s)\n");
        goto out;
    }
    client c;
    client_init(&c, server);
    char path[512];
    snprintf(path, sizeof path, "/v1/experiments/%s", pos.items[0]);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        long status;
        json_decref(answer);
        answer = NULL;
        if (client_call(&c, "GET", path, NULL, &status, &answer, &err)) {
            rc = client_report(&err);
            goto out;
        }
        if (status != 200) {
            rc = client_fail(status, answer, &err);
            client_report(&err);
            goto out;
        }
        const char *state = json_string_value(json_object_get(answer, "state"));
        const json_t *t = json_object_get(answer, "tasks");
        if (state && (!strcmp(state, "succeeded") || !strcmp(state, "failed") || !strcmp(state, "cancelled"))) {
            const char *why = json_string_value(json_object_get(answer, "error"));
            printf("%s %s: %lld/%lld tasks, %lld failed%s%s\n", pos.items[0], state,
                   (long long)json_integer_value(json_object_get(t, "done")),
                   (long long)json_integer_value(json_object_get(t, "total")),
                   (long long)json_integer_value(json_object_get(t, "failed")), why ? " -- " : "", why ? why : "");
            rc = !strcmp(state, "succeeded") ? 0 : !strcmp(state, "failed") ? 1 : 3;
            goto out;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout > 0 && (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= timeout) {
            fprintf(stderr, "mlac: error: %s still %s after %.0f s\n", pos.items[0], state ? state : "?", timeout);
            rc = 124;
            goto out;
        }
        struct timespec ts = {(time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9)};
        nanosleep(&ts, NULL);
    }
out:
    json_decref(answer);
    strlist_release(&pos);
    return rc;
}
