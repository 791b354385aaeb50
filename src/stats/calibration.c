/* calibration.c — Brier score, ECE with its reliability bins, Platt scaling (see calibration.h). */
#include "stats/calibration.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int bin_of(double p)
{
    int b = 0;
    for (int i = 1; i < CALIB_BINS; i++) /* inner edges i * 0.1, as numpy.linspace(0, 1, 11) */
        b += (double)i * (1.0 / CALIB_BINS) < p;
    return b;
}

static int valid(const double *prob, const int *y, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(prob[i] >= 0.0 && prob[i] <= 1.0) || (y[i] != 0 && y[i] != 1))
            return 0;
    return 1;
}

double calib_brier(const double *prob, const int *y, size_t n)
{
    if (!valid(prob, y, n))
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (prob[i] - y[i]) * (prob[i] - y[i]);
    return s / (double)n;
}

int calib_reliability(const double *prob, const int *y, size_t n, reliability *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    if (!valid(prob, y, n))
        return mlac_errf(err, MLAC_EINVAL, "reliability: needs probabilities in [0, 1] and 0/1 labels (%zu clips)", n);
    double sp[CALIB_BINS] = {0}, sy[CALIB_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = bin_of(prob[i]);
        out->count[b]++;
        sp[b] += prob[i];
        sy[b] += y[i];
    }
    for (int b = 0; b < CALIB_BINS; b++) {
        out->mean_prob[b] = out->count[b] ? sp[b] / (double)out->count[b] : NAN;
        out->frac_pos[b] = out->count[b] ? sy[b] / (double)out->count[b] : NAN;
    }
    return MLAC_OK;
}

double calib_ece(const double *prob, const int *y, size_t n)
{
    reliability r;
    if (calib_reliability(prob, y, n, &r, NULL))
        return NAN;
    double e = 0;
    for (int b = 0; b < CALIB_BINS; b++)
        if (r.count[b])
            e += (double)r.count[b] / (double)n * fabs(r.mean_prob[b] - r.frac_pos[b]);
    return e;
}

double calib_platt_apply(double f, double a, double b)
{
    double z = a * f + b;
    return z >= 0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z));
}

/* Platt's objective: -sum t log p + (1 - t) log(1 - p), p = 1 / (1 + exp(A f + B)). */
static double platt_loss(const double *f, const double *t, size_t n, double a, double b)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double z = a * f[i] + b; /* log(1 + exp(z)) stably; -log p = log(1 + exp(z)), -log(1-p) = that - z */
        double l1p = z >= 0 ? z + log1p(exp(-z)) : log1p(exp(z));
        s += t[i] * l1p + (1.0 - t[i]) * (l1p - z);
    }
    return s;
}

int calib_platt_fit(const double *f, const int *y, size_t n, double *a, double *b, mlac_err *err)
{
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(f[i]) || (y[i] != 0 && y[i] != 1))
            return mlac_errf(err, MLAC_EINVAL, "platt: decision value %zu is not finite or its label not 0/1", i);
        n1 += y[i] == 1;
    }
    size_t n0 = n - n1;
    if (!n1 || !n0)
        return mlac_errf(err, MLAC_EINVAL, "platt: needs both classes (%zu positives, %zu negatives)", n1, n0);
    double hi = ((double)n1 + 1.0) / ((double)n1 + 2.0), lo = 1.0 / ((double)n0 + 2.0);
    double t_stack[1024], *t = n <= 1024 ? t_stack : NULL;
    double *heap = NULL;
    if (!t) {
        heap = malloc(n * sizeof *heap);
        if (!heap)
            return mlac_errf(err, MLAC_ENOMEM, "platt: out of memory for %zu targets", n);
        t = heap;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = y[i] ? hi : lo;
    double A = 0.0, B = log(((double)n0 + 1.0) / ((double)n1 + 1.0));
    double loss = platt_loss(f, t, n, A, B);
    for (int it = 0; it < 200; it++) {
        double g1 = 0, g2 = 0, h11 = 1e-12, h22 = 1e-12, h21 = 0;
        for (size_t i = 0; i < n; i++) {
            double p = calib_platt_apply(f[i], A, B), d = t[i] - p, w = p * (1.0 - p);
            g1 += f[i] * d, g2 += d;
            h11 += f[i] * f[i] * w, h22 += w, h21 += f[i] * w;
        }
        if (fabs(g1) < 1e-10 && fabs(g2) < 1e-10)
            break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * dA + g2 * dB, step = 1.0;
        while (step >= 1e-10) {
            double nl = platt_loss(f, t, n, A + step * dA, B + step * dB);
            if (nl < loss + 1e-4 * step * gd) {
                A += step * dA, B += step * dB, loss = nl;
                break;
            }
            step /= 2;
        }
        if (step < 1e-10)
            break; /* no descent left: at the optimum within rounding */
    }
    free(heap);
    *a = A;
    *b = B;
    return MLAC_OK;
}
