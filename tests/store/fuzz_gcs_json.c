/* fuzz_gcs_json.c — libFuzzer target for the JSON resources mlac reads from Google Cloud
 * Storage (src/store/gcs_objects.c): the input as an object's metadata (gcs_object_parse) and as
 * one page of an object listing (gcs_list_page_parse).
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/gcs_json/, replayed on every test run
 * by test_fuzz_gcs_json.c. Findings go there as fuzz_<what>.json.
 * Invariants: no crash, sanitizer report or hang; a refusal carries a message naming the request
 * ("fuzz"); an accepted object has a name, a generation and a size >= 0; an accepted page's
 * items all do. The verdict: accepted when either parser accepts.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "store/gcs_objects.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

static void check_object(const gcs_object *o)
{
    if (!o->name || o->generation < 0 || o->size < 0 || strlen(o->md5) >= sizeof o->md5)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    mlac_err err = {0};
    gcs_object o;
    memset(&o, 0, sizeof o);
    int rc1 = gcs_object_parse(text, size, "fuzz", &o, &err);
    if (rc1 && !strstr(err.msg, "fuzz"))
        abort();
    if (!rc1)
        check_object(&o);
    gcs_object_release(&o);
    gcs_list_page p;
    mlac_err e2 = {0};
    int rc2 = gcs_list_page_parse(text, size, "fuzz", &p, &e2);
    if (rc2 && !strstr(e2.msg, "fuzz"))
        abort();
    for (size_t i = 0; !rc2 && i < p.n_items; i++)
        check_object(&p.items[i]);
    for (size_t i = 0; !rc2 && i < p.prefixes.n; i++)
        if (!p.prefixes.items[i])
            abort();
    gcs_list_page_release(&p);
    fuzz_verdict = rc1 != 0 && rc2 != 0;
    return 0;
}
