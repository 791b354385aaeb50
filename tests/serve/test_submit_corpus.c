/* test_submit_corpus.c — replays every file of tests/fixtures/serve/submit_corpus/ (the seed
 * corpus and findings of fuzz_submit.c; STYLE.md habit 9) through submit_parse_body and, for
 * those that parse, the worker's submit_spec_from_json.
 *
 * The name says what must happen (tests/fixtures/gen/submit_corpus.sh wrote them): ok_* parse
 * with no meta key left in the spec; bad400_* fail with status 400 and bad422_* with 422, each
 * with a message; spec422_* parse but the spec built from them is refused with a message (the
 * service answers 422 at validation); fuzz_* may do either but must not crash (the sanitizer build checks memory).
 */
#include "test.h"

#include "core/fsutil.h"
#include "serve/submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void replay(const char *dir, const char *name, int *n_ok, int *n_bad)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
    submit_request r;
    int status = -1;
    err.msg[0] = '\0';
    int rc = submit_parse_body(b.data ? b.data : "", b.len, &r, &status, &err);
    int spec_bad = !strncmp(name, "spec422_", 8);
    if (!strncmp(name, "ok_", 3) || spec_bad) {
        CHECK_MSG(rc == MLAC_OK, "%s: refused (%d): %s", name, status, err.msg);
    } else if (!strncmp(name, "bad400_", 7) || !strncmp(name, "bad422_", 7)) {
        int want = !strncmp(name, "bad400_", 7) ? 400 : 422;
        CHECK_MSG(rc != MLAC_OK && status == want, "%s: rc %d status %d, want status %d (%s)", name, rc, status,
                  want, err.msg);
    }
    if (rc == MLAC_OK) {
        (*n_ok)++;
        CHECK_MSG(status == 0 && r.submission_id[0], "%s: parsed without a submission id", name);
        CHECK_MSG(!json_object_get(r.spec, "submission_id") && !json_object_get(r.spec, "priority") &&
                      !json_object_get(r.spec, "scheduled_at"),
                  "%s: a meta key is left in the spec", name);
        char *text = json_dumps(r.spec, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK(text != NULL);
        exp_spec spec;
        mlac_err e2 = {0};
        int src = text ? submit_spec_from_json(text, &spec, &e2) : MLAC_ENOMEM;
        if (src == MLAC_OK)
            spec_release(&spec);
        else
            CHECK_MSG(e2.msg[0] != '\0', "%s: the stored spec failed without a message", name);
        if (spec_bad)
            CHECK_MSG(src != MLAC_OK, "%s: the spec was accepted", name);
        else if (!strncmp(name, "ok_", 3))
            CHECK_MSG(src == MLAC_OK, "%s: the spec was refused: %s", name, e2.msg);
        free(text);
        submit_request_release(&r);
    } else {
        (*n_bad)++;
        CHECK_MSG(err.msg[0] != '\0', "%s: refused without a message", name);
        CHECK_MSG(status == 400 || status == 422 || status == 500, "%s: status %d", name, status);
        CHECK_MSG(r.spec == NULL, "%s: a refused body left a spec", name);
    }
    buf_release(&b);
}

int main(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_fixture("serve/submit_corpus"));
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(dir, &files, &err), &err);
    int n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < files.n; i++)
        replay(dir, files.items[i], &n_ok, &n_bad);
    printf("submit corpus: %zu files, %d parsed, %d refused\n", files.n, n_ok, n_bad);
    CHECK_MSG(files.n >= 20, "corpus %s has only %zu files", dir, files.n);
    CHECK_MSG(n_ok >= 8 && n_bad >= 12, "%d parsed, %d refused: the corpus lost its seeds", n_ok, n_bad);
    strlist_release(&files);
    TEST_MAIN_END();
}
