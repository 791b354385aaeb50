/* status_cache.c — cached experiment JSON by queue version (see status_cache.h).
 *
 * One read-write lock guards the slots: hits (every poller) take it shared, so they never wait
 * for one another; it is held only for a compare and a memcpy of the body (about a kilobyte),
 * never across a query. Misses are filled one at a time (the fill lock): the pollers that miss
 * together after a write wait for one query instead of each running its own. Who frees what: each slot owns its body; a hit hands the
 * caller a fresh copy, which libmicrohttpd frees after sending it.
 */
#include "serve/status_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char id[80];
    unsigned long version; /* queue_version() read before the row was */
    char *body;            /* owned; NULL = empty slot */
    size_t len;
} slot;

struct status_cache {
    pthread_rwlock_t lock;
    pthread_mutex_t fill; /* one miss at a time: the pollers that miss together wait for one query */
    slot slots[STATUS_CACHE_SLOTS];
};

status_cache *status_cache_new(void)
{
    status_cache *c = calloc(1, sizeof *c);
    if (c) {
        pthread_rwlock_init(&c->lock, NULL);
        pthread_mutex_init(&c->fill, NULL);
    }
    return c;
}

void status_cache_free(status_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < STATUS_CACHE_SLOTS; i++)
        free(c->slots[i].body);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->fill);
    free(c);
}

static size_t slot_of(const char *id)
{
    unsigned long h = 5381; /* djb2 */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = h * 33u + *p;
    return (size_t)(h % STATUS_CACHE_SLOTS);
}

static char *copy_of(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Copies the slot's body into *body when it holds id at version v (1), else 0. */
static int cache_hit(status_cache *c, const slot *sl, const char *id, unsigned long v, char **body, size_t *len)
{
    pthread_rwlock_rdlock(&c->lock);
    if (sl->body && sl->version == v && !strcmp(sl->id, id)) {
        *body = copy_of(sl->body, sl->len);
        *len = sl->len;
    }
    pthread_rwlock_unlock(&c->lock);
    return *body != NULL;
}

int status_cache_get(status_cache *c, queue *q, const char *id, char **body, size_t *len, mlac_err *err)
{
    *body = NULL;
    *len = 0;
    if (strlen(id) >= sizeof c->slots[0].id)
        return mlac_errf(err, MLAC_ENOTFOUND, "no experiment '%.80s'", id);
    slot *sl = &c->slots[slot_of(id)];
    if (cache_hit(c, sl, id, queue_version(q), body, len))
        return MLAC_OK;
    /* A miss: every poller of this experiment misses at once after a write; the first queries,
     * the others find its answer when they get the fill lock (a newer version queries again). */
    pthread_mutex_lock(&c->fill);
    unsigned long v = queue_version(q);
    if (cache_hit(c, sl, id, v, body, len)) {
        pthread_mutex_unlock(&c->fill);
        return MLAC_OK;
    }
    json_t *row = NULL;
    int rc = queue_get(q, id, &row, err);
    if (rc) {
        pthread_mutex_unlock(&c->fill);
        return rc;
    }
    char *text = json_dumps(row, JSON_COMPACT);
    json_decref(row);
    if (!text) {
        pthread_mutex_unlock(&c->fill);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for experiment '%s'", id);
    }
    size_t n = strlen(text);
    char *mine = copy_of(text, n);
    pthread_rwlock_wrlock(&c->lock);
    if (mine && (!sl->body || sl->version <= v)) { /* never replace a newer entry with an older one */
        free(sl->body);
        memcpy(sl->id, id, strlen(id) + 1);
        sl->version = v;
        sl->body = mine;
        sl->len = n;
        mine = NULL;
    }
    pthread_rwlock_unlock(&c->lock);
    pthread_mutex_unlock(&c->fill);
    free(mine);
    *body = text;
    *len = n;
    return MLAC_OK;
}
