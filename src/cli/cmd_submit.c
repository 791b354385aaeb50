/* cmd_submit.c — `mlac submit [SPEC.json] [run-experiment flags]`: queues an experiment on the
 * service and prints its id (stdout, one line) for scripts.
 *
 * The body is the JSON spec file (if given) overlaid with the spec keys set by flags or by a
 * YAML --spec file, exactly the fields run-experiment takes; the environment's MLAC_* settings
 * are not sent (the server's defaults apply, as for any client).
 */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_submit(int argc, char **argv)
{
    const struct cli_usage usage = {
        "mlac submit", "[SPEC.json]",
        "Submits an experiment to the mlac service (--server or MLAC_SERVER; token in MLAC_API_TOKEN).\n"
        "The spec is a JSON file of the YAML spec's fields and/or run-experiment's flags. Prints the\n"
        "experiment id. Resubmitting with the same --submission-id returns the same experiment."};
    const char *server = NULL, *sub_id = NULL, *when = NULL;
    long priority = 0;
    int have_priority = 0, stop;
    strlist pos;
    strlist_init(&pos);
    const struct cli_opt opts[] = {
        {"server", OPT_STR, &server, "URL", "service URL (default MLAC_SERVER or http://127.0.0.1:8080)"},
        {"submission-id", OPT_STR, &sub_id, "ID", "idempotency key: the same id is accepted once"},
        {"scheduled-at", OPT_STR, &when, "TIME", "start at this RFC 3339 time (2026-12-01T21:30:00Z)"},
        {"priority", OPT_INT, &priority, "P", "higher runs first (default 0)"},
        {"models", OPT_CONFIG_LIST, "models", "M...", "models"},
        {"species", OPT_CONFIG_LIST, "species", "S...", "species"},
        {"training-sizes", OPT_CONFIG_LIST, "training_sizes", "N...", "training clips per class"},
        {"cv-folds", OPT_CONFIG, "cv_folds", "K", "cross-validation folds"},
        {"repeats", OPT_CONFIG, "repeats", "R", "repeats of the K-fold split"},
        {"seed", OPT_CONFIG, "seed", "N", "master seed"},
        {"data", OPT_CONFIG, "data", "DIR", "data root (must be under the server's --data-roots)"},
        {"output-dir", OPT_CONFIG, "output_dir", "DIR", "results root (must be under the server's --results)"},
        {"run-id", OPT_CONFIG, "run_id", "ID", "run folder name"},
        {"max-concurrent", OPT_CONFIG, "max_concurrent", "M", "tasks at once"},
        {"threads", OPT_CONFIG, "threads", "T", "thread budget (capped by the server's share)"},
        {"negatives", OPT_CONFIG, "negatives", "MODE", "auto, folder or others"},
        {"clip-seconds", OPT_CONFIG, "clip_seconds", "S", "clip length"},
        {"sample-rate", OPT_CONFIG, "sample_rate", "HZ", "analysis sample rate"},
        {"model-options", OPT_CONFIG, "model_options", "JSON", "per-model options"},
        {"epochs", OPT_CONFIG, "epochs", "N", "CNN training epochs"},
        {"batch-size", OPT_CONFIG, "batch_size", "N", "CNN batch size"},
        {"input-size", OPT_CONFIG, "image_size", "S", "CNN log-mel image side"},
        {"width", OPT_CONFIG, "width", "W", "mobilenet width multiplier"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    json_t *body = NULL, *answer = NULL;
    char *text = NULL;
    int rc = config_init(&cfg, &err);
    if (rc) {
        strlist_release(&pos);
        return cli_fail(&err);
    }
    priority = -0x7fffffffL;
    rc = cli_parse(&usage, opts, argc, argv, &pos, &cfg, &stop);
    if (rc || stop)
        goto out;
    have_priority = priority != -0x7fffffffL;
    rc = 2;
    if (pos.n > 1) {
        fprintf(stderr, "mlac: error: one spec file at most\n");
        goto out;
    }
    if (pos.n) {
        json_error_t jerr;
        body = json_load_file(pos.items[0], JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(body)) {
            fprintf(stderr, "mlac: error: '%s': not a JSON object (%s, line %d)\n", pos.items[0],
                    body ? "another value" : jerr.text, jerr.line);
            goto out;
        }
    } else {
        body = json_object();
    }
    for (size_t i = 0; i < cfg.n; i++)
        if (cfg.entries[i].source == SRC_FLAG || cfg.entries[i].source == SRC_FILE)
            if (strcmp(cfg.entries[i].key, "log_level"))
                json_object_set_new(body, cfg.entries[i].key, json_string(cfg.entries[i].value));
    if (sub_id)
        json_object_set_new(body, "submission_id", json_string(sub_id));
    if (when)
        json_object_set_new(body, "scheduled_at", json_string(when));
    if (have_priority)
        json_object_set_new(body, "priority", json_integer(priority));
    text = json_dumps(body, JSON_COMPACT);
    client c;
    client_init(&c, server);
    long status;
    if (client_call(&c, "POST", "/v1/experiments", text, &status, &answer, &err)) {
        rc = client_report(&err);
        goto out;
    }
    if (status != 200 && status != 201) {
        rc = client_fail(status, answer, &err);
        client_report(&err);
        goto out;
    }
    printf("%s\n", json_string_value(json_object_get(answer, "id")));
    fprintf(stderr, "%s %s: %s (run %s)\n", status == 201 ? "submitted" : "already submitted",
            json_string_value(json_object_get(answer, "id")), json_string_value(json_object_get(answer, "state")),
            json_string_value(json_object_get(answer, "run_id")));
    rc = 0;
out:
    free(text);
    json_decref(body);
    json_decref(answer);
    strlist_release(&pos);
    config_release(&cfg);
    return rc;
}
