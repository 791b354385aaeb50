/* json_alloc.h — jansson's allocations through mlac's (core/alloc.h), with a per-thread flag that
 * tells a caller whether one of them failed.
 *
 * jansson 2.14 does not always report its own out-of-memory: its lexer drops a character when its
 * token buffer cannot grow (a number read with a digit missing, or a line read as malformed), and
 * json_dumps leaves out an object key it could not write, each returning success. A caller that
 * must not be silently wrong brackets the call: json_alloc_begin(), the jansson call, then
 * json_alloc_failed() — true when any jansson allocation of this thread failed in between.
 */
#ifndef MLAC_CORE_JSON_ALLOC_H
#define MLAC_CORE_JSON_ALLOC_H

#include <jansson.h>

/* Installs the allocator (json_set_alloc_funcs); once, before threads start. */
void json_alloc_install(void);
void json_alloc_begin(void);
int json_alloc_failed(void);
/* json_dumps(j, flags), or NULL when j is NULL, when the dump failed, or when any jansson
 * allocation of this thread failed since the last json_alloc_begin() (a caller that built j
 * brackets the building too: json_alloc_begin() before it, then this). Free with free(). */
char *json_dumps_whole(const json_t *j, size_t flags);

#endif
