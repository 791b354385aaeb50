/* gs_prefetch.c — many downloads at once for the gs:// back end.
 *
 * store_prefetch(paths) starts max_transfers worker threads that download the objects, in the
 * order given, into the download cache (through gs_fetch, so cached ones cost nothing). A read
 * of a path on the list meanwhile either waits for its download in flight or, if no worker has
 * reached it yet, claims it and downloads it itself; either way the reader is never slower than
 * without prefetching and no object is downloaded twice. Objects already in the download cache
 * (same generation and size) are skipped without being read. The readers (the feature stage's
 * threads) therefore consume clips at the rate the transfers deliver them, bounded by the
 * cache, not by memory. A new prefetch (the next stage) stops the previous one's workers but
 * keeps its memory until store_free, so a reader still waiting on it is safe. Failures are
 * left for the reader to meet.
 */
#include "store/gs_internal.h"

#include <stdlib.h>
#include <string.h>

enum { QUEUED = 0, IN_FLIGHT, DONE, CLAIMED };

struct gs_prefetch {
    gs_impl *g;
    char **names;         /* (n,) object names in download order */
    size_t *sorted;       /* (n,) indices of names in bytewise order, for lookups */
    unsigned char *state; /* (n,) */
    size_t n, next;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t *threads;   /* (n_threads,) */
    int n_threads;
    struct gs_prefetch *next_retired;
};

static char **sort_names; /* only inside qsort below, under sort_lock */
static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static int by_name(const void *a, const void *b)
{
    return strcmp(sort_names[*(const size_t *)a], sort_names[*(const size_t *)b]);
}

static void *worker_main(void *arg)
{
    struct gs_prefetch *p = arg;
    buf b; /* reused: fresh large buffers per object cost page faults that serialise threads */
    buf_init(&b, STORE_MAX_OBJECT);
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->next < p->n) {
        size_t i = p->next++;
        if (p->state[i] != QUEUED)
            continue;
        p->state[i] = IN_FLIGHT;
        pthread_mutex_unlock(&p->mu);
        mlac_err err = {0};
        b.len = 0;
        gs_meta m;
        if (!(gs_meta_get(p->g, p->names[i], &m) && m.generation > 0 &&
              download_cache_has(p->g->cache, p->g->bucket, p->names[i], m.generation, m.size)))
            gs_fetch(p->g, p->names[i], &b, &err); /* lands in the download cache */
        pthread_mutex_lock(&p->mu);
        p->state[i] = DONE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    buf_release(&b);
    return NULL;
}

static void stop_workers(struct gs_prefetch *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_mutex_unlock(&p->mu);
    for (int t = 0; t < p->n_threads; t++)
        pthread_join(p->threads[t], NULL);
    p->n_threads = 0;
}

static void prefetch_free(struct gs_prefetch *p)
{
    for (size_t i = 0; p->names && i < p->n; i++)
        free(p->names[i]);
    free(p->names);
    free(p->sorted);
    free(p->state);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

void gs_prefetch_start(gs_impl *g, const char *const *names, size_t n)
{
    if (!n)
        return;
    struct gs_prefetch *p = calloc(1, sizeof *p);
    if (!p)
        return;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->g = g;
    p->names = calloc(n, sizeof *p->names);
    p->sorted = calloc(n, sizeof *p->sorted);
    p->state = calloc(n, 1);
    int nt = g->set.max_transfers > 0 ? g->set.max_transfers : 16;
    if ((size_t)nt > n)
        nt = (int)n;
    p->threads = calloc((size_t)nt, sizeof *p->threads);
    int ok = p->names && p->sorted && p->state && p->threads;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (p->names[i] = strdup(names[i])) != NULL;
        p->sorted[i] = i;
        p->n = i + 1;
    }
    if (!ok) {
        prefetch_free(p);
        return;
    }
    pthread_mutex_lock(&sort_lock);
    sort_names = p->names;
    qsort(p->sorted, n, sizeof *p->sorted, by_name);
    pthread_mutex_unlock(&sort_lock);
    pthread_mutex_lock(&g->pf_lock);
    struct gs_prefetch *old = __atomic_load_n(&g->pf, __ATOMIC_ACQUIRE);
    if (old) {
        stop_workers(old);
        old->next_retired = g->pf_retired;
        g->pf_retired = old;
    }
    for (int t = 0; t < nt; t++)
        if (pthread_create(&p->threads[t], NULL, worker_main, p) == 0)
            p->n_threads++;
    __atomic_store_n(&g->pf, p, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g->pf_lock);
}

static long find(struct gs_prefetch *p, const char *name)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->names[p->sorted[mid]], name);
        if (c == 0)
            return (long)p->sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int gs_prefetch_wait(gs_impl *g, const char *name)
{
    struct gs_prefetch *p = __atomic_load_n(&g->pf, __ATOMIC_ACQUIRE);
    long i = p ? find(p, name) : -1;
    if (i < 0)
        return 0;
    pthread_mutex_lock(&p->mu);
    if (p->state[i] == QUEUED)
        p->state[i] = CLAIMED; /* the reader downloads it itself, now */
    while (p->state[i] == IN_FLIGHT)
        pthread_cond_wait(&p->cv, &p->mu);
    int landed = p->state[i] == DONE;
    pthread_mutex_unlock(&p->mu);
    return landed;
}

void gs_prefetch_free_all(gs_impl *g)
{
    pthread_mutex_lock(&g->pf_lock);
    struct gs_prefetch *p = __atomic_load_n(&g->pf, __ATOMIC_ACQUIRE);
    if (p) {
        stop_workers(p);
        p->next_retired = g->pf_retired;
        g->pf_retired = p;
        __atomic_store_n(&g->pf, NULL, __ATOMIC_RELEASE);
    }
    while ((p = g->pf_retired)) {
        g->pf_retired = p->next_retired;
        prefetch_free(p);
    }
    pthread_mutex_unlock(&g->pf_lock);
}
