/* cmd_submit.c — `mlac submit [SPEC.json] [run-experiment flags]`: queues an experiment on the
 * service and prints its id (stdout, one line) for scripts.
 *
 * The body is the JSON spec file (if given) overlaid with the spec keys set by flags or by a
 * YAML --spec file, exactly the fields run-experiment takes; the environment's MLAC_* settings
 * are not sent (the server's defaults apply, as for any client).
 */
#include "exp/settings.h"
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int cmd_submit(int argc, char **argv)
{
    const struct cli_usage usage = {
        "mlac submit", "[SPEC.json]",
        "Submits an experiment to the mlac service (--server or MLAC_SERVER; token in MLAC_API_TOKEN).\n"
        "The spec is a JSON file of the YAML spec's fields and/or run-experiment's flags. Prints the\n"
        "experiment id. Resubmitting with the same --submission-id returns the same experiment."};
    const char *sub_id = NULL, *when = NULL;
    long priority = 0;
    int have_priority = 0, stop;
    const struct cli_opt opts[] = {
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
        {"labels", OPT_CONFIG, "labels", "FILE.csv", "labels CSV (it and its clips under the server's --data-roots)"},
        {"positive-label", OPT_CONFIG, "positive_label", "WORD", "labels CSV word for positives"},
        {"negative-label", OPT_CONFIG, "negative_label", "WORD", "labels CSV word for negatives"},
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
    json_t *body = NULL;
    char *text = NULL;
    int rc = settings_init(&cfg, &err);
    if (rc)
        return cli_fail(&err);
    priority = -0x7fffffffL;
    const client_args args = {.min_pos = 0, .max_pos = 1, .cfg = &cfg};
    client_verb v;
    rc = client_verb_start(&v, &usage, opts, &args, argc, argv, &stop);
    if (rc || stop)
        goto out;
    have_priority = priority != -0x7fffffffL;
    if (v.pos.n) {
        json_error_t jerr;
        body = json_load_file(v.pos.items[0], JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(body)) {
            fprintf(stderr, "mlac: error: '%s': not a JSON object (%s, line %d)\n", v.pos.items[0],
                    body ? "another value" : jerr.text, jerr.line);
            rc = !body && jerr.line < 0 ? EX_NOINPUT : EX_DATAERR;
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
    if ((rc = client_verb_call(&v, "POST", "/v1/experiments", text, 200, 201)))
        goto out;
    json_t *a = v.answer;
    printf("%s\n", json_string_value(json_object_get(a, "id")));
    fprintf(stderr, "%s %s: %s (run %s)\n", v.status == 201 ? "submitted" : "already submitted",
            json_string_value(json_object_get(a, "id")), json_string_value(json_object_get(a, "state")),
            json_string_value(json_object_get(a, "run_id")));
out:
    free(text);
    json_decref(body);
    client_verb_release(&v);
    config_release(&cfg);
    return rc;
}
