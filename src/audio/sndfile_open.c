/* sndfile_open.c — owns the lock that makes libsndfile's open-failure reason per call. */
#include "audio/sndfile_open.h"

#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

SNDFILE *sndfile_open_virtual(SF_VIRTUAL_IO *vio, int mode, SF_INFO *info, void *user, char *why,
                              size_t why_len)
{
    /* Only the header parse runs under the lock (microseconds for a memory buffer); reading
     * samples does not touch the global. */
    pthread_mutex_lock(&open_lock);
    SNDFILE *f = sf_open_virtual(vio, mode, info, user);
    if (!f && why && why_len)
        snprintf(why, why_len, "%s", sf_strerror(NULL));
    pthread_mutex_unlock(&open_lock);
    return f;
}
