/* gcs_retry.h — the retry policy of the GCS client, as Google's clients define it.
 *
 * Transient failures — HTTP 408, 429, 5xx, and transport errors (connection refused or reset,
 * timeouts, a stream cut short) — are retried with exponential backoff and full jitter: the
 * k-th wait (k = 0, 1, ...) is uniform in [0, min(max_delay, initial * multiplier^k)] seconds
 * (initial 1 s, x2, cap 32 s by default), until a total deadline since the first attempt.
 * Whether a request may be retried at all (idempotency) is the caller's decision. The clock
 * and the random generator are the caller's, so the schedule is testable.
 */
#ifndef MLAC_STORE_GCS_RETRY_H
#define MLAC_STORE_GCS_RETRY_H

#include "core/rng.h"

typedef struct gcs_retry_policy {
    double initial;    /* first backoff bound, seconds (1) */
    double multiplier; /* growth of the bound per retry (2) */
    double max_delay;  /* cap of the bound, seconds (32) */
    double deadline;   /* total seconds from the first attempt after which no retry starts (900) */
} gcs_retry_policy;

typedef struct gcs_retry {
    const gcs_retry_policy *policy;
    double start;  /* clock at the first attempt */
    int retries;   /* retries granted so far */
    rng rng;       /* jitter */
} gcs_retry;

void gcs_retry_policy_default(gcs_retry_policy *p);
void gcs_retry_begin(gcs_retry *r, const gcs_retry_policy *p, double now, unsigned long long seed);
/* Grants another attempt: fills *wait (seconds to sleep first) and returns 1, or returns 0 when
 * the deadline would pass before the attempt could start. */
int gcs_retry_next(gcs_retry *r, double now, double *wait);
/* Upper bound of the k-th wait: min(max_delay, initial * multiplier^k). */
double gcs_retry_bound(const gcs_retry_policy *p, int k);

/* 1 when an HTTP status is transient (408, 429, 500..599). */
int gcs_retry_status_transient(long status);
/* 1 when a libcurl result code is a transient transport failure. */
int gcs_retry_curl_transient(int curl_code);

#endif
