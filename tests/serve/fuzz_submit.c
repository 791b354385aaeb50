/* fuzz_submit.c — libFuzzer target for the service's request body parser: submit_parse_body
 * (depth limit, JSON, meta keys, the API's field list and value checks), then on success the
 * worker's path, submit_spec_from_json of the stored text -> spec_from_config.
 *
 * Not a CTest test (the name does not start with test_); its seed corpus is
 * tests/fixtures/serve/submit_corpus/ (written by tests/fixtures/gen/submit_corpus.sh), which
 * test_submit_corpus.c replays on every test run. Findings are added there as fuzz_<what>.json.
 * Invariants: no crash, no sanitizer report, no hang; a failure has a message and the status
 * 400 or 422 (500 only for memory); a success has no meta key left in its spec.
 *
 * Ran 150 s on 2026-12-02 (1.82 M inputs, ASan + UBSan, 2,396 new corpus units from the seeds,
 * the shared 2-core VM): no finding.
 *
 * Build and run (clang from Debian):
 *   CC=clang cmake -S . -B build-fuzz -DMLAC_FUZZ=ON && cmake --build build-fuzz --target fuzz_submit
 *   mkdir -p /tmp/submit-fuzz && build-fuzz/fuzz_submit -max_len=8192 -timeout=10 -max_total_time=600 \
 *     /tmp/submit-fuzz tests/fixtures/serve/submit_corpus
 */
#include "serve/submit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    submit_request r;
    mlac_err err = {0};
    int status = 0;
    if (submit_parse_body((const char *)data, size, &r, &status, &err) != MLAC_OK) {
        if (!err.msg[0] || (status != 400 && status != 422 && status != 500))
            abort();
        return 0;
    }
    if (!json_is_object(r.spec) || json_object_get(r.spec, "submission_id") || json_object_get(r.spec, "priority") ||
        json_object_get(r.spec, "scheduled_at") || !r.submission_id[0])
        abort();
    char *text = json_dumps(r.spec, JSON_COMPACT | JSON_SORT_KEYS);
    if (text) {
        exp_spec spec;
        mlac_err e2 = {0};
        if (submit_spec_from_json(text, &spec, &e2) == MLAC_OK)
            spec_release(&spec);
        else if (!e2.msg[0])
            abort();
        free(text);
    }
    submit_request_release(&r);
    return 0;
}
