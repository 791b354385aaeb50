/* delong.c — DeLong variance of the AUC and the paired DeLong test (see intervals.h).
 *
 * Fast DeLong (Sun & Xu 2014): with midranks Tz over all clips, Tx over the m positives and
 * Ty over the n negatives, the structural components are V10_i = (Tz_i - Tx_i) / n and
 * V01_j = 1 - (Tz_j - Ty_j) / m; AUC = mean(V10); var = S10 / m + S01 / n with sample
 * (co)variances (ddof 1). O((m + n) log(m + n)).
 */
#include "stats/intervals.h"
#include "stats/rank.h"

#include <math.h>
#include <stdlib.h>

typedef struct delong_parts {
    double *v10; /* (m,) one per positive */
    double *v01; /* (n,) one per negative */
    size_t m, n;
    double auc;
} delong_parts;

static void parts_free(delong_parts *d)
{
    free(d->v10);
    free(d->v01);
}

/* Splits score by label into pos (m,) and neg (n,), keeping the clips' order. */
static void split_by_label(const double *score, const int *y, size_t n_all, double *pos,
                           double *neg)
{
    size_t i_pos = 0, i_neg = 0;
    for (size_t i = 0; i < n_all; i++)
        y[i] ? (pos[i_pos++] = score[i]) : (neg[i_neg++] = score[i]);
}

static int parts_make(const double *score, const int *y, size_t n_all, size_t m, size_t n,
                      delong_parts *d, mlac_err *err)
{
    int rc = MLAC_ENOMEM;
    double *tz = malloc(n_all * sizeof *tz), *tx = malloc(m * sizeof *tx);
    double *ty = malloc(n * sizeof *ty);
    *d = (delong_parts){malloc(m * sizeof(double)), malloc(n * sizeof(double)), m, n, NAN};
    if (!tz || !tx || !ty || !d->v10 || !d->v01) {
        mlac_errf(err, rc, "delong: out of memory for %zu scores", n_all);
        goto out;
    }
    split_by_label(score, y, n_all, d->v10, d->v01);
    if ((rc = stats_midranks(d->v10, m, tx, err)) || (rc = stats_midranks(d->v01, n, ty, err)) ||
        (rc = stats_midranks(score, n_all, tz, err)))
        goto out;
    split_by_label(tz, y, n_all, d->v10, d->v01); /* now Tz per positive / negative */
    double rank_sum = 0;
    for (size_t i = 0; i < m; i++) {
        rank_sum += d->v10[i];
        d->v10[i] = (d->v10[i] - tx[i]) / (double)n;
    }
    for (size_t j = 0; j < n; j++)
        d->v01[j] = 1.0 - (d->v01[j] - ty[j]) / (double)m;
    d->auc = (rank_sum - 0.5 * (double)m * (double)(m + 1)) / ((double)m * (double)n);
out:
    free(tz);
    free(tx);
    free(ty);
    return rc;
}

/* Sample covariance (ddof 1) of a (k,) and b (k,), k >= 2. */
static double cov(const double *a, const double *b, size_t k)
{
    double ma = stats_mean(a, k), mb = stats_mean(b, k), s = 0;
    for (size_t i = 0; i < k; i++)
        s += (a[i] - ma) * (b[i] - mb);
    return s / (double)(k - 1);
}

/* Checks labels and that both classes have at least 2 clips. */
static int check_two_each(const double *score, const int *y, size_t n, size_t *m, size_t *nn,
                          mlac_err *err)
{
    int rc = stats_check_scored(score, y, n, "delong", m, nn, err);
    if (rc == MLAC_OK && (*m < 2 || *nn < 2))
        rc = mlac_errf(err, MLAC_EINVAL,
                       "delong: needs at least 2 positives and 2 negatives, got %zu and %zu", *m,
                       *nn);
    return rc;
}

int stats_delong_auc(const double *score, const int *y, size_t n, double level,
                     stats_delong *out, mlac_err *err)
{
    size_t m, nn;
    delong_parts d = {0};
    *out = (stats_delong){NAN, NAN, NAN, NAN, NAN, 0, 0};
    int rc = check_two_each(score, y, n, &m, &nn, err);
    if (rc == MLAC_OK)
        rc = parts_make(score, y, n, m, nn, &d, err);
    if (rc == MLAC_OK) {
        double var = cov(d.v10, d.v10, m) / (double)m + cov(d.v01, d.v01, nn) / (double)nn;
        double half = stats_norm_quantile(0.5 * (1 + level)) * sqrt(var);
        *out = (stats_delong){d.auc, var, sqrt(var), d.auc - half, d.auc + half, m, nn};
        stats_clip_interval(&out->lo, &out->hi, 0.0, 1.0);
    }
    parts_free(&d);
    return rc;
}

static void paired_result(const delong_parts *a, const delong_parts *b, stats_delong_test *out)
{
    size_t m = a->m, n = a->n;
    double va = cov(a->v10, a->v10, m) / (double)m + cov(a->v01, a->v01, n) / (double)n;
    double vb = cov(b->v10, b->v10, m) / (double)m + cov(b->v01, b->v01, n) / (double)n;
    double cab = cov(a->v10, b->v10, m) / (double)m + cov(a->v01, b->v01, n) / (double)n;
    out->auc1 = a->auc;
    out->auc2 = b->auc;
    out->diff = a->auc - b->auc;
    out->var_diff = va + vb - 2 * cab;
    if (out->var_diff > 0) {
        out->z = out->diff / sqrt(out->var_diff);
        out->p = erfc(fabs(out->z) * M_SQRT1_2);
    } else {
        out->z = out->diff == 0 ? 0.0 : copysign(INFINITY, out->diff);
        out->p = out->diff == 0 ? 1.0 : 0.0;
    }
}

int stats_delong_paired(const double *score1, const double *score2, const int *y, size_t n,
                        stats_delong_test *out, mlac_err *err)
{
    size_t m, nn;
    delong_parts a = {0}, b = {0};
    *out = (stats_delong_test){NAN, NAN, NAN, NAN, NAN, NAN};
    int rc = check_two_each(score1, y, n, &m, &nn, err);
    if (rc == MLAC_OK)
        rc = check_two_each(score2, y, n, &m, &nn, err);
    if (rc == MLAC_OK)
        rc = parts_make(score1, y, n, m, nn, &a, err);
    if (rc == MLAC_OK)
        rc = parts_make(score2, y, n, m, nn, &b, err);
    if (rc == MLAC_OK)
        paired_result(&a, &b, out);
    parts_free(&a);
    parts_free(&b);
    return rc;
}
