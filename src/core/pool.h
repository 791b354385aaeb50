/* pool.h — fork-join parallel loops over independent items with an explicit thread count.
 *
 * pool_for(n_threads, n, fn, ctx) calls fn(ctx, i, worker) for every i in [0, n) on up to
 * n_threads threads (the caller's included). Items must write only their own outputs, so
 * results never depend on n_threads; worker (0..n_threads-1) indexes per-thread scratch.
 */
#ifndef MLAC_CORE_POOL_H
#define MLAC_CORE_POOL_H

#include <stddef.h>

typedef void (*pool_fn)(void *ctx, size_t i, int worker);

void pool_for(int n_threads, size_t n, pool_fn fn, void *ctx);
/* The default thread count: the CPUs this process may really use (core/cpus.h). */
int pool_cpu_count(void);

#endif
