/* db.c — power to decibels, torchaudio.transforms.AmplitudeToDB('power', top_db):
 * 10 * log10(max(x, 1e-10)) - 10 * log10(max(1e-10, ref = 1)), then floored at
 * (max over the whole array) - top_db. A top_db <= 0 means no floor (torchaudio's None).
 */
#include "features/feat_internal.h"

#include <math.h>

#define DB_AMIN 1e-10f

void db_from_power(float *x, size_t count, float top_db)
{
    float max = -INFINITY;
    for (size_t i = 0; i < count; i++) {
        float v = 10.0f * log10f(x[i] > DB_AMIN ? x[i] : DB_AMIN);
        x[i] = v;
        max = v > max ? v : max;
    }
    if (top_db <= 0.0f)
        return;
    float floor_db = max - top_db;
    for (size_t i = 0; i < count; i++)
        x[i] = x[i] < floor_db ? floor_db : x[i];
}
