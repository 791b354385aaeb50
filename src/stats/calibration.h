/* calibration.h — do a detector's scores mean anything as probabilities (issue 12)?
 *
 * Brier score: mean (prob - y)^2 (scikit-learn brier_score_loss). Expected calibration error:
 * 10 equal-width bins over [0, 1], bin edges i * 0.1 as numpy.linspace makes them and a clip's
 * bin = the number of inner edges < prob (scikit-learn 1.2 calibration_curve, strategy "uniform",
 * searchsorted side "left": a probability of exactly 0.3 is in bin [0.2, 0.3]);
 * ECE = sum over bins of (n_bin / n) * |mean prob - fraction positive|.
 * Platt scaling: P(y = 1 | f) = 1 / (1 + exp(A f + B)), fitted by Newton's method with a line
 * search (Lin, Lin and Weng 2007) on Platt's smoothed targets (N+ + 1)/(N+ + 2) and 1/(N- + 2),
 * starting from A = 0, B = log((N- + 1)/(N+ + 1)): the optimum scikit-learn's
 * _sigmoid_calibration reaches by BFGS. Checked against tests/fixtures/stats/operating.json
 * (tests/fixtures/gen/operating.py).
 */
#ifndef MLAC_STATS_CALIBRATION_H
#define MLAC_STATS_CALIBRATION_H

#include <stddef.h>
#include "core/error.h"

#define CALIB_BINS 10

typedef struct reliability {
    size_t count[CALIB_BINS];     /* clips per bin */
    double mean_prob[CALIB_BINS]; /* mean predicted probability (NAN when empty) */
    double frac_pos[CALIB_BINS];  /* fraction of positives (NAN when empty) */
} reliability;

/* NAN when n = 0, a probability outside [0, 1] or NaN, or a label not 0/1. */
double calib_brier(const double *prob, const int *y, size_t n);
double calib_ece(const double *prob, const int *y, size_t n);
/* The bins behind ECE; MLAC_EINVAL on the bad inputs above. */
int calib_reliability(const double *prob, const int *y, size_t n, reliability *out, mlac_err *err);

/* Fits A, B on decision values f (n,) and labels; needs both classes. */
int calib_platt_fit(const double *f, const int *y, size_t n, double *a, double *b, mlac_err *err);
/* 1 / (1 + exp(a f + b)), computed without overflow. */
double calib_platt_apply(double f, double a, double b);

#endif
