/* dist.c — incomplete beta, Student t and normal distributions (see dist.h). */
#include "stats/dist.h"

#include <float.h>
#include <math.h>

#define CF_MAX_ITER 20000
#define CF_EPS 1e-16
#define CF_TINY 1e-300

/* Continued fraction of I_x(a, b) (modified Lentz), NR 6.4 betacf; y = 1 - x. For x near 1
 * the first denominator 1 - (a + b) x / (a + 1) is taken as (1 - b + (a + b) y) / (a + 1).
 * With a ~ 1e6 and x near the switch point later terms still cancel: ~1e-10 relative there,
 * ~1e-14 for df <= 1000 (measured against mpmath). */
static double beta_cf(double a, double b, double x, double y)
{
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = x < 0.5 ? 1 - qab * x / qap : (1 - b + qab * y) / qap;
    d = 1 / (fabs(d) < CF_TINY ? CF_TINY : d);
    double h = d;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        double m2 = 2.0 * m;
        for (int half = 0; half < 2; half++) {
            double aa = half ? -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
                             : m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = 1 / (fabs(d) < CF_TINY ? CF_TINY : d);
            c = 1 + aa / c;
            c = fabs(c) < CF_TINY ? CF_TINY : c;
            h *= d * c;
            if (half && fabs(d * c - 1) < CF_EPS)
                return h;
        }
    }
    return h;
}

/* Stirling remainder lgamma(x) - ((x - 0.5) log x - x + log(2 pi) / 2), x >= 10. */
static double stirling_corr(double x)
{
    static const double c[] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
                               -691.0 / 360360};
    double r = 1 / (x * x), s = 0;
    for (int i = 5; i >= 0; i--)
        s = s * r + c[i];
    return s / x;
}

/* log B(a, b). When the larger argument is >= 10, lgamma(big) - lgamma(big + small) is taken
 * from Stirling's series as a difference, avoiding the cancellation of two huge lgammas
 * (which would cost ~1e-10 relative at df = 1e6). */
static double log_beta(double a, double b)
{
    int sg;
    double big = fmax(a, b), small = fmin(a, b);
    if (big < 10)
        return lgamma_r(a, &sg) + lgamma_r(b, &sg) - lgamma_r(a + b, &sg);
    double diff = -(big - 0.5) * log1p(small / big) - small * log(big + small) + small +
                  stirling_corr(big) - stirling_corr(big + small);
    return lgamma_r(small, &sg) + diff;
}

/* x^a y^b / (a B(a, b)) with log x, log y taken from whichever of x, y is accurate. */
static double beta_front(double a, double b, double x, double y)
{
    double lx = x < 0.5 ? log(x) : log1p(-y), ly = y < 0.5 ? log(y) : log1p(-x);
    return exp(a * lx + b * ly - log_beta(a, b)) / a;
}

double stats_beta_inc(double a, double b, double x, double y)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0) || x > 1 || y > 1)
        return NAN;
    if (x == 0 || y == 0)
        return x == 0 ? 0.0 : 1.0;
    if (x < (a + 1) / (a + b + 2))
        return beta_front(a, b, x, y) * beta_cf(a, b, x, y);
    return 1.0 - beta_front(b, a, y, x) * beta_cf(b, a, y, x);
}

double stats_t_p2(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    double t2 = t * t;
    if (isinf(t2))
        return 0.0;
    if (isinf(df))
        return erfc(fabs(t) * M_SQRT1_2);
    return stats_beta_inc(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));
}

double stats_t_sf(double t, double df)
{
    double half = 0.5 * stats_t_p2(t, df);
    return t > 0 ? half : 1.0 - half;
}

double stats_t_cdf(double t, double df)
{
    double half = 0.5 * stats_t_p2(t, df);
    return t > 0 ? 1.0 - half : half;
}

static double t_pdf(double t, double df)
{
    double lc = -log_beta(0.5 * df, 0.5) - 0.5 * log(df); /* Gamma(1/2) = sqrt(pi) */
    return exp(lc - 0.5 * (df + 1) * log1p(t * t / df));
}

/* Hill (1970), ACM algorithm 396: t with two-sided tail p2, a start for Newton. */
static double t_hill(double p2, double n)
{
    if (n == 1)
        return 1.0 / tan(p2 * M_PI_2);
    if (n == 2)
        return sqrt(2.0 / (p2 * (2.0 - p2)) - 2.0);
    double a = 1 / (n - 0.5), b = 48 / (a * a);
    double c = ((20700 * a / b - 98) * a - 16) * a + 96.36;
    double d = ((94.5 / (b + c) - 3) / b + 1) * sqrt(a * M_PI_2) * n;
    double y = pow(d * p2, 2 / n);
    if (y > 0.05 + a) {
        double x = stats_norm_quantile(0.5 * p2);
        y = x * x;
        if (n < 5)
            c += 0.3 * (n - 4.5) * (x + 0.6);
        c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
        y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
        y = expm1(a * y * y);
    } else {
        y = ((1 / (((n + 6) / (n * y) - 0.089 * d - 0.822) * (n + 2) * 3) + 0.5 / (n + 4)) * y -
             1) * (n + 1) / (n + 2) + 1 / y;
    }
    return sqrt(n * y);
}

/* t > 0 with P(T > t) = q, q in (0, 0.5): Newton on the convex tail, kept inside a bracket. */
static double t_upper(double q, double df)
{
    double lo = 0, hi = t_hill(2 * q, df);
    if (!(hi > 0) || !isfinite(hi))
        hi = 1;
    for (int i = 0; i < 4000 && 0.5 * stats_t_p2(hi, df) > q; i++)
        lo = hi, hi *= 2;
    double t = fmin(fmax(t_hill(2 * q, df), lo), hi);
    for (int it = 0; it < 200; it++) {
        double g = 0.5 * stats_t_p2(t, df) - q;
        if (g == 0)
            return t;
        g > 0 ? (lo = t) : (hi = t);
        double next = t + g / t_pdf(t, df);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - t) <= 2 * DBL_EPSILON * t)
            return next;
        t = next;
    }
    return t;
}

double stats_t_quantile(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || !(df > 0))
        return NAN;
    if (p == 0 || p == 1)
        return p == 0 ? -INFINITY : INFINITY;
    if (p == 0.5)
        return 0.0;
    if (isinf(df))
        return stats_norm_quantile(p);
    return p < 0.5 ? -t_upper(p, df) : t_upper(1.0 - p, df);
}

double stats_norm_cdf(double z)
{
    return 0.5 * erfc(-z * M_SQRT1_2);
}

/* Acklam's rational approximation (relative error 1.15e-9). */
static double norm_acklam(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    if (p < 0.02425 || p > 1 - 0.02425) {
        double q = sqrt(-2 * log(p < 0.5 ? p : 1 - p));
        double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                   ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        return p < 0.5 ? x : -x;
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double stats_norm_quantile(double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0 || p == 1)
        return p == 0 ? -INFINITY : INFINITY;
    if (p > 0.5) /* 1 - p is exact here; refine on the small tail */
        return -stats_norm_quantile(1.0 - p);
    double x = norm_acklam(p);
    for (int i = 0; i < 2; i++) { /* Halley steps on the lower tail */
        double e = 0.5 * erfc(-x * M_SQRT1_2) - p;
        double u = e * sqrt(2 * M_PI) * exp(0.5 * x * x);
        x -= u / (1 + 0.5 * x * u);
    }
    return x;
}
