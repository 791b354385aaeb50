/* fuzz_spec_json.c — libFuzzer target for the JSON spec (the service's request body and the
 * stored spec a worker runs) and for model options: the input goes through the server's depth
 * guard and json_loadb (duplicates rejected), submit_config_from_json, spec_from_config and each
 * named model's options; then, parsed as JSON, it is handed to every model kind as its
 * model_options object; and submit_spec_from_json reads it as a stored spec.
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/spec_json/, replayed on every test run
 * by test_fuzz_spec_json.c. Findings go there as fuzz_<what>.json.
 * Invariants: no crash, sanitizer report or hang; every refusal carries a message (and an HTTP
 * status of 4xx where the request path gives one). The verdict is that of the request path.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "exp/settings.h"
#include "core/config.h"
#include "core/log.h"
#include "exp/spec.h"
#include "../exp/fuzz_spec_models.h"
#include "ml/model.h"
#include "serve/submit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

static int request_path(const char *text, size_t size, mlac_err *err)
{
    if (submit_json_depth(text, size) > 64)
        return mlac_errf(err, MLAC_EINVAL, "too deep");
    json_error_t je;
    json_t *body = json_loadb(text, size, JSON_REJECT_DUPLICATES, &je);
    if (!body || !json_is_object(body)) {
        json_decref(body);
        return mlac_errf(err, MLAC_EINVAL, "not a JSON object");
    }
    config c;
    int rc = settings_init(&c, err);
    if (!rc) {
        int status = 0;
        rc = submit_config_from_json(body, NULL, &c, &status, err);
        if (rc && status && (status < 400 || status > 499))
            abort();
        if (!rc) {
            exp_spec spec;
            memset(&spec, 0, sizeof spec);
            rc = spec_from_config(&c, &spec, err);
            if (!rc) {
                rc = fuzz_create_models(&spec, err);
                spec_release(&spec);
            }
        }
        config_release(&c);
    }
    json_decref(body);
    if (rc && !err->msg[0])
        abort();
    return rc;
}

/* The input as one model's options object, for every model kind. */
static void options_path(const char *text, size_t size)
{
    if (submit_json_depth(text, size) > 64)
        return;
    json_t *o = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return;
    }
    for (const struct model_kind *const *k = model_all(); *k; k++) {
        model_config mc = {.seed = 1, .n_threads = 1, .options = o};
        model *m = NULL;
        mlac_err err = {0};
        int rc = (*k)->create(&mc, &m, &err);
        if (m)
            (*k)->free(m);
        if (rc && !err.msg[0])
            abort();
    }
    json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_init(LOG_OFF, 0);
    const char *text = (const char *)data;
    mlac_err err = {0};
    fuzz_verdict = request_path(text, size, &err) != 0;
    options_path(text, size);
    char *z = malloc(size + 1); /* the stored spec is a NUL-terminated text */
    if (z && submit_json_depth(text, size) <= 64) {
        memcpy(z, data, size);
        z[size] = '\0';
        exp_spec spec;
        memset(&spec, 0, sizeof spec);
        mlac_err e2 = {0};
        if (submit_spec_from_json(z, &spec, &e2) == MLAC_OK)
            spec_release(&spec);
        else if (!e2.msg[0])
            abort();
    }
    free(z);
    return 0;
}
