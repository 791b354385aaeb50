/* db.c — power to decibels, torchaudio.transforms.AmplitudeToDB('power', top_db):
 * 10 * log10(max(x, 1e-10)) - 10 * log10(max(1e-10, ref = 1)), then floored at
 * (max over the whole array) - top_db. A top_db <= 0 means no floor (torchaudio's None).
 *
 * The logarithm is computed here, in double, in a form the compiler vectorises (libm's log10f
 * is a scalar call and was a fifth of the whole pipeline): x = 2^e * m with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^13/13), s = (m-1)/(m+1),
 * |s| < 0.172, so the truncation error is below 1e-12: more exact than log10f.
 * Valid for positive normal floats, which the 1e-10 clamp guarantees (+inf maps to ~385 dB).
 */
#include "features/feat_internal.h"
#include "core/simd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define DB_AMIN 1e-10f

static inline double log10_pos(float x)
{
    uint32_t bits, off = 0x3f3504f3u; /* the float sqrt(1/2) */
    memcpy(&bits, &x, sizeof bits);
    uint32_t t = bits - off;
    int32_t e = (int32_t)t >> 23;                  /* exponent such that m is in range */
    uint32_t mbits = bits - (t & 0xff800000u);     /* m in [sqrt(1/2), sqrt(2)) */
    float mf;
    memcpy(&mf, &mbits, sizeof mf);
    double m = mf, s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 13;
    p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9;
    p = p * s2 + 1.0 / 7;
    p = p * s2 + 1.0 / 5;
    p = p * s2 + 1.0 / 3;
    p = p * s2 + 1.0;
    return ((double)e * M_LN2 + 2.0 * s * p) * (1.0 / M_LN10);
}

MLAC_HOT_CLONES void db_from_power(float *x, size_t count, float top_db)
{
#pragma omp simd
    for (size_t i = 0; i < count; i++)
        x[i] = x[i] > DB_AMIN ? x[i] : DB_AMIN;
#pragma omp simd
    for (size_t i = 0; i < count; i++)
        x[i] = (float)(10.0 * log10_pos(x[i]));
    if (top_db <= 0.0f)
        return;
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (size_t i = 0; i < count; i++)
        mx = x[i] > mx ? x[i] : mx;
    float floor_db = mx - top_db;
#pragma omp simd
    for (size_t i = 0; i < count; i++)
        x[i] = x[i] < floor_db ? floor_db : x[i];
}
