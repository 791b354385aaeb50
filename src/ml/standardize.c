/* standardize.c — StandardScaler-equivalent feature standardisation (see standardize.h).
 *
 * Invariant: after a successful fit or set, mean and scale hold dim finite values and every
 * scale is > 0, so apply never divides by zero. Two-pass mean/variance in double.
 */
#include "ml/standardize.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int standardize_check_finite(const float *x, size_t n, size_t dim, const char *what,
                             mlac_err *err)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            if (!isfinite(x[i * dim + j]))
                return mlac_errf(err, MLAC_EINVAL, "%s has a non-finite value (%g) at row %zu, column %zu",
                                 what, (double)x[i * dim + j], i, j);
    return MLAC_OK;
}

static int alloc_pair(standardizer *s, size_t dim, mlac_err *err)
{
    standardize_release(s);
    s->mean = malloc((dim ? dim : 1) * sizeof *s->mean);
    s->scale = malloc((dim ? dim : 1) * sizeof *s->scale);
    if (!s->mean || !s->scale) {
        standardize_release(s);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a standardizer of %zu features", dim);
    }
    s->dim = dim;
    return MLAC_OK;
}

int standardize_fit(standardizer *s, const float *x, size_t n, size_t dim, mlac_err *err)
{
    if (n == 0)
        return mlac_errf(err, MLAC_EINVAL, "cannot standardise an empty matrix");
    int rc = standardize_check_finite(x, n, dim, "x", err);
    if (rc || (rc = alloc_pair(s, dim, err)))
        return rc;
    for (size_t j = 0; j < dim; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += x[i * dim + j];
        double mean = sum / (double)n, ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = x[i * dim + j] - mean;
            ss += d * d;
        }
        double sd = sqrt(ss / (double)n);
        s->mean[j] = mean;
        s->scale[j] = sd < 10.0 * DBL_EPSILON ? 1.0 : sd; /* sklearn's _handle_zeros_in_scale */
    }
    return MLAC_OK;
}

int standardize_set(standardizer *s, const double *mean, const double *scale, size_t dim,
                    mlac_err *err)
{
    for (size_t j = 0; j < dim; j++)
        if (!isfinite(mean[j]) || !isfinite(scale[j]) || !(scale[j] > 0.0))
            return mlac_errf(err, MLAC_EFORMAT, "standardizer feature %zu has mean %g, scale %g",
                             j, mean[j], scale[j]);
    int rc = alloc_pair(s, dim, err);
    if (rc)
        return rc;
    memcpy(s->mean, mean, dim * sizeof *mean);
    memcpy(s->scale, scale, dim * sizeof *scale);
    return MLAC_OK;
}

void standardize_apply(const standardizer *s, const float *x, size_t n, double *out)
{
    size_t dim = s->dim;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            out[i * dim + j] = (x[i * dim + j] - s->mean[j]) / s->scale[j];
}

void standardize_apply_f32(const standardizer *s, const float *x, size_t n, float *out)
{
    size_t dim = s->dim;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            out[i * dim + j] = (float)((x[i * dim + j] - s->mean[j]) / s->scale[j]);
}

void standardize_release(standardizer *s)
{
    if (!s)
        return;
    free(s->mean);
    free(s->scale);
    s->mean = s->scale = NULL;
    s->dim = 0;
}
