/* rank.c — descending sort of (score, label) pairs, midranks, percentile (see rank.h). */
#include "stats/rank.h"

#include <math.h>
#include <stdlib.h>

typedef struct ranked {
    double v;
    size_t i;
} ranked;

int stats_check_scored(const double *score, const int *y, size_t n, const char *what,
                       size_t *n_pos, size_t *n_neg, mlac_err *err)
{
    size_t pos = 0;
    if (n == 0)
        return mlac_errf(err, MLAC_EINVAL, "%s: no scores", what);
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i]))
            return mlac_errf(err, MLAC_EINVAL, "%s: score %zu is nan", what, i);
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "%s: label %zu is %d, not 0 or 1", what, i, y[i]);
        pos += (size_t)y[i];
    }
    *n_pos = pos;
    *n_neg = n - pos;
    return MLAC_OK;
}

static int cmp_ranked_asc(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

static ranked *sorted_ranked(const double *x, size_t n, mlac_err *err)
{
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) {
        mlac_errf(err, MLAC_ENOMEM, "stats: out of memory sorting %zu values", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){x[i], i};
    qsort(r, n, sizeof *r, cmp_ranked_asc);
    return r;
}

int stats_sort_desc(const double *score, const int *y, size_t n, scored **out, mlac_err *err)
{
    ranked *r = sorted_ranked(score, n, err);
    if (!r)
        return MLAC_ENOMEM;
    scored *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        free(r);
        return mlac_errf(err, MLAC_ENOMEM, "stats: out of memory sorting %zu scores", n);
    }
    for (size_t k = 0; k < n; k++) /* reverse of ascending: highest first */
        s[k] = (scored){r[n - 1 - k].v, y[r[n - 1 - k].i]};
    free(r);
    *out = s;
    return MLAC_OK;
}

int stats_midranks(const double *x, size_t n, double *rank, mlac_err *err)
{
    ranked *r = sorted_ranked(x, n, err);
    if (!r)
        return MLAC_ENOMEM;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && r[j + 1].v == r[i].v)
            j++;
        double mid = 0.5 * ((double)i + (double)j) + 1.0; /* ranks i+1 .. j+1 */
        for (size_t k = i; k <= j; k++)
            rank[r[k].i] = mid;
        i = j + 1;
    }
    free(r);
    return MLAC_OK;
}

double stats_percentile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0 || isnan(q))
        return NAN;
    double pos = q / 100.0 * (double)(n - 1);
    if (pos <= 0)
        return sorted[0];
    if (pos >= (double)(n - 1))
        return sorted[n - 1];
    size_t i = (size_t)pos;
    double frac = pos - (double)i, lo = sorted[i], hi = sorted[i + 1];
    if (isinf(lo) || isinf(hi))
        return frac > 0 ? hi : lo;
    return frac >= 0.5 ? hi - (hi - lo) * (1.0 - frac) : lo + (hi - lo) * frac; /* numpy's lerp */
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

void stats_sort_doubles(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
}
