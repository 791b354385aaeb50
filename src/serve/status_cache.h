/* status_cache.h — the JSON text of GET /v1/experiments/{id}, kept in memory and rebuilt only
 * when the queue has changed since it was built (queue_version), so a poll of a running grid
 * costs a hash, a compare and a copy: no SQLite query and no JSON building per request.
 *
 * Direct-mapped: STATUS_CACHE_SLOTS slots by a hash of the id; two ids on one slot just take
 * turns (a miss rebuilds). An entry is stamped with the version read *before* its row was
 * read, so a write racing with a rebuild leaves the entry stale, never wrong.
 */
#ifndef MLAC_SERVE_STATUS_CACHE_H
#define MLAC_SERVE_STATUS_CACHE_H

#include <stddef.h>
#include "core/error.h"
#include "serve/queue.h"

#define STATUS_CACHE_SLOTS 1024

typedef struct status_cache status_cache;

status_cache *status_cache_new(void);
void status_cache_free(status_cache *c); /* accepts NULL */
/* A malloc'd copy of experiment id's JSON (*body, *len; the caller frees it). MLAC_ENOTFOUND
 * when there is no such experiment; queue errors as queue_get returns them. */
int status_cache_get(status_cache *c, queue *q, const char *id, char **body, size_t *len, mlac_err *err);

#endif
