/* significance.c — Nadeau-Bengio corrected t-test and Holm adjustment (see significance.h). */
#include "stats/significance.h"
#include "stats/dist.h"
#include "stats/intervals.h"

#include <math.h>
#include <stdlib.h>

int stats_nb_ttest(const double *d, size_t J, double n_train, double n_test, stats_ttest *out,
                   mlac_err *err)
{
    *out = (stats_ttest){NAN, NAN, NAN, NAN, NAN};
    if (J < 2)
        return mlac_errf(err, MLAC_EINVAL,
                         "corrected t-test: needs at least 2 differences, got %zu", J);
    if (!(n_train > 0) || !(n_test > 0))
        return mlac_errf(err, MLAC_EINVAL,
                         "corrected t-test: n_train (%g) and n_test (%g) must be > 0", n_train,
                         n_test);
    for (size_t j = 0; j < J; j++)
        if (!isfinite(d[j]))
            return mlac_errf(err, MLAC_EINVAL, "corrected t-test: difference %zu is %g", j, d[j]);
    double s = stats_std(d, J);
    out->mean = stats_mean(d, J);
    out->var = (1.0 / (double)J + n_test / n_train) * s * s;
    out->df = (double)(J - 1);
    if (out->var > 0) {
        out->t = out->mean / sqrt(out->var);
        out->p = stats_t_p2(out->t, out->df);
    } else {
        out->t = out->mean == 0 ? 0.0 : copysign(INFINITY, out->mean);
        out->p = out->mean == 0 ? 1.0 : 0.0;
    }
    return MLAC_OK;
}

typedef struct p_idx {
    double p;
    size_t i;
} p_idx;

static int cmp_p(const void *pa, const void *pb)
{
    const p_idx *a = pa, *b = pb;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

int stats_holm(const double *p, size_t m, double *adj, mlac_err *err)
{
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1))
            return mlac_errf(err, MLAC_EINVAL, "holm: p-value %zu is %g, not in [0, 1]", i, p[i]);
    p_idx *s = malloc((m ? m : 1) * sizeof *s);
    if (!s)
        return mlac_errf(err, MLAC_ENOMEM, "holm: out of memory for %zu p-values", m);
    for (size_t i = 0; i < m; i++)
        s[i] = (p_idx){p[i], i};
    qsort(s, m, sizeof *s, cmp_p);
    double run = 0;
    for (size_t k = 0; k < m; k++) {
        run = fmax(run, fmin(1.0, (double)(m - k) * s[k].p));
        adj[s[k].i] = run;
    }
    free(s);
    return MLAC_OK;
}
