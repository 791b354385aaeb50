/* roc_curve.c — the ROC curve as scikit-learn 1.2 roc_curve (see metrics.h).
 *
 * Points are the cumulative (false, true) positive counts at each distinct score, highest
 * first; drop_intermediate keeps a point only where the second difference of either count
 * is non-zero (sklearn's rule), and a (0, 0) point with threshold max + 1 leads.
 */
#include "stats/metrics.h"
#include "stats/rank.h"

#include <stdlib.h>

typedef struct roc_counts {
    double *fps, *tps, *thr; /* (m,) cumulative counts and thresholds, one slot spare in front */
    size_t m;
} roc_counts;

static void counts_free(roc_counts *c)
{
    free(c->fps);
    free(c->tps);
    free(c->thr);
}

/* Counts at each distinct threshold, written from index 1 (index 0 is left for (0, 0)). */
static int roc_counts_make(const scored *s, size_t n, roc_counts *c, mlac_err *err)
{
    c->fps = malloc((n + 1) * sizeof *c->fps);
    c->tps = malloc((n + 1) * sizeof *c->tps);
    c->thr = malloc((n + 1) * sizeof *c->thr);
    c->m = 1;
    if (!c->fps || !c->tps || !c->thr)
        return mlac_errf(err, MLAC_ENOMEM, "roc curve: out of memory for %zu scores", n);
    double tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++) {
        s[i].y ? (tp += 1) : (fp += 1);
        if (i + 1 < n && s[i + 1].s == s[i].s)
            continue;
        c->fps[c->m] = fp;
        c->tps[c->m] = tp;
        c->thr[c->m++] = s[i].s;
    }
    return MLAC_OK;
}

/* sklearn's drop_intermediate on points 1..m-1, in place. */
static void drop_collinear(roc_counts *c)
{
    size_t k = c->m - 1; /* points after the spare slot */
    if (k <= 2)
        return;
    double *f = c->fps + 1, *t = c->tps + 1, *h = c->thr + 1;
    size_t w = 1; /* the first point is always kept */
    for (size_t i = 1; i + 1 < k; i++) {
        /* compare with the original neighbours: w <= i, so i-1 and i+1 are untouched */
        int keep = (f[i + 1] - 2 * f[i] + f[i - 1]) != 0 || (t[i + 1] - 2 * t[i] + t[i - 1]) != 0;
        double fi = f[i], ti = t[i], hi = h[i];
        if (keep) {
            f[w] = fi, t[w] = ti, h[w] = hi;
            w++;
        }
    }
    f[w] = f[k - 1], t[w] = t[k - 1], h[w] = h[k - 1];
    c->m = w + 2;
}

int metric_roc_curve(const double *score, const int *y, size_t n, int drop_intermediate,
                     double **fpr, double **tpr, double **thresholds, size_t *m, mlac_err *err)
{
    size_t n_pos, n_neg;
    scored *s = NULL;
    roc_counts c = {0};
    *fpr = *tpr = *thresholds = NULL;
    *m = 0;
    int rc = stats_check_scored(score, y, n, "roc curve", &n_pos, &n_neg, err);
    if (rc == MLAC_OK && (!n_pos || !n_neg))
        rc = mlac_errf(err, MLAC_EINVAL, "roc curve: labels hold only one class");
    if (rc == MLAC_OK)
        rc = stats_sort_desc(score, y, n, &s, err);
    if (rc == MLAC_OK)
        rc = roc_counts_make(s, n, &c, err);
    if (rc)
        goto out;
    if (drop_intermediate)
        drop_collinear(&c);
    c.fps[0] = c.tps[0] = 0;
    c.thr[0] = c.thr[1] + 1;
    for (size_t i = 0; i < c.m; i++) {
        c.fps[i] /= (double)n_neg;
        c.tps[i] /= (double)n_pos;
    }
    *fpr = c.fps, *tpr = c.tps, *thresholds = c.thr, *m = c.m;
    c = (roc_counts){0};
out:
    counts_free(&c);
    free(s);
    return rc;
}
