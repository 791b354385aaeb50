/* standardize.h — per-feature standardisation fitted on a training matrix.
 *
 * Owns the (mean, scale) pair of each feature and applies (x - mean) / scale. Matches
 * scikit-learn's StandardScaler: mean and population std (ddof 0) accumulated in double;
 * a feature whose std is below 10·DBL_EPSILON (a constant feature) gets scale 1, so it maps
 * to zeros instead of NaN. Used by the svm model and reusable by any head that wants
 * standardised inputs.
 */
#ifndef MLAC_ML_STANDARDIZE_H
#define MLAC_ML_STANDARDIZE_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

typedef struct standardizer {
    size_t dim;    /* number of features; 0 before fitting */
    double *mean;  /* (dim,) owned */
    double *scale; /* (dim,) owned, every entry > 0 */
} standardizer;

/* Fits on x (n, dim) row-major; n >= 1. Rejects NaN and infinities with the row and column.
 * s must be zero-initialised or hold an earlier fit (which is released first); same for set. */
int standardize_fit(standardizer *s, const float *x, size_t n, size_t dim, mlac_err *err);

/* Sets s from given arrays (dim,) — copies them; used when loading a saved model. Fails if a
 * mean is not finite or a scale is not finite and positive. */
int standardize_set(standardizer *s, const double *mean, const double *scale, size_t dim,
                    mlac_err *err);

/* out (n, dim) = (x - mean) / scale, in double or float. x and out may not alias. */
void standardize_apply(const standardizer *s, const float *x, size_t n, double *out);
void standardize_apply_f32(const standardizer *s, const float *x, size_t n, float *out);

void standardize_release(standardizer *s);

/* Fails naming the first (row, column) holding a NaN or an infinity in x (n, dim);
 * what ("x", "features") names the matrix in the message. */
int standardize_check_finite(const float *x, size_t n, size_t dim, const char *what,
                             mlac_err *err);

#endif
