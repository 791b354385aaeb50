/* feature_cache.c — the on-disk feature cache (see feature_cache.h).
 *
 * Entry file <dir>/<k0k1>/<key>.f32, a sealed image (core/sealed.h, little-endian):
 *   0   magic "MLACFEAT"            8 bytes
 *   8   FEATURE_CACHE_VERSION       u32
 *   12  0                           u32
 *   16  count                       u64
 *   24  key, 64 hex characters      64 bytes
 *   88  data                        count float32
 *   ... SHA-256 of all bytes above  32 bytes
 * A hit needs the exact size, magic, version, count, key and checksum; anything else (a short
 * file from a crash, a foreign file, bit rot) is a miss that the next put overwrites. Writes go
 * through fs_write_atomic (temp file + rename), so concurrent writers of one key each rename a
 * complete entry and readers see one of them whole. The handle holds only the directory name,
 * so get/put may be called from several threads at once.
 */
#include "features/feature_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/sealed.h"

#define FC_MAGIC "MLACFEAT"
#define FC_HEADER 88 /* magic, version, reserved u32, count u64, key */
#define FC_MAX_COUNT ((size_t)1 << 28) /* 1 GiB of floats */

struct feature_cache {
    char *dir; /* NULL when disabled */
};

int feature_cache_open(const char *dir, feature_cache **out, mlac_err *err)
{
    *out = NULL;
    feature_cache *c = calloc(1, sizeof *c);
    if (!c)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a feature cache");
    if (dir && *dir) {
        int rc = fs_mkdir_p(dir, err);
        if (rc) {
            free(c);
            return mlac_err_prefix(err, "feature cache '%s': ", dir);
        }
        if (!(c->dir = strdup(dir))) {
            free(c);
            return mlac_errf(err, MLAC_ENOMEM, "out of memory for a feature cache");
        }
    }
    *out = c;
    return MLAC_OK;
}

void feature_cache_free(feature_cache *c)
{
    if (!c)
        return;
    free(c->dir);
    free(c);
}

const char *feature_cache_dir(const feature_cache *c)
{
    return c ? c->dir : NULL;
}

void feature_cache_key(const char *kind, const char *params_text, const char *content_hash,
                       char key_out[65])
{
    char version[16];
    snprintf(version, sizeof version, "%d", FEATURE_CACHE_VERSION);
    hash_ctx *h = hash_begin();
    hash_update_str(h, "mlac feature cache");
    hash_update_str(h, version);
    hash_update_str(h, kind ? kind : "");
    hash_update_str(h, params_text ? params_text : "");
    hash_update_str(h, content_hash ? content_hash : "");
    hash_end_hex(h, key_out);
}

static int key_valid(const char *key)
{
    if (!key)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
            return 0;
    return key[64] == '\0';
}

/* <dir>/<k0k1>/<key>.f32 into path; the parent folder into dir_out when not NULL. */
static int entry_path(const feature_cache *c, const char *key, char *path, size_t n, char *dir_out)
{
    int len = snprintf(path, n, "%s/%.2s/%s.f32", c->dir, key, key);
    if (len < 0 || (size_t)len >= n)
        return -1;
    if (dir_out) {
        memcpy(dir_out, path, (size_t)len);
        dir_out[len - 69] = '\0'; /* drop "/<key>.f32" (1 + 64 + 4 characters) */
    }
    return 0;
}

static size_t entry_size(size_t count)
{
    return FC_HEADER + count * sizeof(float) + SEALED_SUM;
}

