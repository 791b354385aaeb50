/* nn_testutil.h — helpers shared by the tests of src/nn: the hash fill that the fixture script
 * (tests/fixtures/gen/nn.py, hfill) also implements, JSON fixture access, and a scale-relative
 * comparison: max |a - b| / max |b| over a tensor.
 */
#ifndef MLAC_TESTS_NN_TESTUTIL_H
#define MLAC_TESTS_NN_TESTUTIL_H

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t tu_fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Same values as nn.py's hfill(name, shape, lo, hi). */
static inline void tu_hfill(float *x, size_t n, const char *name, double lo, double hi)
{
    uint64_t seed = tu_fnv1a(name);
    for (size_t i = 0; i < n; i++) {
        uint64_t z = seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        double u = (double)(z >> 40) / (double)(1u << 24);
        x[i] = (float)(lo + (hi - lo) * u);
    }
}

static inline json_t *tu_load_json(const char *rel)
{
    json_error_t je;
    json_t *j = json_load_file(test_fixture(rel), 0, &je);
    if (!j)
        fprintf(stderr, "cannot load fixture %s: %s\n", rel, je.text);
    return j;
}

/* A JSON array of numbers as a malloc'ed float array; *n gets the length. */
static inline float *tu_floats(json_t *a, size_t *n)
{
    size_t len = json_is_array(a) ? json_array_size(a) : 0;
    float *v = malloc((len ? len : 1) * sizeof(float));
    for (size_t i = 0; i < len; i++)
        v[i] = (float)json_number_value(json_array_get(a, i));
    if (n)
        *n = len;
    return v;
}

static inline double *tu_doubles(json_t *a, size_t *n)
{
    size_t len = json_is_array(a) ? json_array_size(a) : 0;
    double *v = malloc((len ? len : 1) * sizeof(double));
    for (size_t i = 0; i < len; i++)
        v[i] = json_number_value(json_array_get(a, i));
    if (n)
        *n = len;
    return v;
}

static inline int tu_int(json_t *a, size_t i)
{
    return (int)json_integer_value(json_array_get(a, i));
}

/* max |got - want| / max |want| (absolute when want is all ~0). */
static inline double tu_relerr_fd(const float *got, const double *want, size_t n)
{
    double md = 0, mw = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (!(d <= md))
            md = d; /* NaN propagates */
        if (fabs(want[i]) > mw)
            mw = fabs(want[i]);
    }
    return mw > 1e-30 ? md / mw : md;
}

/* The same against a JSON array; a length mismatch is an error of 1e9. */
static inline double tu_relerr_json(const float *got, size_t n, json_t *want)
{
    size_t m = 0;
    double *w = tu_doubles(want, &m);
    double e = (m == n) ? tu_relerr_fd(got, w, n) : 1e9;
    free(w);
    return e;
}

static inline double tu_relerr_ff(const float *got, const float *want, size_t n)
{
    double md = 0, mw = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (!(d <= md))
            md = d;
        if (fabs(want[i]) > mw)
            mw = fabs(want[i]);
    }
    return mw > 1e-30 ? md / mw : md;
}

#endif
