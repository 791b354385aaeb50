/* curve_fit.c — inverse power law fit by projected Levenberg-Marquardt (see curve_fit.h).
 *
 * Parameters p = (a, b, c) of auc(n) = a - b n^-c. The start is the best of a grid over c
 * where, for fixed c, (a, b) is a weighted linear least-squares fit on g = n^-c. Each LM
 * step solves (J^T W J + lambda diag(J^T W J)) d = J^T W r by Cholesky over the parameters
 * not held at a bound (active set) and clamps p + d to the box; a step is kept only if the
 * weighted cost falls.
 */
#include "stats/curve_fit.h"

#include <math.h>
#include <string.h>

#define A_MIN 1e-6
#define A_MAX 1.0
#define B_MAX 1e6
#define C_MIN 1e-3
#define C_MAX 10.0
#define FLAT_RISE 1e-6
#define LM_MAX_ITER 1000

static const double p_lo[3] = {A_MIN, 0.0, C_MIN}, p_hi[3] = {A_MAX, B_MAX, C_MAX};

static double weight(const curve_points *pts, size_t i)
{
    return pts->w ? pts->w[i] : 1.0;
}

static double model(const double p[3], double n)
{
    return p[0] - p[1] * pow(n, -p[2]);
}

static double cost(const curve_points *pts, const double p[3])
{
    double s = 0;
    for (size_t i = 0; i < pts->k; i++) {
        double r = pts->y[i] - model(p, pts->n[i]);
        s += weight(pts, i) * r * r;
    }
    return s;
}

static void clamp_box(double p[3])
{
    for (int j = 0; j < 3; j++)
        p[j] = fmin(fmax(p[j], p_lo[j]), p_hi[j]);
}

/* Weighted mean of y, or of n^-c when c > 0 (c = 0: of y). */
static double wmean(const curve_points *pts, double c)
{
    double sw = 0, s = 0;
    for (size_t i = 0; i < pts->k; i++) {
        sw += weight(pts, i);
        s += weight(pts, i) * (c > 0 ? pow(pts->n[i], -c) : pts->y[i]);
    }
    return s / sw;
}

/* For fixed c: (a, b) from weighted least squares of y = a - b g, g = n^-c, in the box. */
static void start_for_c(const curve_points *pts, double c, double p[3])
{
    double gm = wmean(pts, c), ym = wmean(pts, 0), sgg = 0, sgy = 0;
    for (size_t i = 0; i < pts->k; i++) {
        double dg = pow(pts->n[i], -c) - gm;
        sgg += weight(pts, i) * dg * dg;
        sgy += weight(pts, i) * dg * (pts->y[i] - ym);
    }
    double b = sgg > 0 ? -sgy / sgg : 0;
    p[0] = b > 0 ? ym + b * gm : ym;
    p[1] = b > 0 ? b : 0;
    p[2] = c;
    clamp_box(p);
}

static void start_grid(const curve_points *pts, double p[3])
{
    static const double cs[] = {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0};
    double best = INFINITY, q[3];
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        start_for_c(pts, cs[i], q);
        double s = cost(pts, q);
        if (s < best) {
            best = s;
            memcpy(p, q, sizeof q);
        }
    }
}

/* A (3, 3) = J^T W J and g (3,) = J^T W r, J = d auc / d p, r = y - auc. */
static void normal_eq(const curve_points *pts, const double p[3], double A[9], double g[3])
{
    memset(A, 0, 9 * sizeof *A);
    memset(g, 0, 3 * sizeof *g);
    for (size_t i = 0; i < pts->k; i++) {
        double x = pow(pts->n[i], -p[2]), w = weight(pts, i);
        double J[3] = {1.0, -x, p[1] * x * log(pts->n[i])};
        double r = pts->y[i] - (p[0] - p[1] * x);
        for (int u = 0; u < 3; u++) {
            g[u] += w * J[u] * r;
            for (int v = 0; v < 3; v++)
                A[3 * u + v] += w * J[u] * J[v];
        }
    }
}

/* Solves (A + lambda diag(A)) d = g by Cholesky; -1 when not positive definite. */
static int solve_damped(const double A[9], const double g[3], double lambda, double d[3])
{
    double L[9] = {0}, M[9], z[3], dmax = fmax(A[0], fmax(A[4], A[8]));
    memcpy(M, A, sizeof M);
    for (int j = 0; j < 3; j++)
        M[4 * j] += lambda * fmax(A[4 * j], 1e-12 * dmax);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) {
            double s = M[3 * i + j];
            for (int k = 0; k < j; k++)
                s -= L[3 * i + k] * L[3 * j + k];
            if (i == j && !(s > 0))
                return -1;
            L[3 * i + j] = i == j ? sqrt(s) : s / L[4 * j];
        }
    for (int i = 0; i < 3; i++) {
        z[i] = g[i];
        for (int k = 0; k < i; k++)
            z[i] -= L[3 * i + k] * z[k];
        z[i] /= L[4 * i];
    }
    for (int i = 2; i >= 0; i--) {
        d[i] = z[i];
        for (int k = i + 1; k < 3; k++)
            d[i] -= L[3 * k + i] * d[k];
        d[i] /= L[4 * i];
    }
    return 0;
}

