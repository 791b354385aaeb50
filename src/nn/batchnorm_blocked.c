/* batchnorm_blocked.c — batch norm over oneDNN's blocked nChw16c layout (the fast path's
 * activations): the same semantics as batchnorm.c (training statistics, running statistics,
 * backward of either mode), and the same precision: sums in double.
 *
 * A ReLU (or ReLU6) that follows the batch norm in place can be fused: the forward clamps as
 * it writes, the backward masks dy by recomputing y = x * scale + shift from the scale/shift
 * the forward saved (ss: (2, CB * 16)), which saves two passes over the tensor each way.
 * Layout: x (N, CB, HW, 16) with CB = ceil(C / 16); lanes >= C of the last block are padding,
 * written as zero. Invariant: results do not depend on the thread count — every (sample,
 * block) pair sums into its own double partial (part, (N, CB, 16) x 2) and the partials are
 * reduced over samples in a fixed order.
 * Each pass's work on one (sample, block) row is a MLAC_HOT_CLONES function (core/simd.h): the
 * portable binary runs it 8 lanes wide on AVX2 CPUs. Its sums are per lane (lane l adds its own
 * column in row order), so the vector width does not change a single rounding.
 */
#include "core/simd.h"
#include "nn/layers.h"

#include <math.h>
#include <string.h>

#define BL 16

/* Fused-ReLU bounds: y passes iff lo < y < hi (no ReLU: -inf, +inf). */
static void relu_bounds(float cap, float *lo, float *hi)
{
    *lo = cap < 0 ? -INFINITY : 0.0f;
    *hi = cap > 0 ? cap : INFINITY;
}

/* Statistics passes: part[(i * cb + b) * 32 + l] = sum x (sq = 0) or sum (x - mu)^2 (sq = 1)
 * over the HW plane of lane l; two passes, as batchnorm.c, so the variance does not cancel. */
/* One row's per-lane sums of x (sq = 0) or of (x - mu)^2 (sq = 1). */
MLAC_HOT_CLONES static void stat_row(double *s0, const float *xp, const double *m, int hw, int sq)
{
    for (int j = 0; j < hw; j++) {
        const float *xv = xp + (size_t)j * BL;
        if (sq) {
#pragma omp simd
            for (int l = 0; l < BL; l++) {
                double d = xv[l] - m[l];
                s0[l] += d * d;
            }
        } else {
#pragma omp simd
            for (int l = 0; l < BL; l++)
                s0[l] += xv[l];
        }
    }
}

static void stat_sums(double *part, const float *x, const double *mu, int n, int cb, int hw,
                      int sq)
{
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        double s0[BL] = {0};
        stat_row(s0, x + (size_t)p * hw * BL, mu + (size_t)(p % cb) * BL, hw, sq);
        memcpy(part + (size_t)p * 2 * BL, s0, sizeof s0);
    }
}

/* Backward pass: part = sum d, sum d (x - mu), d = dy masked by the fused ReLU recomputed from
 * ss (scale, shift). */
/* One row's per-lane sums of d and d (x - mu), d = dy masked by the fused ReLU. */
MLAC_HOT_CLONES static void grad_row(double *s0, double *s1, const float *xp, const float *dp, const float *m,
                                     const float *sc, const float *sh, int hw, float lo, float hi)
{
    for (int j = 0; j < hw; j++) {
        const float *xv = xp + (size_t)j * BL, *dv = dp + (size_t)j * BL;
#pragma omp simd
        for (int l = 0; l < BL; l++) {
            float y = xv[l] * sc[l] + sh[l];
            float keep = (float)((y > lo) & (y < hi)); /* branch-free, so it vectorises */
            double d = keep * dv[l];
            s0[l] += d;
            s1[l] += d * (double)(xv[l] - m[l]);
        }
    }
}

static void grad_sums(double *part, const float *x, const float *dy, const float *mu,
                      const float *ss, int n, int cb, int hw, float cap)
{
    float lo, hi;
    relu_bounds(cap, &lo, &hi);
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        size_t off = (size_t)p * hw * BL, b = (size_t)(p % cb) * BL;
        const float *xp = x + off, *dp = dy + off, *m = mu + b;
        const float *sc = ss + b, *sh = ss + (size_t)cb * BL + b;
        double s0[BL] = {0}, s1[BL] = {0};
        grad_row(s0, s1, xp, dp, m, sc, sh, hw, lo, hi);
        memcpy(part + (size_t)p * 2 * BL, s0, sizeof s0);
        memcpy(part + (size_t)p * 2 * BL + BL, s1, sizeof s1);
    }
}

