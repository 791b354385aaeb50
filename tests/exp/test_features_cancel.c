/* test_features_cancel.c — feature extraction stops between clips when the calling thread's
 * cancel flag (core/cancel.h) is set: feature_tables_build returns MLAC_ECANCEL with a message
 * and leaves no table; with the flag clear it builds every clip's row. On a synthetic dataset
 * (one species, 4 positives and 4 negatives of 1 s) written by the synth module.
 */
#include "coyote_features.h"

#include "core/cancel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t flag;

int main(void)
{
    char root[] = "/tmp/mlac_features_cancel_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    mlac_err err = {0};
    store *st = NULL;
    dataset d;
    coyote_dataset(root, 4, 1, &st, &d);

    feature_table t[INPUT_LOGMEL_IMAGE + 1];
    flag = 1;
    cancel_set_current(&flag);
    err = (mlac_err){0};
    int rc = coyote_tables(st, &d, 1u << INPUT_SUMMARY, 0, NULL, t, &err);
    CHECK_MSG(rc == MLAC_ECANCEL, "rc %d (%s), want MLAC_ECANCEL", rc, err.msg);
    CHECK_MSG(strstr(err.msg, "cancelled") != NULL, "message '%s'", err.msg);
    CHECK_MSG(t[INPUT_SUMMARY].n == 0 && t[INPUT_SUMMARY].rows == NULL, "a cancelled build left %zu rows",
              t[INPUT_SUMMARY].n);

    flag = 0;
    CHECK_OK(coyote_tables(st, &d, 1u << INPUT_SUMMARY, 0, NULL, t, &err), &err);
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
