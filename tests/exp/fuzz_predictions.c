/* fuzz_predictions.c — libFuzzer target for a task's predictions CSV as aggregation reads it
 * (aggregate_pooled_scores through the file store): the input is written as
 * r/predictions/sp/m/n00001_r0_f0.csv under a private temporary folder and read back.
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/predictions/, replayed on every test
 * run by test_fuzz_predictions.c. Findings go there as fuzz_<what>.csv.
 * Invariants: no crash, sanitizer report or hang; a refusal carries a message naming the file;
 * an accepted file yields a path for every row and labels of 0 or 1 only where the row is
 * accepted as a prediction.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "core/fsutil.h"
#include "core/log.h"
#include "exp/aggregate.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

static char fz_root[256], fz_file[512];
static store *fz_store;

static void fz_cleanup(void)
{
    store_free(fz_store);
    unlink(fz_file);
    char d[600];
    const char *parts[] = {"r/predictions/sp/m", "r/predictions/sp", "r/predictions", "r", ""};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(d, sizeof d, "%s/%s", fz_root, parts[i]);
        rmdir(d);
    }
}

static int fz_setup(void)
{
    if (fz_store)
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(fz_root, sizeof fz_root, "%s/mlac-fuzz-pred-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    mlac_err err = {0};
    if (!mkdtemp(fz_root))
        return -1;
    snprintf(fz_file, sizeof fz_file, "%s/r/predictions/sp/m/n00001_r0_f0.csv", fz_root);
    if (fs_mkdir_parent(fz_file, &err) || store_open(fz_root, &fz_store, &err))
        return -1;
    atexit(fz_cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_init(LOG_OFF, 0);
    if (fz_setup())
        abort();
    FILE *f = fopen(fz_file, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f))
        abort();
    json_t *task = json_pack("{s:i, s:i}", "repeat", 0, "fold", 0);
    agg_cell c = {.species = "sp", .model = "m", .n = 1, .tasks = &task, .n_tasks = 1};
    predictions p;
    mlac_err err = {0};
    int rc = aggregate_pooled_scores(fz_store, "r", &c, 0, &p, &err);
    if (rc && !strstr(err.msg, "n00001_r0_f0.csv"))
        abort();
    for (size_t i = 0; !rc && i < p.n; i++) /* what reads is strict: finite scores, labels 0/1 */
        if (!p.path[i] || !isfinite(p.score[i]) || (p.label[i] != 0 && p.label[i] != 1) || !(p.prob[i] >= 0 && p.prob[i] <= 1))
            abort();
    predictions_release(&p);
    json_decref(task);
    fuzz_verdict = rc != 0;
    return 0;
}