/* out[b * 16 + l] = sum over samples of part lane l (k = 0 or 1). */
static void reduce(double *out, const double *part, int n, int cb, int k)
{
    for (int b = 0; b < cb; b++)
        for (int l = 0; l < BL; l++) {
            double s = 0;
            for (int i = 0; i < n; i++)
                s += part[((size_t)i * cb + b) * 2 * BL + k * BL + l];
            out[b * BL + l] = s;
        }
}

/* One row of affine. */
MLAC_HOT_CLONES static void affine_row(float *y, const float *x, const float *sc, const float *sh, int hw,
                                       float cap)
{
    if (cap < 0) {
        for (int j = 0; j < hw; j++)
#pragma omp simd
            for (int l = 0; l < BL; l++)
                y[(size_t)j * BL + l] = x[(size_t)j * BL + l] * sc[l] + sh[l];
    } else {
        float hi = cap > 0 ? cap : INFINITY;
        for (int j = 0; j < hw; j++)
#pragma omp simd
            for (int l = 0; l < BL; l++) {
                float v = x[(size_t)j * BL + l] * sc[l] + sh[l];
                v = v > 0 ? v : 0.0f;
                y[(size_t)j * BL + l] = v < hi ? v : hi;
            }
    }
}

/* y = x * scale + shift per lane (scale/shift zero on padding lanes), then the fused ReLU. */
static void affine(float *out, const float *in, const float *scale, const float *shift, int n,
                   int cb, int hw, float cap)
{
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        const float *sc = scale + (size_t)(p % cb) * BL, *sh = shift + (size_t)(p % cb) * BL;
        affine_row(out + (size_t)p * hw * BL, in + (size_t)p * hw * BL, sc, sh, hw, cap);
    }
}

size_t batchnorm_blocked_work(int n, int c)
{
    size_t cb = (size_t)(c + BL - 1) / BL;
    return (size_t)n * cb * 2 * BL + 3 * cb * BL;
}

/* Work layout: partials (N, CB, 2, 16), then mu (CB * 16), totals (CB * 16), scale and shift
 * (CB * 16 floats each, in the last CB * 16 doubles). */
void batchnorm_blocked_forward_train(float *out, float *mean, float *rstd, float *running_mean,
                                     float *running_var, float *ss, double *work, const float *in,
                                     const float *gamma, const float *beta, int n, int c, int hw,
                                     float momentum, float eps, float relu_cap)
{
    int cb = (c + BL - 1) / BL;
    double m = (double)n * hw;
    double *mus = work + (size_t)n * cb * 2 * BL, *tot = mus + (size_t)cb * BL;
    float *scl = ss, *shf = ss + (size_t)cb * BL;
    stat_sums(work, in, mus, n, cb, hw, 0);
    reduce(tot, work, n, cb, 0);
    for (int k = 0; k < cb * BL; k++)
        mus[k] = tot[k] / m;
    stat_sums(work, in, mus, n, cb, hw, 1);
    reduce(tot, work, n, cb, 0);
    for (int k = 0; k < cb * BL; k++) {
        if (k >= c) {
            scl[k] = shf[k] = 0.0f;
            continue;
        }
        double var = tot[k] / m, rs = 1.0 / sqrt(var + eps);
        mean[k] = (float)mus[k];
        rstd[k] = (float)rs;
        if (running_mean)
            running_mean[k] = (float)((1.0 - momentum) * running_mean[k] + momentum * mus[k]);
        if (running_var)
            running_var[k] = (float)((1.0 - momentum) * running_var[k] +
                                     momentum * (m > 1 ? tot[k] / (m - 1) : var));
        scl[k] = (float)(rs * gamma[k]);
        shf[k] = (float)(beta[k] - mus[k] * rs * gamma[k]);
    }
    affine(out, in, scl, shf, n, cb, hw, relu_cap);
}

void batchnorm_blocked_forward_eval(float *out, float *ss, const float *in, const float *gamma,
                                    const float *beta, const float *running_mean,
                                    const float *running_var, int n, int c, int hw, float eps,
                                    float relu_cap)
{
    int cb = (c + BL - 1) / BL;
    float *scl = ss, *shf = ss + (size_t)cb * BL;
    for (int k = 0; k < cb * BL; k++) {
        if (k >= c) {
            scl[k] = shf[k] = 0.0f;
            continue;
        }
        double rs = 1.0 / sqrt((double)running_var[k] + eps);
        scl[k] = (float)(rs * gamma[k]);
        shf[k] = (float)(beta[k] - running_mean[k] * rs * gamma[k]);
    }
    affine(out, in, scl, shf, n, cb, hw, relu_cap);
}

