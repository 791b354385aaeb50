/* test_alloc_fail_stats.c — allocation-failure injection (tests/alloc_sweep.h) into the AUC
 * bootstrap: every replicate's AUC allocates its ranking, and a replicate that got no memory must
 * make the bootstrap fail with a message, never come back as a NaN draw that shifts the interval's
 * percentiles with success. Each failed allocation gives an error or the unfailed interval, bit for
 * bit; every k is failed.
 */
#include "alloc_sweep.h"
#include "core/log.h"
#include "core/rng.h"
#include "stats/intervals.h"
#include "stats/metrics.h"

#include <math.h>

enum { N = 40, N_BOOT = 60 };

typedef struct boot_ctx {
    double score[N];
    int y[N];
    stats_bootstrap ref;
} boot_ctx;

static int run_bootstrap(void *vctx, int reference, mlac_err *err)
{
    boot_ctx *c = vctx;
    stats_bootstrap b;
    int rc = stats_auc_bootstrap(c->score, c->y, N, N_BOOT, 0.95, 77, &b, err);
    if (!rc && reference)
        c->ref = b;
    else if (!rc)
        CHECK_MSG(!memcmp(&b, &c->ref, sizeof b),
                  "allocation %lu failed, the bootstrap returned success with [%.17g, %.17g] (unfailed [%.17g, %.17g])",
                  alloc_sweep_k, b.lo, b.hi, c->ref.lo, c->ref.hi);
    return rc;
}

/* The same question of metric_roc_auc_or_nan directly: out of memory is an error, one class is not. */
static int run_auc(void *vctx, int reference, mlac_err *err)
{
    boot_ctx *c = vctx;
    double auc;
    int rc = metric_roc_auc_or_nan(c->score, c->y, N, &auc, err);
    if (!rc && !reference)
        CHECK_MSG(auc == metric_roc_auc(c->score, c->y, N), "allocation %lu failed, the AUC came back as %g",
                  alloc_sweep_k, auc);
    return rc;
}

int main(void)
{
    log_init(LOG_OFF, 0);
    boot_ctx c;
    memset(&c, 0, sizeof c);
    rng r;
    rng_seed(&r, 3);
    for (size_t i = 0; i < N; i++) {
        c.y[i] = (int)(i % 3 == 0);
        c.score[i] = rng_normal(&r) + c.y[i];
    }
    alloc_path boot = {"stats_auc_bootstrap", run_bootstrap, NULL, &c, 0};
    CHECK(alloc_sweep(&boot) >= N_BOOT); /* at least one allocation per replicate */
    CHECK(isfinite(c.ref.lo) && c.ref.lo < c.ref.auc && c.ref.auc < c.ref.hi);
    alloc_path auc = {"metric_roc_auc_or_nan", run_auc, NULL, &c, 0};
    CHECK(alloc_sweep(&auc) >= 1);

    /* one class: no AUC, and no error */
    int one[N] = {0};
    double v = 0.0;
    mlac_err err = {0};
    CHECK(metric_roc_auc_or_nan(c.score, one, N, &v, &err) == MLAC_OK && isnan(v));
    TEST_MAIN_END();
}
