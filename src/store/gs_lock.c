/* gs_lock.c — the run lock on an object store: a lease object.
 *
 * Taking the lock creates the object with ifGenerationMatch=0 holding {"owner", "expires_at",
 * "lease_s"}; only one creator can win. A background thread renews the lease every third of
 * its length by rewriting the object with ifGenerationMatch=<the generation it holds>, so a
 * renewal can never overwrite another owner's lock. A 412 there means the lock was taken
 * from us (we were presumed dead): the thread says so in the log and stops renewing. A run that
 * crashed stops renewing; once expires_at has passed, the next run deletes the object with
 * ifGenerationMatch=<the generation it read> (so two contenders cannot both delete a fresh
 * lock) and creates its own. Unlock deletes the object conditionally on our generation.
 * The lease assumes the machines' clocks agree to well within the lease (NTP does that).
 */
#include "store/gs_internal.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct gs_lock {
    gs_impl *g;
    char name[GCS_OBJECT_MAX + 1];
    char owner[300];
    long long generation; /* of our lock object */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, lost;
};

static char *lock_body(const struct gs_lock *l, double lease)
{
    json_t *j = json_pack("{s:s, s:f, s:f}", "owner", l->owner, "expires_at", time_wall() + lease, "lease_s", lease);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

static void *renew_main(void *arg)
{
    struct gs_lock *l = arg;
    gs_impl *g = l->g;
    pthread_mutex_lock(&l->mu);
    while (!l->stop && !l->lost) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double period = g->lock_lease / 3;
        ts.tv_sec += (time_t)period;
        ts.tv_nsec += (long)((period - (double)(time_t)period) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &ts) != ETIMEDOUT)
            ;
        if (l->stop)
            break;
        long long held = l->generation;
        pthread_mutex_unlock(&l->mu);
        char *body = lock_body(l, g->lock_lease);
        long long gen = -1;
        long status = 0;
        mlac_err err = {0};
        int rc = body ? gs_upload(g, l->name, body, strlen(body), held, &gen, &status, &err) : MLAC_ENOMEM;
        free(body);
        pthread_mutex_lock(&l->mu);
        if (!rc && status == 200) {
            l->generation = gen;
        } else if (!rc && status == 412) {
            l->lost = 1;
            log_warn("gs://%s/%s: the run lock was taken over by another process (this one was presumed dead); "
                     "stop this run", g->bucket, l->name);
        } else {
            log_warn("gs://%s/%s: renewing the run lock failed, will retry: %s", g->bucket, l->name, err.msg);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Reads the current lock: *status 200 (owner, expiry, generation filled) or 404. */
static int read_lock(gs_impl *g, const char *name, char *owner, size_t owner_size, double *expires, long long *gen,
                     long *status, mlac_err *err)
{
    buf b;
    buf_init(&b, 1 << 16);
    int rc = gs_get_media(g, name, -1, &b, gen, status, NULL, err);
    if (!rc && *status == 200) {
        json_error_t je;
        json_t *j = json_loadb(b.data ? b.data : "", b.len, 0, &je);
        const char *o = json_string_value(json_object_get(j, "owner"));
        json_t *e = json_object_get(j, "expires_at");
        snprintf(owner, owner_size, "%s", o ? o : "(unknown)");
        *expires = json_is_number(e) ? json_number_value(e) : 0; /* unreadable: treat as expired */
        json_decref(j);
    }
    buf_release(&b);
    return rc;
}

int gs_lock_acquire(gs_impl *g, const char *name, int *handle, mlac_err *err)
{
    int slot = -1;
    for (int i = 0; i < GS_LOCKS_MAX && slot < 0; i++)
        if (!g->locks[i])
            slot = i;
    if (slot < 0)
        return mlac_errf(err, MLAC_EINTERNAL, "gs://%s/%s: too many locks held", g->bucket, name);
    struct gs_lock *l = calloc(1, sizeof *l);
    if (!l)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a lock");
    l->g = g;
    snprintf(l->name, sizeof l->name, "%s", name);
    char host[128] = "?";
    gethostname(host, sizeof host - 1);
    snprintf(l->owner, sizeof l->owner, "%s:%d:%.0f", host, (int)getpid(), time_wall() * 1e3);
    int rc = MLAC_OK, got = 0;
    for (int round = 0; !rc && !got && round < 4; round++) {
        char *body = lock_body(l, g->lock_lease);
        long status = 0;
        rc = body ? gs_upload(g, name, body, strlen(body), 0, &l->generation, &status, err)
                  : mlac_errf(err, MLAC_ENOMEM, "out of memory for a lock");
        free(body);
        if (rc || status == 200) {
            got = !rc;
            break;
        }
        char owner[300];
        double expires = 0;
        long long gen = -1;
        rc = read_lock(g, name, owner, sizeof owner, &expires, &gen, &status, err);
        if (rc || status == 404)
            continue; /* released meanwhile: try again */
        if (time_wall() <= expires) {
            rc = mlac_errf(err, MLAC_EUNAVAIL, "'gs://%s/%s' is locked by %s for %.0f s more: another mlac process "
                           "is writing this run (a crashed run's lock expires with its lease)", g->bucket, name,
                           owner, expires - time_wall());
            break;
        }
        log_info("gs://%s/%s: taking over the expired run lock of %s", g->bucket, name, owner);
        rc = gs_delete(g, name, gen, &status, err); /* 412/404: someone else was faster; go round */
    }
    if (!rc && !got)
        rc = mlac_errf(err, MLAC_EUNAVAIL, "'gs://%s/%s': could not take the run lock (contended)", g->bucket, name);
    if (rc) {
        free(l);
        return rc;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->thread, NULL, renew_main, l) != 0) {
        long status;
        mlac_err ignore = {0};
        gs_delete(g, name, l->generation, &status, &ignore);
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cv);
        free(l);
        return mlac_errf(err, MLAC_ENOMEM, "cannot start the lock renewal thread");
    }
    g->locks[slot] = l;
    *handle = slot;
    return MLAC_OK;
}

void gs_lock_release(gs_impl *g, int handle)
{
    if (handle < 0 || handle >= GS_LOCKS_MAX || !g->locks[handle])
        return;
    struct gs_lock *l = g->locks[handle];
    g->locks[handle] = NULL;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    if (!l->lost) {
        long status;
        mlac_err err = {0};
        if (gs_delete(g, l->name, l->generation, &status, &err))
            log_warn("gs://%s/%s: could not delete the run lock (it expires with its lease): %s", g->bucket,
                     l->name, err.msg);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
}