int feature_cache_get(feature_cache *c, const char *key, float *out, size_t count)
{
    char path[4096];
    if (!c || !c->dir || !key_valid(key) || count > FC_MAX_COUNT ||
        entry_path(c, key, path, sizeof path, NULL))
        return 0;
    size_t size = entry_size(count);
    buf b;
    buf_init(&b, size);
    mlac_err ignored;
    int hit = 0;
    sealed_reader r;
    uint32_t version;
    char stored_key[64];
    if (fs_read_file(path, &b, size, &ignored) || b.len != size ||
        sealed_read_begin(&r, b.data, b.len, FC_MAGIC, &version, "feature cache entry", &ignored) ||
        version != FEATURE_CACHE_VERSION)
        goto out;
    sealed_get_u32(&r); /* reserved */
    uint64_t n = sealed_get_u64(&r);
    sealed_get_bytes(&r, stored_key, 64);
    if (n != (uint64_t)count || memcmp(stored_key, key, 64))
        goto out;
    sealed_get_f32s(&r, out, count);
    hit = !sealed_read_end(&r, "feature cache entry", &ignored);
out:
    buf_release(&b);
    return hit;
}

int feature_cache_put(feature_cache *c, const char *key, const float *data, size_t count,
                      mlac_err *err)
{
    if (!c || !c->dir)
        return MLAC_OK;
    if (!key_valid(key))
        return mlac_errf(err, MLAC_EINVAL, "feature cache key '%.80s' is not 64 hex characters",
                         key ? key : "(null)");
    if (count > FC_MAX_COUNT)
        return mlac_errf(err, MLAC_EINVAL, "feature cache entry of %zu values is too large", count);
    char path[4096], dir[4096];
    if (entry_path(c, key, path, sizeof path, dir))
        return mlac_errf(err, MLAC_EINVAL, "feature cache path under '%s' is too long", c->dir);
    buf e;
    buf_init(&e, 0);
    sealed_writer w;
    sealed_write_begin(&w, FC_MAGIC, FEATURE_CACHE_VERSION, 0, err);
    sealed_put_u32(&w, 0);
    sealed_put_u64(&w, count);
    sealed_put_bytes(&w, key, 64);
    sealed_put_f32s(&w, data, count);
    int rc = sealed_write_end(&w, &e);
    if (rc == MLAC_OK)
        rc = fs_mkdir_p(dir, err);
    if (rc == MLAC_OK)
        rc = fs_write_atomic(path, e.data, e.len, err);
    buf_release(&e);
    if (rc)
        mlac_err_prefix(err, "feature cache: ");
    return rc;
}

/* 1 for "<2 hex>/<64 hex>.f32", the name of an entry. */
static int is_entry(const char *rel)
{
    static const char hex[] = "0123456789abcdef";
    if (strlen(rel) != 2 + 1 + 64 + 4 || rel[2] != '/' || strcmp(rel + 67, ".f32"))
        return 0;
    for (int i = 0; i < 67; i++)
        if (i != 2 && !strchr(hex, rel[i]))
            return 0;
    return 1;
}

static int walk(const char *dir, int remove_them, feature_cache_usage *u, mlac_err *err)
{
    memset(u, 0, sizeof *u);
    if (!dir || !*dir || !fs_is_dir(dir))
        return MLAC_OK;
    strlist files;
    strlist_init(&files);
    int rc = fs_list_recursive(dir, &files, err);
    for (size_t i = 0; !rc && i < files.n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, files.items[i]);
        struct stat st;
        if (stat(path, &st))
            continue;
        int entry = is_entry(files.items[i]);
        int download = !strncmp(files.items[i], "gcs-downloads/", 14);
        if (remove_them && !entry && !download)
            continue;
        if (remove_them && unlink(path)) {
            rc = mlac_errf(err, MLAC_EIO, "cache: cannot remove '%s': %s", path, strerror(errno));
            break;
        }
        u->files++;
        u->bytes += (unsigned long long)st.st_size;
        if (entry)
            u->entries++, u->entry_bytes += (unsigned long long)st.st_size;
    }
    strlist_release(&files);
    return rc;
}

int feature_cache_measure(const char *dir, feature_cache_usage *u, mlac_err *err)
{
    return walk(dir, 0, u, err);
}

int feature_cache_clean(const char *dir, feature_cache_usage *removed, mlac_err *err)
{
    return walk(dir, 1, removed, err);
}
