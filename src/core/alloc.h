/* alloc.h — mlac's allocation calls, with one hook that tests use to fail the k-th allocation
 * (SQLite's faultsim): mlac_malloc/mlac_calloc/mlac_realloc/mlac_strdup/mlac_aligned_alloc behave
 * as the libc calls (free with free()) until alloc_fail_at(k) arms the hook; then the k-th allocation from
 * that moment returns NULL, once. A test runs a code path for k = 1, 2, ... until a run ends
 * without reaching k: every allocation of the path has then failed once, and each failure must
 * give a clean error, leak nothing and leave no half-written file. Thread-safe (atomics).
 * The library's own sources reach these through core/alloc_remap.h (force-included by CMake).
 */
#ifndef MLAC_CORE_ALLOC_H
#define MLAC_CORE_ALLOC_H

#include <stddef.h>

void *mlac_malloc(size_t n);
void *mlac_calloc(size_t count, size_t size);
void *mlac_realloc(void *p, size_t n);
char *mlac_strdup(const char *s);
char *mlac_strndup(const char *s, size_t n);
void *mlac_aligned_alloc(size_t alignment, size_t n);

/* Arms the hook: the k-th allocation from now fails (k >= 1); k = 0 disarms it. Resets the count. */
void alloc_fail_at(unsigned long k);
/* Allocations since the last alloc_fail_at. */
unsigned long alloc_count(void);
/* 1 when the armed failure has happened. */
int alloc_fail_fired(void);

#endif
