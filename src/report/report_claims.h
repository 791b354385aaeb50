/* report_claims.h — what the report may say about "clips needed to reach AUC t" for one
 * (species, model), and why: the one place that decides, so the glance card, the fits table
 * and the chart agree.
 *
 * Rules, in order:
 *   1. a measured mean >= t at some size is "reached at n = <smallest such size>", whatever
 *      the fit says (observed beats fitted);
 *   2. a fit is used only with finite means at REPORT_FIT_MIN_SIZES or more sizes: with 3 sizes
 *      the 3-parameter inverse power law passes through every point exactly (rmse 0), so it
 *      says nothing; fewer sizes have no fit at all;
 *   3. a fitted n* above REPORT_FORECAST_MAX x the largest size measured is not forecast
 *      ("not reached within 4x"); one between the largest size and that limit is a forecast,
 *      marked as extrapolation; one below the smallest size measured (where the measured mean
 *      is below t, else rule 1) is an extrapolation below the data and is not given as an answer.
 */
#ifndef MLAC_REPORT_CLAIMS_H
#define MLAC_REPORT_CLAIMS_H

#include <stddef.h>
#include "report/report_data.h"

#define REPORT_FIT_MIN_SIZES 4
#define REPORT_FORECAST_MAX 4.0

enum claim_kind {
    CLAIM_OBSERVED = 0, /* a measured mean reached t: n_observed */
    CLAIM_FITTED,       /* fit reaches t between the smallest and largest size measured: n_fit */
    CLAIM_FORECAST,     /* fit reaches t beyond the largest size, within the forecast limit: n_fit */
    CLAIM_NOT_REACHED,  /* measured below t and the fit does not reach it within the limit */
    CLAIM_BELOW_DATA,   /* the fit puts n* below the smallest size, where the measured mean is below t */
    CLAIM_EXACT_FIT,    /* 3 sizes: an exact fit, no forecast */
    CLAIM_NO_FIT,       /* too few sizes, or the fit failed or is missing */
};

typedef struct report_claim {
    enum claim_kind kind;
    long n_observed;        /* CLAIM_OBSERVED: the smallest size whose mean >= target */
    double mean_observed;   /* its mean */
    double n_fit, lo, hi;   /* the fit's n* and bootstrap interval (NAN when absent) */
    size_t n_sizes;         /* sizes with a finite mean */
    long n_min, n_max;      /* smallest and largest of them */
    double best_mean;       /* highest measured mean (NAN when none) */
    char why[240];          /* plain text: the reason, for captions and hover text */
} report_claim;

/* The rules on plain data, for readers of a run's files other than report_run (results_text.c):
 * begin, add each size's measured mean in ascending order of size (NaN: not measured), then
 * decide with the fit's row for the target (NULL: none; a, n_needed, n_low, n_high, status read). */
void report_claim_begin(report_claim *out);
void report_claim_add(report_claim *out, long n, double mean, double target);
void report_claim_decide(report_claim *out, double target, const report_curve *fit);
/* The claim for (species, model, target); never fails. */
void report_claim_for(const report_run *r, int species, int model, double target, report_claim *out);
/* 1 when the (species, model) fit may be drawn or quoted (enough sizes). */
int report_fit_usable(const report_run *r, int species, int model);

#endif
