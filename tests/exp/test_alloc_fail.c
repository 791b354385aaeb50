/* test_alloc_fail.c — allocation-failure injection (core/alloc.h, SQLite's approach) over
 * spec loading (config_init, the YAML loader, spec_from_config with model_options) and dataset
 * scanning (store_open, dataset_scan): for k = 1, 2, ... the k-th allocation fails, and each run
 * must end with a clean error (a nonzero code and a message) and free everything it took (the
 * ASan build of scripts/test.sh runs this test with LeakSanitizer on); the first k the path never
 * reaches must give a full success. jansson allocates through the hook too
 * (json_set_alloc_funcs), so JSON values inside a spec fail as well. Allocations made directly
 * by libyaml and libc's opendir are not hooked (see docs/TESTING.md).
 */
#include "exp/settings.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "dataset/dataset.h"
#include "exp/spec.h"
#include "store/store.h"
#include "test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char yaml[] = "models: [random_forest, svm]\n"
                           "species: [coyote, bullfrog]\n"
                           "training_sizes: [4, 8]\n"
                           "cv_folds: 3\n"
                           "model_options: '{\"random_forest\": {\"n_trees\": 20}, \"svm\": {\"C\": 2.0}}'\n";

static int load_spec(mlac_err *err)
{
    config c;
    int rc = settings_init(&c, err);
    if (rc)
        return rc;
    rc = config_load_yaml_mem(&c, yaml, sizeof yaml - 1, "alloc.yaml", err);
    if (!rc) {
        exp_spec spec;
        memset(&spec, 0, sizeof spec);
        rc = spec_from_config(&c, &spec, err);
        if (!rc) {
            rc = spec.models.n == 2 && spec.species.n == 2 ? MLAC_OK : mlac_errf(err, MLAC_EINVAL, "wrong spec");
            spec_release(&spec);
        }
    }
    config_release(&c);
    return rc;
}

static char g_root[256];

static int scan_data(mlac_err *err)
{
    store *s = NULL;
    int rc = store_open(g_root, &s, err);
    if (rc)
        return rc;
    dataset d;
    memset(&d, 0, sizeof d);
    rc = dataset_scan(s, NEG_FOLDER, &d, err);
    if (!rc) {
        const species_data *sp = dataset_find(&d, "coyote");
        rc = sp && sp->n_pos == 3 && sp->n_neg == 2 ? MLAC_OK : mlac_errf(err, MLAC_EINVAL, "wrong dataset");
        dataset_release(&d);
    }
    store_free(s);
    return rc;
}

/* Fails allocation k = 1, 2, ... of path until a run does not reach k; returns how many. */
static unsigned long sweep(const char *what, int (*path)(mlac_err *))
{
    unsigned long k;
    for (k = 1; k < 100000; k++) {
        mlac_err err = {0};
        alloc_fail_at(k);
        int rc = path(&err);
        int fired = alloc_fail_fired();
        alloc_fail_at(0);
        if (!fired) {
            CHECK_MSG(rc == MLAC_OK, "%s: the unfailed run failed: %s", what, err.msg);
            break;
        }
        CHECK_MSG(rc != MLAC_OK && err.msg[0], "%s: allocation %lu failed but the path returned %d (%s)", what,
                  k, rc, err.msg);
    }
    printf("%s: %lu allocations failed in turn, each a clean error\n", what, k - 1);
    return k - 1;
}

int main(void)
{
    log_init(LOG_OFF, 0);
    json_set_alloc_funcs(mlac_malloc, free);
    mlac_err err = {0};
    CHECK_OK(load_spec(&err), &err);
    CHECK(sweep("spec loading", load_spec) >= 20);

    const char *tmp = getenv("TMPDIR");
    snprintf(g_root, sizeof g_root, "%s/mlac-alloc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(g_root) != NULL);
    static const char *clips[] = {"coyote/data/pos/a.wav", "coyote/data/pos/b.wav", "coyote/data/pos/c.wav",
                                  "coyote/data/neg/d.wav", "coyote/data/neg/e.wav", "bullfrog/data/pos/f.wav",
                                  "bullfrog/data/neg/g.wav"};
    char path[512];
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_root, clips[i]);
        CHECK_OK(fs_write_atomic(path, "RIFF", 4, &err), &err);
    }
    CHECK_OK(scan_data(&err), &err);
    CHECK(sweep("dataset scan", scan_data) >= 5);
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_root, clips[i]);
        unlink(path);
    }
    const char *dirs[] = {"coyote/data/pos", "coyote/data/neg", "coyote/data", "coyote", "bullfrog/data/pos",
                          "bullfrog/data/neg", "bullfrog/data", "bullfrog", ""};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_root, dirs[i]);
        rmdir(path);
    }
    TEST_MAIN_END();
}
