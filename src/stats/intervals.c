/* intervals.c — mean, sample std and Student t intervals over per-fold values
 * (see intervals.h). */
#include "stats/intervals.h"

#include <math.h>

double stats_mean(const double *x, size_t k)
{
    double s = 0;
    if (k == 0)
        return NAN;
    for (size_t i = 0; i < k; i++)
        s += x[i];
    return s / (double)k;
}

double stats_std(const double *x, size_t k)
{
    if (k < 2)
        return NAN;
    double m = stats_mean(x, k), ss = 0;
    for (size_t i = 0; i < k; i++)
        ss += (x[i] - m) * (x[i] - m);
    return sqrt(ss / (double)(k - 1));
}

void stats_summarise(const double *x, size_t k, double level, stats_summary *out)
{
    out->k = k;
    out->mean = stats_mean(x, k);
    out->std = stats_std(x, k);
    out->ci_lo = out->ci_hi = NAN;
    if (k < 2)
        return;
    double half = stats_t_quantile(0.5 * (1 + level), (double)(k - 1)) * out->std / sqrt((double)k);
    out->ci_lo = out->mean - half;
    out->ci_hi = out->mean + half;
}

void stats_clip_interval(double *lo, double *hi, double min, double max)
{
    if (!isnan(*lo))
        *lo = fmin(fmax(*lo, min), max);
    if (!isnan(*hi))
        *hi = fmin(fmax(*hi, min), max);
}
