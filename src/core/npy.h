/* npy.h — read and write NumPy .npy arrays (format 1.0/2.0, little-endian, C order).
 *
 * Used by `mlac features --format npy`, embedding import and test fixtures. The reader
 * validates the header (size limits, dtype, shape product against the file length) and
 * converts f4/f8/i4/i8 to double, so a hostile file cannot make it read out of bounds.
 */
#ifndef MLAC_CORE_NPY_H
#define MLAC_CORE_NPY_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define NPY_MAX_DIMS 8

typedef struct npy_array {
    int ndim;
    size_t shape[NPY_MAX_DIMS];
    size_t count;  /* product of shape */
    double *data;  /* (count,) owned; values converted to double */
} npy_array;

/* name is used in error messages only. */
int npy_parse(const void *bytes, size_t n, const char *name, npy_array *out, mlac_err *err);
int npy_load(const char *path, npy_array *out, mlac_err *err);
void npy_release(npy_array *a);

/* Serialises float32 data of the given shape into out (appending). */
int npy_write_f32(buf *out, const float *data, int ndim, const size_t *shape, mlac_err *err);

#endif
