/* cmd_wait.c — `mlac wait ID`: polls the service until the experiment finishes; the exit code is
 * the outcome: 0 succeeded, 1 failed, 3 cancelled, 124 --timeout reached; 64 bad usage, 66 an
 * unknown id, 75 the service did not answer.
 */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

int cmd_wait(int argc, char **argv)
{
    const struct cli_usage usage = {
        "mlac wait", "ID",
        "Waits until an experiment of the mlac service has finished. Exit code: 0 succeeded,\n"
        "1 failed, 3 cancelled, 124 when --timeout passed first, 66 for an unknown id, 64 bad usage."};
    double interval = 1.0, timeout = 0;
    const struct cli_opt opts[] = {
        {"interval", OPT_DOUBLE, &interval, "S", "seconds between polls (default 1)"},
        {"timeout", OPT_DOUBLE, &timeout, "S", "give up after S seconds (default: never)"},
        {NULL, 0, NULL, NULL, NULL},
    };
    const client_args args = {.min_pos = 1, .max_pos = 1, .ids = 1};
    client_verb v;
    int stop;
    int rc = client_verb_start(&v, &usage, opts, &args, argc, argv, &stop);
    if (rc || stop)
        goto out;
    if (interval < 0.05 || interval > 3600 || timeout < 0) {
        fprintf(stderr, "mlac: error: --interval: expected 0.05-3600 s; --timeout: expected >= 0\n");
        rc = EX_USAGE;
        goto out;
    }
    const char *id = v.pos.items[0];
    char path[512];
    snprintf(path, sizeof path, "/v1/experiments/%s", id);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if ((rc = client_verb_call(&v, "GET", path, NULL, 200, 200)))
            goto out;
        const char *state = json_string_value(json_object_get(v.answer, "state"));
        const json_t *t = json_object_get(v.answer, "tasks");
        if (state && (!strcmp(state, "succeeded") || !strcmp(state, "failed") || !strcmp(state, "cancelled"))) {
            const char *why = json_string_value(json_object_get(v.answer, "error"));
            printf("%s %s: %lld/%lld tasks, %lld failed%s%s\n", id, state,
                   (long long)json_integer_value(json_object_get(t, "done")),
                   (long long)json_integer_value(json_object_get(t, "total")),
                   (long long)json_integer_value(json_object_get(t, "failed")), why ? " -- " : "", why ? why : "");
            rc = !strcmp(state, "succeeded") ? 0 : !strcmp(state, "failed") ? 1 : 3;
            goto out;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout > 0 && (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= timeout) {
            fprintf(stderr, "mlac: error: %s still %s after %.0f s\n", id, state ? state : "?", timeout);
            rc = 124;
            goto out;
        }
        struct timespec ts = {(time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9)};
        nanosleep(&ts, NULL);
    }
out:
    client_verb_release(&v);
    return rc;
}
