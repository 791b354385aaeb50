/* fuzz_spec_yaml.c — libFuzzer target for the YAML spec file: config_load_yaml_mem (the same
 * event loop as config_load_yaml), then spec_from_config and each named model's options.
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/spec_yaml/, replayed on every test
 * run by test_fuzz_spec_yaml.c. Findings go there as fuzz_<what>.yaml.
 * Invariants: no crash, sanitizer report or hang; a refusal carries a message, and a YAML-level
 * refusal names the file ("fuzz.yaml"); an accepted spec names at least one model.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "exp/settings.h"
#include "core/config.h"
#include "core/log.h"
#include "exp/spec.h"
#include "fuzz_spec_models.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_init(LOG_OFF, 0);
    config c;
    mlac_err err = {0};
    if (settings_init(&c, &err))
        return 0;
    int rc = config_load_yaml_mem(&c, data, size, "fuzz.yaml", &err);
    if (rc && !strstr(err.msg, "fuzz.yaml"))
        abort();
    if (!rc) {
        exp_spec spec;
        memset(&spec, 0, sizeof spec);
        rc = spec_from_config(&c, &spec, &err);
        if (!rc) {
            if (spec.models.n == 0)
                abort();
            rc = fuzz_create_models(&spec, &err);
            spec_release(&spec);
        }
    }
    if (rc && !err.msg[0])
        abort();
    fuzz_verdict = rc != 0;
    config_release(&c);
    return 0;
}
