/* gcs_retry.c — backoff schedule and transient-failure classification (see gcs_retry.h). */
#include "store/gcs_retry.h"

#include <curl/curl.h>
#include <math.h>

void gcs_retry_policy_default(gcs_retry_policy *p)
{
    p->initial = 1.0;
    p->multiplier = 2.0;
    p->max_delay = 32.0;
    p->deadline = 900.0;
}

void gcs_retry_begin(gcs_retry *r, const gcs_retry_policy *p, double now, unsigned long long seed)
{
    r->policy = p;
    r->start = now;
    r->retries = 0;
    rng_seed(&r->rng, seed);
}

double gcs_retry_bound(const gcs_retry_policy *p, int k)
{
    double b = p->initial * pow(p->multiplier, k);
    return b < p->max_delay ? b : p->max_delay;
}

int gcs_retry_next(gcs_retry *r, double now, double *wait)
{
    double w = rng_uniform(&r->rng) * gcs_retry_bound(r->policy, r->retries);
    if (now + w - r->start > r->policy->deadline)
        return 0;
    r->retries++;
    *wait = w;
    return 1;
}

int gcs_retry_status_transient(long status)
{
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

int gcs_retry_curl_transient(int code)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}
