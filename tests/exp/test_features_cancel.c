/* test_features_cancel.c — feature extraction stops between clips when the calling thread's
 * cancel flag (core/cancel.h) is set: feature_tables_build returns MLAC_ECANCEL with a message
 * and leaves no table; with the flag clear it builds every clip's row. On a synthetic dataset
 * (one species, 4 positives and 4 negatives of 1 s) written by the synth module.
 */
#include "test.h"

#include "core/cancel.h"
#include "core/fsutil.h"
#include "dataset/dataset.h"
#include "exp/clip_features.h"
#include "store/store.h"
#include "synth/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t flag;

static int build(store *st, const dataset *d, feature_table *out, mlac_err *err)
{
    strlist species;
    strlist_init(&species);
    feat_params fp;
    feat_params_default(&fp);
    memset(out, 0, sizeof(feature_table) * (INPUT_LOGMEL_IMAGE + 1));
    int rc = strlist_push(&species, "coyote", err);
    if (!rc)
        rc = feature_tables_build(st, d, &species, 1u << INPUT_SUMMARY, &fp, 1.0, NULL, 2, NULL, NULL, out, err);
    strlist_release(&species);
    return rc;
}

int main(void)
{
    char root[] = "/tmp/mlac_features_cancel_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    synth_options o;
    synth_options_default(&o);
    o.per_class = 4;
    o.seconds = 1;
    o.species[0] = "coyote";
    o.n_species = 1;
    o.threads = 1;
    mlac_err err = {0};
    store *st = NULL;
    CHECK_OK(store_open(root, &st, &err), &err);
    CHECK_OK(synth_generate(&o, st, NULL, &err), &err);
    dataset d = {0};
    CHECK_OK(dataset_scan(st, NEG_AUTO, &d, &err), &err);

    feature_table t[INPUT_LOGMEL_IMAGE + 1];
    flag = 1;
    cancel_set_current(&flag);
    err = (mlac_err){0};
    int rc = build(st, &d, t, &err);
    CHECK_MSG(rc == MLAC_ECANCEL, "rc %d (%s), want MLAC_ECANCEL", rc, err.msg);
    CHECK_MSG(strstr(err.msg, "cancelled") != NULL, "message '%s'", err.msg);
    CHECK_MSG(t[INPUT_SUMMARY].n == 0 && t[INPUT_SUMMARY].rows == NULL, "a cancelled build left %zu rows",
              t[INPUT_SUMMARY].n);

    flag = 0;
    CHECK_OK(build(st, &d, t, &err), &err);
    CHECK_MSG(t[INPUT_SUMMARY].n == 8, "%zu rows, want 8 (4 positives, 4 negatives)", t[INPUT_SUMMARY].n);
    feature_table_release(&t[INPUT_SUMMARY]);
    cancel_set_current(NULL);

    dataset_release(&d);
    store_free(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