/* One row of dx = ka d - kb (x - kx) - kc (k: ka, kb, kc, kx), d = dy masked by the fused ReLU;
 * added into dx when add is set. */
MLAC_HOT_CLONES static void backward_row(float *dx, const float *x, const float *dy, const float *sc, const float *sh,
                                         const float *const k[4], int hw, float lo, float hi, int add)
{
    const float *fa = k[0], *fb = k[1], *fc = k[2], *fx = k[3];
    for (int j = 0; j < hw; j++) {
        if (add) {
#pragma omp simd
            for (int l = 0; l < BL; l++) {
                size_t q = (size_t)j * BL + l;
                float y = x[q] * sc[l] + sh[l];
                float d = (y > lo && y < hi) ? dy[q] : 0.0f;
                dx[q] += fa[l] * d - fb[l] * (x[q] - fx[l]) - fc[l];
            }
        } else {
#pragma omp simd
            for (int l = 0; l < BL; l++) {
                size_t q = (size_t)j * BL + l;
                float y = x[q] * sc[l] + sh[l];
                float d = (y > lo && y < hi) ? dy[q] : 0.0f;
                dx[q] = fa[l] * d - fb[l] * (x[q] - fx[l]) - fc[l];
            }
        }
    }
}

void batchnorm_blocked_backward(float *din, float *dgamma, float *dbeta, double *work,
                                const float *dout, const float *in, const float *mean,
                                const float *rstd, const float *gamma, const float *ss, int n,
                                int c, int hw, int train, int add, float relu_cap)
{
    int cb = (c + BL - 1) / BL;
    double m = (double)n * hw;
    double *mus = work + (size_t)n * cb * 2 * BL, *tot = mus + (size_t)cb * BL;
    float *ka = (float *)(tot + (size_t)cb * BL), *kb = ka + (size_t)cb * BL;
    float *kc = (float *)(mus), *kx = kc + (size_t)cb * BL; /* reuse mu after the sums */
    float *muf = (float *)mus; /* mean as float, padding 0 */
    for (int k = 0; k < cb * BL; k++)
        muf[k] = k < c ? mean[k] : 0.0f;
    grad_sums(work, in, dout, muf, ss, n, cb, hw, relu_cap);
    double sdy[4 * BL], sdyx[4 * BL];
    for (int b0 = 0; b0 < cb; b0 += 4) { /* reduce in chunks of 4 blocks (stack bound) */
        int nb = cb - b0 < 4 ? cb - b0 : 4;
        for (int b = 0; b < nb; b++)
            for (int l = 0; l < BL; l++) {
                double s0 = 0, s1 = 0;
                for (int i = 0; i < n; i++) {
                    const double *pp = work + ((size_t)i * cb + b0 + b) * 2 * BL;
                    s0 += pp[l];
                    s1 += pp[BL + l];
                }
                sdy[b * BL + l] = s0, sdyx[b * BL + l] = s1;
            }
        for (int b = 0; b < nb; b++)
            for (int l = 0; l < BL; l++) {
                int k = (b0 + b) * BL + l;
                if (k >= c) {
                    ka[k] = kb[k] = 0.0f;
                    tot[k] = 0.0;
                    continue;
                }
                double rs = rstd[k], s0 = sdy[b * BL + l], s1 = sdyx[b * BL + l] * rs;
                if (dgamma)
                    dgamma[k] += (float)s1;
                if (dbeta)
                    dbeta[k] += (float)s0;
                /* dx = g (dy - a - xhat b), a = mean(dy), b = mean(dy xhat), xhat = (x - mu) rs */
                double g = gamma[k] * rs, a = train ? s0 / m : 0.0, bc = train ? s1 / m : 0.0;
                ka[k] = (float)g;
                kb[k] = (float)(g * bc * rs);      /* multiplies (x - mu) */
                tot[k] = g * a;
            }
    }
    if (!din)
        return;
    float lo, hi;
    relu_bounds(relu_cap, &lo, &hi);
    for (int k = 0; k < cb * BL; k++) {
        kc[k] = (float)tot[k];
        kx[k] = k < c ? mean[k] : 0.0f;
    }
#pragma omp parallel for schedule(static)
    for (int p = 0; p < n * cb; p++) {
        size_t b = (size_t)(p % cb) * BL;
        const float *x = in + (size_t)p * hw * BL, *dy = dout + (size_t)p * hw * BL;
        const float *sc = ss + b, *sh = ss + (size_t)cb * BL + b;
        const float *k[4] = {ka + b, kb + b, kc + b, kx + b};
        backward_row(din + (size_t)p * hw * BL, x, dy, sc, sh, k, hw, lo, hi, add);
    }
}
