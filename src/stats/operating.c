/* operating.c — precision/recall operating points from one sorted pass (see operating.h). */
#include "stats/operating.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored {
    double s;
    int y;
} scored;

static int cmp_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The precision-recall points (one per distinct threshold, highest first): p, r, t (m,) each. */
static size_t pr_points(const double *score, const int *y, size_t n, double *p, double *r, double *t, size_t *n_pos)
{
    scored *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i]) || (y[i] != 0 && y[i] != 1)) {
            free(v);
            return 0;
        }
        v[i].s = score[i], v[i].y = y[i];
        pos += y[i] == 1;
    }
    qsort(v, n, sizeof *v, cmp_desc);
    size_t m = 0, tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++) {
        tp += v[i].y == 1, fp += v[i].y == 0;
        if (i + 1 < n && v[i + 1].s == v[i].s)
            continue; /* tied scores are one threshold */
        p[m] = (double)tp / (double)(tp + fp);
        r[m] = pos ? (double)tp / (double)pos : NAN;
        t[m] = v[i].s;
        m++;
    }
    free(v);
    *n_pos = pos;
    return m;
}

/* Runs fn over the points; returns NAN when there are none or no positives. */
static double with_points(const double *score, const int *y, size_t n, double target, int which, double *aux)
{
    double *p = malloc((n ? n : 1) * 3 * sizeof *p), *r = p ? p + n : NULL, *t = p ? p + 2 * n : NULL;
    size_t n_pos = 0, m = p && n ? pr_points(score, y, n, p, r, t, &n_pos) : 0;
    double best = NAN;
    if (m && n_pos) {
        if (which == 0) { /* precision at recall */
            for (size_t i = 0; i < m; i++)
                if (r[i] >= target && (isnan(best) || p[i] > best))
                    best = p[i];
        } else if (which == 1) { /* recall at precision; the end point (1, 0) gives 0 */
            best = 0;
            for (size_t i = 0; i < m; i++)
                if (p[i] >= target && r[i] > best)
                    best = r[i];
        } else { /* highest threshold reaching the recall: the first such point, highest first */
            for (size_t i = 0; i < m; i++)
                if (r[i] >= target) {
                    best = t[i];
                    if (aux)
                        *aux = p[i];
                    break;
                }
        }
    }
    free(p);
    return best;
}

double op_precision_at_recall(const double *score, const int *y, size_t n, double recall)
{
    return with_points(score, y, n, recall, 0, NULL);
}

double op_recall_at_precision(const double *score, const int *y, size_t n, double precision)
{
    return with_points(score, y, n, precision, 1, NULL);
}

double op_threshold_for_recall(const double *score, const int *y, size_t n, double recall, double *precision_at)
{
    if (precision_at)
        *precision_at = NAN;
    return with_points(score, y, n, recall, 2, precision_at);
}
