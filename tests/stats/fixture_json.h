/* fixture_json.h — reading the JSON fixtures of tests/fixtures/stats/ (made by
 * tests/fixtures/gen/stats.py) and comparing doubles by relative tolerance.
 * In the fixtures NaN is null and infinities are the strings "inf" / "-inf".
 */
#ifndef MLAC_TESTS_STATS_FIXTURE_JSON_H
#define MLAC_TESTS_STATS_FIXTURE_JSON_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static inline json_t *fx_load(const char *rel)
{
    json_error_t e;
    json_t *j = json_load_file(test_fixture(rel), 0, &e);
    if (!j)
        fprintf(stderr, "cannot load fixture '%s': %s (line %d)\n", rel, e.text, e.line);
    return j;
}

static inline double fx_num(const json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v))
        return strcmp(json_string_value(v), "-inf") == 0 ? -INFINITY : INFINITY;
    return NAN;
}

static inline double fx_get(const json_t *obj, const char *key)
{
    return fx_num(json_object_get(obj, key));
}

/* (n,) doubles of a JSON array; caller frees. */
static inline double *fx_doubles(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    double *x = malloc((*n ? *n : 1) * sizeof *x);
    for (size_t i = 0; x && i < *n; i++)
        x[i] = fx_num(json_array_get(arr, i));
    return x;
}

static inline int *fx_ints(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    int *x = malloc((*n ? *n : 1) * sizeof *x);
    for (size_t i = 0; x && i < *n; i++)
        x[i] = (int)json_integer_value(json_array_get(arr, i));
    return x;
}

/* Relative error of a against b, 0 when both are the same NaN / infinity. */
static inline double rel_err(double a, double b, double atol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0.0 : INFINITY;
    if (isinf(a) || isinf(b))
        return a == b ? 0.0 : INFINITY;
    double d = fabs(a - b);
    return d <= atol ? 0.0 : d / fabs(b);
}

/* Checks |a - b| <= rtol |b| (or <= atol), tracks the worst relative error in *worst;
 * label (a string) names the value in the failure message. */
#define CHECK_REL(a, b, rtol, atol, worst, label)                                           \
    do {                                                                                    \
        double a2_ = (a), b2_ = (b), e_ = rel_err(a2_, b2_, (atol));                        \
        if (e_ > *(worst))                                                                  \
            *(worst) = e_;                                                                  \
        CHECK_MSG(e_ <= (rtol), "%s: %.17g vs %.17g (rel %.3g)", (label), a2_, b2_, e_);    \
    } while (0)

#endif
