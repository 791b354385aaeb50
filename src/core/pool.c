/* pool.c — pthread fork-join loop with a shared atomic counter (see pool.h). */
#include "core/pool.h"
#include "core/cpus.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

struct pool_job {
    pool_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
};

struct pool_worker {
    struct pool_job *job;
    int id;
};

static void *worker_main(void *arg)
{
    struct pool_worker *w = arg;
    struct pool_job *job = w->job;
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->n)
            break;
        job->fn(job->ctx, i, w->id);
    }
    return NULL;
}

void pool_for(int n_threads, size_t n, pool_fn fn, void *ctx)
{
    if (n_threads < 1)
        n_threads = 1;
    if ((size_t)n_threads > n)
        n_threads = (int)(n ? n : 1);
    struct pool_job job = {.fn = fn, .ctx = ctx, .n = n};
    atomic_init(&job.next, 0);
    if (n_threads == 1) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_t tids[256];
    struct pool_worker workers[256];
    if (n_threads > 256)
        n_threads = 256;
    int started = 0;
    for (int t = 1; t < n_threads; t++) {
        workers[t] = (struct pool_worker){&job, t};
        if (pthread_create(&tids[t], NULL, worker_main, &workers[t]) != 0)
            break; /* fewer threads: the loop still completes on those that started */
        started = t;
    }
    workers[0] = (struct pool_worker){&job, 0};
    worker_main(&workers[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
}

int pool_cpu_count(void)
{
    return cpus_usable(); /* what the process may use (cgroup quota, affinity, Slurm), not the host's cores */
}
