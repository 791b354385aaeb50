/* bootstrap.c — seeded, stratified percentile bootstrap of the AUC (see intervals.h).
 *
 * Replicate b draws m positives from the m positive scores and n negatives from the n
 * negative scores, with replacement, from one rng seeded with the caller's seed; the
 * interval is the ((1-level)/2, (1+level)/2) percentiles of the n_boot replicate AUCs.
 */
#include "stats/intervals.h"
#include "stats/metrics.h"
#include "stats/rank.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

typedef struct boot_work {
    double *pos, *neg; /* (m,), (n,) scores of each class */
    double *draw;      /* (m + n,) one replicate: positives first */
    int *label;        /* (m + n,) labels matching draw */
    double *aucs;      /* (n_boot,) */
} boot_work;

static void work_free(boot_work *w)
{
    free(w->pos);
    free(w->neg);
    free(w->draw);
    free(w->label);
    free(w->aucs);
}

static int work_alloc(boot_work *w, size_t m, size_t n, size_t n_boot, mlac_err *err)
{
    w->pos = malloc(m * sizeof *w->pos);
    w->neg = malloc(n * sizeof *w->neg);
    w->draw = malloc((m + n) * sizeof *w->draw);
    w->label = malloc((m + n) * sizeof *w->label);
    w->aucs = malloc(n_boot * sizeof *w->aucs);
    if (!w->pos || !w->neg || !w->draw || !w->label || !w->aucs)
        return mlac_errf(err, MLAC_ENOMEM, "auc bootstrap: out of memory");
    return MLAC_OK;
}

/* One resampled AUC into *auc; MLAC_ENOMEM is an error (a NaN would shift the percentiles). */
static int one_replicate(boot_work *w, size_t m, size_t n, rng *r, double *auc, mlac_err *err)
{
    for (size_t i = 0; i < m; i++)
        w->draw[i] = w->pos[rng_below(r, m)];
    for (size_t j = 0; j < n; j++)
        w->draw[m + j] = w->neg[rng_below(r, n)];
    return metric_roc_auc_or_nan(w->draw, w->label, m + n, auc, err);
}

int stats_auc_bootstrap(const double *score, const int *y, size_t n_all, size_t n_boot,
                        double level, uint64_t seed, stats_bootstrap *out, mlac_err *err)
{
    size_t m, n;
    boot_work w = {0};
    rng r;
    *out = (stats_bootstrap){NAN, NAN, NAN, n_boot};
    int rc = stats_check_scored(score, y, n_all, "auc bootstrap", &m, &n, err);
    if (rc == MLAC_OK && (!m || !n || n_boot < 2 || !(level > 0 && level < 1)))
        rc = mlac_errf(err, MLAC_EINVAL,
                       "auc bootstrap: needs both classes, n_boot >= 2 and level in (0, 1)");
    if (rc == MLAC_OK)
        rc = work_alloc(&w, m, n, n_boot, err);
    if (rc)
        goto out;
    for (size_t i = 0, a = 0, b = 0; i < n_all; i++)
        y[i] ? (w.pos[a++] = score[i]) : (w.neg[b++] = score[i]);
    for (size_t i = 0; i < m + n; i++)
        w.label[i] = i < m;
    rng_seed(&r, seed);
    for (size_t b = 0; !rc && b < n_boot; b++)
        rc = one_replicate(&w, m, n, &r, &w.aucs[b], err);
    if (!rc)
        rc = metric_roc_auc_or_nan(score, y, n_all, &out->auc, err);
    if (rc)
        goto out;
    stats_sort_doubles(w.aucs, n_boot);
    out->lo = stats_percentile_sorted(w.aucs, n_boot, 50.0 * (1 - level));
    out->hi = stats_percentile_sorted(w.aucs, n_boot, 50.0 * (1 + level));
    stats_clip_interval(&out->lo, &out->hi, 0.0, 1.0);
out:
    work_free(&w);
    return rc;
}
