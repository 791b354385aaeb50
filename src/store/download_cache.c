/* download_cache.c — LRU-bounded cache of downloaded objects (see download_cache.h).
 *
 * Entries this handle wrote with a known MD5 (bytes checked against the server's hash as they
 * were downloaded) are remembered with their size and MD5: a hit on one asking for that same
 * size and MD5 is trusted without hashing the bytes a second time (the prefetched clips of a
 * run are each read back once, right after their download). Everything else — entries of
 * earlier runs or other processes, a different MD5 asked for — is checked in full. */
#include "store/download_cache.h"
#include "core/fsutil.h"
#include "core/hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWN_BUCKETS 4096

struct own_entry { /* an entry this handle wrote, with the MD5 its bytes were checked against */
    char name[65];
    char md5[32];
    long long size;
    struct own_entry *next;
};

struct download_cache {
    char dir[4096];
    struct own_entry *own[OWN_BUCKETS]; /* under lock */
    long long max_bytes;
    long long total;   /* bytes in the folder as this process last knew it */
    unsigned long tmp_seq;
    pthread_mutex_t lock;
};

void download_cache_md5_b64(const void *data, size_t n, char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)len);
}

static int is_entry(const char *name)
{
    if (strlen(name) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return 1;
}

struct entry {
    char name[65];
    long long size;
    struct timespec mtime;
};

static int by_age(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Scans the folder: sets total, and with evict deletes the oldest entries down to 80% of max. */
static void scan(download_cache *c, int evict)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return;
    struct entry *e = NULL;
    size_t n = 0, cap = 0;
    long long total = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        char p[4200];
        if (!is_entry(de->d_name))
            continue;
        snprintf(p, sizeof p, "%s/%.64s", c->dir, de->d_name); /* entries are 64 hex digits */
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        total += st.st_size;
        if (!evict)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct entry *ne = realloc(e, nc * sizeof *ne);
            if (!ne)
                break;
            e = ne;
            cap = nc;
        }
        memcpy(e[n].name, de->d_name, 65);
        e[n].size = st.st_size;
        e[n].mtime = st.st_mtim;
        n++;
    }
    closedir(d);
    if (evict && total > c->max_bytes) {
        qsort(e, n, sizeof *e, by_age);
        for (size_t i = 0; i < n && total > c->max_bytes / 10 * 8; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", c->dir, e[i].name);
            if (unlink(p) == 0)
                total -= e[i].size;
        }
    }
    free(e);
    c->total = total;
}

int download_cache_open(const char *dir, long long max_bytes, download_cache **out, mlac_err *err)
{
    *out = NULL;
    if (max_bytes <= 0)
        return mlac_errf(err, MLAC_EINVAL, "download cache '%s': the size bound must be positive", dir);
    if (strlen(dir) >= 4000)
        return mlac_errf(err, MLAC_EINVAL, "download cache folder '%.80s...' is too long", dir);
    int rc = fs_mkdir_p(dir, err);
    if (rc)
        return mlac_err_prefix(err, "download cache: ");
    download_cache *c = calloc(1, sizeof *c);
    if (!c)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the download cache");
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    scan(c, 1);
    *out = c;
    return MLAC_OK;
}

