/* serve_metrics.h — the service's metrics registry, rendered in the Prometheus text format (0.0.4).
 *
 * Counters and the task-duration histogram live here behind one mutex; gauges that describe the
 * queue (experiments per state, queue depth) are passed in at render time from the database, so
 * they are never stale. Label values are escaped; model names come from the registry only.
 */
#ifndef MLAC_SERVE_SERVE_METRICS_H
#define MLAC_SERVE_SERVE_METRICS_H

#include "core/buf.h"
#include "core/error.h"
#include "serve/queue.h"

typedef struct serve_metrics serve_metrics;

serve_metrics *serve_metrics_new(void);
void serve_metrics_free(serve_metrics *m);
/* One HTTP response with this status code. */
void serve_metrics_http(serve_metrics *m, int code);
/* One finished task: its model, "ok"/"failed" and its train + predict seconds. */
void serve_metrics_task(serve_metrics *m, const char *model, const char *status, double seconds);
/* Appends the whole exposition; counts: experiments per state. */
int serve_metrics_render(serve_metrics *m, const long counts[QS_N], buf *out, mlac_err *err);

#endif
