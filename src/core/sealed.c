/* sealed.c — the sealed binary container (see sealed.h): little-endian puts and bounded gets. */
#include "core/sealed.h"

#include <string.h>

#include "core/hash.h"

static void le_store(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le_load(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_le(sealed_writer *w, uint64_t v, int bytes)
{
    unsigned char p[8];
    le_store(p, v, bytes);
    sealed_put_bytes(w, p, (size_t)bytes);
}

void sealed_write_begin(sealed_writer *w, const char magic[8], uint32_t version, size_t max, mlac_err *err)
{
    buf_init(&w->b, max);
    w->rc = MLAC_OK;
    w->err = err;
    sealed_put_bytes(w, magic, 8);
    sealed_put_u32(w, version);
}

void sealed_put_bytes(sealed_writer *w, const void *p, size_t n)
{
    if (!w->rc && n)
        w->rc = buf_append(&w->b, p, n, w->err);
}

void sealed_put_u32(sealed_writer *w, uint32_t v)
{
    put_le(w, v, 4);
}

void sealed_put_u64(sealed_writer *w, uint64_t v)
{
    put_le(w, v, 8);
}

void sealed_put_f64(sealed_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    put_le(w, bits, 8);
}

void sealed_put_f64s(sealed_writer *w, const double *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sealed_put_bytes(w, v, n * sizeof *v);
#else
    for (size_t i = 0; i < n; i++)
        sealed_put_f64(w, v[i]);
#endif
}

void sealed_put_f32s(sealed_writer *w, const float *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sealed_put_bytes(w, v, n * sizeof *v);
#else
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        put_le(w, bits, 4);
    }
#endif
}

int sealed_write_end(sealed_writer *w, buf *out)
{
    if (!w->rc) {
        unsigned char sum[SEALED_SUM];
        hash_sha256(w->b.data, w->b.len, sum);
        sealed_put_bytes(w, sum, SEALED_SUM);
    }
    if (!w->rc)
        w->rc = buf_append(out, w->b.data, w->b.len, w->err);
    buf_release(&w->b);
    return w->rc;
}

int sealed_read_begin(sealed_reader *r, const void *data, size_t n, const char magic[8], uint32_t *version,
                      const char *what, mlac_err *err)
{
    memset(r, 0, sizeof *r);
    const unsigned char *p = data;
    if (!p || n < SEALED_HEADER + SEALED_SUM || memcmp(p, magic, 8) != 0)
        return mlac_errf(err, MLAC_EFORMAT, "not a %s (bad magic or too short: %zu bytes)", what, n);
    unsigned char sum[SEALED_SUM];
    hash_sha256(p, n - SEALED_SUM, sum);
    if (memcmp(sum, p + n - SEALED_SUM, SEALED_SUM) != 0)
        return mlac_errf(err, MLAC_EFORMAT, "%s is truncated or corrupt (checksum mismatch)", what);
    r->p = p;
    r->n = n - SEALED_SUM;
    r->off = 8;
    *version = sealed_get_u32(r);
    return MLAC_OK;
}

/* The next bytes bytes, or NULL (and short_read) when fewer are left. */
static const unsigned char *take(sealed_reader *r, size_t bytes)
{
    if (r->short_read || r->n - r->off < bytes) {
        r->short_read = 1;
        return NULL;
    }
    const unsigned char *p = r->p + r->off;
    r->off += bytes;
    return p;
}

static uint64_t get_le(sealed_reader *r, int bytes)
{
    const unsigned char *p = take(r, (size_t)bytes);
    return p ? le_load(p, bytes) : 0;
}

uint32_t sealed_get_u32(sealed_reader *r)
{
    return (uint32_t)get_le(r, 4);
}

int32_t sealed_get_i32(sealed_reader *r)
{
    return (int32_t)sealed_get_u32(r);
}

uint64_t sealed_get_u64(sealed_reader *r)
{
    return get_le(r, 8);
}

double sealed_get_f64(sealed_reader *r)
{
    uint64_t bits = get_le(r, 8);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

void sealed_get_bytes(sealed_reader *r, void *out, size_t n)
{
    const unsigned char *p = take(r, n);
    if (p)
        memcpy(out, p, n);
    else if (n)
        memset(out, 0, n);
}

void sealed_get_f64s(sealed_reader *r, double *out, size_t n)
{
    if (n > (r->n - r->off) / 8) {
        r->short_read = 1;
        memset(out, 0, n * sizeof *out);
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sealed_get_bytes(r, out, n * sizeof *out);
#else
    for (size_t i = 0; i < n; i++)
        out[i] = sealed_get_f64(r);
#endif
}

void sealed_get_f32s(sealed_reader *r, float *out, size_t n)
{
    if (n > (r->n - r->off) / 4) {
        r->short_read = 1;
        memset(out, 0, n * sizeof *out);
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sealed_get_bytes(r, out, n * sizeof *out);
#else
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = sealed_get_u32(r);
        memcpy(&out[i], &bits, 4);
    }
#endif
}

size_t sealed_remaining(const sealed_reader *r)
{
    return r->short_read ? 0 : r->n - r->off;
}

int sealed_read_end(const sealed_reader *r, const char *what, mlac_err *err)
{
    if (r->short_read)
        return mlac_errf(err, MLAC_EFORMAT, "%s is shorter than its header declares", what);
    if (r->off != r->n)
        return mlac_errf(err, MLAC_EFORMAT, "%s has %zu unexpected trailing bytes", what, r->n - r->off);
    return MLAC_OK;
}