void download_cache_free(download_cache *c)
{
    if (!c)
        return;
    for (size_t k = 0; k < OWN_BUCKETS; k++)
        for (struct own_entry *e = c->own[k], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void entry_path(download_cache *c, const char *bucket, const char *object, long long generation, char *out,
                       size_t n)
{
    char gen[32], hex[65];
    snprintf(gen, sizeof gen, "%lld", generation);
    hash_ctx *h = hash_begin();
    hash_update_str(h, bucket);
    hash_update_str(h, object);
    hash_update_str(h, gen);
    hash_end_hex(h, hex);
    snprintf(out, n, "%s/%s", c->dir, hex);
}

/* hex: the entry's file name; its first 3 hex digits pick a bucket */
static size_t own_slot(const char *hex)
{
    return (size_t)strtoul((char[4]){hex[0], hex[1], hex[2], 0}, NULL, 16) % OWN_BUCKETS;
}

/* Under c->lock. */
static struct own_entry *own_find(download_cache *c, const char *hex)
{
    struct own_entry *e = c->own[own_slot(hex)];
    while (e && strcmp(e->name, hex))
        e = e->next;
    return e;
}

static void own_put(download_cache *c, const char *hex, long long size, const char *md5)
{
    pthread_mutex_lock(&c->lock);
    struct own_entry *e = own_find(c, hex);
    if (!e && (e = calloc(1, sizeof *e))) { /* out of memory: only costs a later MD5 */
        memcpy(e->name, hex, 65);
        e->next = c->own[own_slot(hex)];
        c->own[own_slot(hex)] = e;
    }
    if (e) {
        e->size = size;
        snprintf(e->md5, sizeof e->md5, "%s", md5);
    }
    pthread_mutex_unlock(&c->lock);
}

static int own_has(download_cache *c, const char *hex, long long size, const char *md5)
{
    pthread_mutex_lock(&c->lock);
    struct own_entry *e = own_find(c, hex);
    int yes = e && e->size == size && !strcmp(e->md5, md5);
    pthread_mutex_unlock(&c->lock);
    return yes;
}

int download_cache_has(download_cache *c, const char *bucket, const char *object, long long generation,
                       long long size)
{
    char p[4200];
    struct stat st;
    entry_path(c, bucket, object, generation, p, sizeof p);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && (long long)st.st_size == size;
}

int download_cache_get(download_cache *c, const char *bucket, const char *object, long long generation,
                       long long size, const char *md5, buf *out, int *found, mlac_err *err)
{
    (void)err;
    *found = 0;
    char p[4200];
    entry_path(c, bucket, object, generation, p, sizeof p);
    size_t start = out->len;
    mlac_err ignore = {0};
    if (fs_read_file(p, out, 0, &ignore))
        return MLAC_OK; /* a miss */
    size_t n = out->len - start;
    char got[32] = "";
    const char *hex = p + strlen(c->dir) + 1;
    if (md5 && *md5 && !own_has(c, hex, (long long)n, md5))
        download_cache_md5_b64(out->data + start, n, got);
    else
        md5 = NULL; /* written by this handle with these very size and MD5, or nothing to check */
    if ((size >= 0 && (long long)n != size) || (md5 && *md5 && strcmp(got, md5))) {
        if (unlink(p) == 0) { /* torn or foreign: drop it and download again */
            pthread_mutex_lock(&c->lock);
            c->total -= (long long)n;
            pthread_mutex_unlock(&c->lock);
        }
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return MLAC_OK;
    }
    utimensat(AT_FDCWD, p, NULL, 0); /* most recently used */
    *found = 1;
    return MLAC_OK;
}

int download_cache_put(download_cache *c, const char *bucket, const char *object, long long generation,
                       const void *data, size_t n, const char *checked_md5, mlac_err *err)
{
    char p[4200], tmp[4300];
    entry_path(c, bucket, object, generation, p, sizeof p);
    pthread_mutex_lock(&c->lock);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d.%lu", p, (int)getpid(), c->tmp_seq++);
    pthread_mutex_unlock(&c->lock);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "download cache: cannot create '%s': %s", tmp, strerror(errno));
    const char *q = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, q, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return mlac_errf(err, MLAC_EIO, "download cache: cannot write '%s': %s", tmp, strerror(e));
        }
        q += w;
        left -= (size_t)w;
    }
    /* no fsync: a torn entry fails verification on its next hit and is downloaded again */
    if (close(fd) != 0 || rename(tmp, p) != 0) {
        int e = errno;
        unlink(tmp);
        return mlac_errf(err, MLAC_EIO, "download cache: cannot store '%s': %s", p, strerror(e));
    }
    if (checked_md5 && *checked_md5)
        own_put(c, p + strlen(c->dir) + 1, (long long)n, checked_md5);
    pthread_mutex_lock(&c->lock);
    c->total += (long long)n;
    if (c->total > c->max_bytes)
        scan(c, 1);
    pthread_mutex_unlock(&c->lock);
    return MLAC_OK;
}