/* Holds a parameter at its bound when the descent direction g points out of the box:
 * its row and column become the identity and its step 0 (an active set). */
static void hold_active(const double p[3], double A[9], double g[3])
{
    for (int j = 0; j < 3; j++) {
        if (!((p[j] <= p_lo[j] && g[j] < 0) || (p[j] >= p_hi[j] && g[j] > 0)))
            continue;
        for (int k = 0; k < 3; k++)
            A[3 * j + k] = A[3 * k + j] = 0;
        A[4 * j] = 1;
        g[j] = 0;
    }
}

/* One accepted LM step from p (cost *S) into q; 0 when no damping gives a lower cost. */
static int lm_step(const curve_points *pts, const double p[3], double *S, double *lambda,
                   double q[3])
{
    double A[9], g[3], d[3];
    normal_eq(pts, p, A, g);
    hold_active(p, A, g);
    for (; *lambda < 1e16; *lambda *= 10) {
        if (solve_damped(A, g, *lambda, d))
            continue;
        for (int j = 0; j < 3; j++)
            q[j] = p[j] + d[j];
        clamp_box(q);
        double s = cost(pts, q);
        if (s < *S) {
            *S = s;
            *lambda = fmax(*lambda * 0.1, 1e-12);
            return 1;
        }
    }
    return 0;
}

static int lm_refine(const curve_points *pts, double p[3])
{
    double S = cost(pts, p), lambda = 1e-3, q[3];
    int it;
    for (it = 0; it < LM_MAX_ITER; it++) {
        double S_old = S, step = 0;
        if (!lm_step(pts, p, &S, &lambda, q))
            break;
        for (int j = 0; j < 3; j++)
            step = fmax(step, fabs(q[j] - p[j]) / (fabs(p[j]) + 1e-12));
        memcpy(p, q, sizeof q);
        if ((S_old - S <= 1e-14 * S && step < 1e-9) || step < 1e-14)
            break;
    }
    return it;
}

static int check_points(const curve_points *pts, mlac_err *err)
{
    size_t distinct = 0;
    for (size_t i = 0; i < pts->k; i++) {
        double w = weight(pts, i);
        if (!isfinite(pts->n[i]) || !(pts->n[i] > 0) || !isfinite(pts->y[i]))
            return mlac_errf(err, MLAC_EINVAL, "curve fit: point %zu (n %g, auc %g) is invalid", i,
                             pts->n[i], pts->y[i]);
        if (!isfinite(w) || w < 0)
            return mlac_errf(err, MLAC_EINVAL, "curve fit: weight %zu is %g", i, w);
        size_t j = 0;
        while (j < i && !(pts->n[j] == pts->n[i] && weight(pts, j) > 0))
            j++;
        distinct += (j == i && w > 0);
    }
    if (distinct < 3)
        return mlac_errf(err, MLAC_EINVAL,
                         "curve fit: needs at least 3 distinct training sizes, got %zu", distinct);
    return MLAC_OK;
}

int curve_fit_power(const curve_points *pts, curve_fit *out, mlac_err *err)
{
    double p[3];
    memset(out, 0, sizeof *out);
    int rc = check_points(pts, err);
    if (rc)
        return rc;
    out->n_min = out->n_max = pts->n[0];
    for (size_t i = 1; i < pts->k; i++) {
        out->n_min = fmin(out->n_min, pts->n[i]);
        out->n_max = fmax(out->n_max, pts->n[i]);
    }
    start_grid(pts, p);
    out->iterations = lm_refine(pts, p);
    out->flat = p[1] * (pow(out->n_min, -p[2]) - pow(out->n_max, -p[2])) < FLAT_RISE;
    if (out->flat) { /* no trend: the level is the weighted mean */
        p[0] = fmin(fmax(wmean(pts, 0), A_MIN), A_MAX);
        p[1] = 0;
    }
    out->a = p[0], out->b = p[1], out->c = p[2];
    out->rss = cost(pts, p);
    return MLAC_OK;
}

double curve_eval(const curve_fit *f, double n)
{
    return f->a - f->b * pow(n, -f->c);
}

void curve_weights_from_var(const double *var, size_t k, double floor, double *w)
{
    for (size_t i = 0; i < k; i++)
        w[i] = 1.0 / fmax(var[i], floor);
}

int curve_target_n(const curve_fit *f, double target, double *n_star)
{
    *n_star = INFINITY;
    if (!(f->a > target))
        return 0;
    double n = pow(f->b / (f->a - target), 1.0 / f->c);
    if (!(n <= 10.0 * f->n_max))
        return 0;
    *n_star = n;
    return 1;
}
