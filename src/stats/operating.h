/* operating.h — what a detector does at a threshold: precision at a target recall, recall at a
 * target precision, and the threshold that reaches a target recall (issue 12).
 *
 * Reference: scikit-learn 1.2 precision_recall_curve (one point per distinct score, highest
 * threshold last, plus the end point precision 1, recall 0): precision at recall r is the largest
 * precision among points with recall >= r; recall at precision p the largest recall among points
 * with precision >= p (0 when none); the threshold for recall r is the highest threshold whose
 * recall is >= r. Checked by tests/stats/test_operating.c against
 * tests/fixtures/stats/operating.json (tests/fixtures/gen/operating.py).
 * Scores are any ordered values (probabilities or margins); labels 0/1. NAN without positives,
 * with n = 0 or a NaN score.
 */
#ifndef MLAC_STATS_OPERATING_H
#define MLAC_STATS_OPERATING_H

#include <stddef.h>

double op_precision_at_recall(const double *score, const int *y, size_t n, double recall);
double op_recall_at_precision(const double *score, const int *y, size_t n, double precision);
/* The highest threshold t with recall(score >= t) >= recall; *precision_at gets the precision
 * there (may be NULL). NAN when no positives. */
double op_threshold_for_recall(const double *score, const int *y, size_t n, double recall, double *precision_at);

#endif
