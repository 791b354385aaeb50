/* access_log.c — the buffered access log (see access_log.h). One mutex guards the buffer; it is
 * held for a memcpy of one line, and for the write(2) of a full buffer (one per
 * ACCESS_LOG_FLUSH_BYTES of lines, or per ACCESS_LOG_FLUSH_MS from the flusher thread).
 */
#include "serve/access_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAP (ACCESS_LOG_FLUSH_BYTES + 4096u) /* a full buffer plus one longest line */

struct access_log {
    FILE *f;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t flusher;
    int stop;
    size_t len;
    char buf[CAP];
};

static void flush_locked(access_log *a)
{
    if (!a->len)
        return;
    fwrite(a->buf, 1, a->len, a->f);
    fflush(a->f);
    a->len = 0;
}

static void *flusher_main(void *arg)
{
    access_log *a = arg;
    pthread_mutex_lock(&a->lock);
    while (!a->stop) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += ACCESS_LOG_FLUSH_MS * 1000000L;
        t.tv_sec += t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        int rc = pthread_cond_timedwait(&a->wake, &a->lock, &t);
        if (rc == ETIMEDOUT || a->stop)
            flush_locked(a);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

access_log *access_log_new(FILE *f)
{
    access_log *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->f = f;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    if (pthread_create(&a->flusher, NULL, flusher_main, a)) {
        pthread_cond_destroy(&a->wake);
        pthread_mutex_destroy(&a->lock);
        free(a);
        return NULL;
    }
    return a;
}

void access_log_write(access_log *a, const char *line, size_t n)
{
    if (!a || n > CAP - ACCESS_LOG_FLUSH_BYTES)
        return;
    pthread_mutex_lock(&a->lock);
    memcpy(a->buf + a->len, line, n);
    a->len += n;
    if (a->len >= ACCESS_LOG_FLUSH_BYTES)
        flush_locked(a);
    pthread_mutex_unlock(&a->lock);
}

void access_log_free(access_log *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->stop = 1;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->flusher, NULL);
    flush_locked(a);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
