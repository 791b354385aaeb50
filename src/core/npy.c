/* npy.c — .npy parser and float32 writer (see npy.h). Header limit: 64 KiB. */
#include "core/npy.h"
#include "core/fsutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_shape(const char *h, const char *name, npy_array *out, mlac_err *err)
{
    const char *p = strstr(h, "'shape'");
    if (!p || !(p = strchr(p, '(')))
        return mlac_errf(err, MLAC_EFORMAT, "'%s': npy header has no shape", name);
    p++;
    out->ndim = 0;
    out->count = 1;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        if (*p < '0' || *p > '9')
            return mlac_errf(err, MLAC_EFORMAT, "'%s': bad npy shape", name);
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (out->ndim >= NPY_MAX_DIMS || v > (1ULL << 40))
            return mlac_errf(err, MLAC_EFORMAT, "'%s': npy shape too large", name);
        out->shape[out->ndim++] = (size_t)v;
        if (v && out->count > ((size_t)1 << 40) / v)
            return mlac_errf(err, MLAC_EFORMAT, "'%s': npy shape too large", name);
        out->count *= (size_t)v;
        p = end;
    }
    if (*p != ')')
        return mlac_errf(err, MLAC_EFORMAT, "'%s': unterminated npy shape", name);
    return MLAC_OK;
}

int npy_parse(const void *bytes, size_t n, const char *name, npy_array *out, mlac_err *err)
{
    const unsigned char *b = bytes;
    memset(out, 0, sizeof *out);
    if (n < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' is not a .npy file (bad magic)", name);
    size_t hlen, off;
    if (b[6] == 1) {
        hlen = (size_t)b[8] | ((size_t)b[9] << 8);
        off = 10;
    } else if (b[6] == 2 || b[6] == 3) {
        if (n < 12)
            return mlac_errf(err, MLAC_EFORMAT, "'%s': truncated npy header", name);
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        off = 12;
    } else {
        return mlac_errf(err, MLAC_EFORMAT, "'%s': unsupported npy version %d", name, b[6]);
    }
    if (hlen > 65536 || off + hlen > n)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': npy header length %zu is invalid", name, hlen);
    char h[65537];
    memcpy(h, b + off, hlen);
    h[hlen] = '\0';
    if (strstr(h, "'fortran_order': True"))
        return mlac_errf(err, MLAC_EFORMAT, "'%s': fortran-order npy arrays are not supported", name);
    const char *d = strstr(h, "'descr'");
    if (!d || !(d = strchr(d + 7, '\'')))
        return mlac_errf(err, MLAC_EFORMAT, "'%s': npy header has no dtype", name);
    d++;
    int size, is_float;
    if (!strncmp(d, "<f4", 3)) size = 4, is_float = 1;
    else if (!strncmp(d, "<f8", 3)) size = 8, is_float = 1;
    else if (!strncmp(d, "<i4", 3)) size = 4, is_float = 0;
    else if (!strncmp(d, "<i8", 3)) size = 8, is_float = 0;
    else
        return mlac_errf(err, MLAC_EFORMAT, "'%s': unsupported npy dtype '%.4s'", name, d);
    int rc = parse_shape(h, name, out, err);
    if (rc)
        return rc;
    size_t data_off = off + hlen;
    if ((n - data_off) / (size_t)size < out->count)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': npy data is truncated (%zu values expected)", name,
                         out->count);
    out->data = malloc((out->count ? out->count : 1) * sizeof(double));
    if (!out->data)
        return mlac_errf(err, MLAC_ENOMEM, "'%s': out of memory", name);
    const unsigned char *p = b + data_off;
    for (size_t i = 0; i < out->count; i++, p += size) {
        if (is_float && size == 4) { float v; memcpy(&v, p, 4); out->data[i] = v; }
        else if (is_float) { double v; memcpy(&v, p, 8); out->data[i] = v; }
        else if (size == 4) { int32_t v; memcpy(&v, p, 4); out->data[i] = v; }
        else { int64_t v; memcpy(&v, p, 8); out->data[i] = (double)v; }
    }
    return MLAC_OK;
}

int npy_load(const char *path, npy_array *out, mlac_err *err)
{
    buf b;
    buf_init(&b, (size_t)1 << 32);
    int rc = fs_read_file(path, &b, 0, err);
    if (rc == MLAC_OK)
        rc = npy_parse(b.data, b.len, path, out, err);
    buf_release(&b);
    return rc;
}

void npy_release(npy_array *a)
{
    if (!a)
        return;
    free(a->data);
    a->data = NULL;
}

int npy_write_f32(buf *out, const float *data, int ndim, const size_t *shape, mlac_err *err)
{
    char header[512];
    int len = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        len += snprintf(header + len, sizeof header - (size_t)len, "%zu%s", shape[i],
                        ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
        count *= shape[i];
    }
    len += snprintf(header + len, sizeof header - (size_t)len, "), }");
    /* pad so that magic(6)+version(2)+len(2)+header is a multiple of 64, ending in '\n' */
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hlen = (size_t)len + pad + 1;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    int rc = buf_append(out, pre, 10, err);
    if (!rc) rc = buf_append(out, header, (size_t)len, err);
    for (size_t i = 0; !rc && i < pad; i++)
        rc = buf_append(out, " ", 1, err);
    if (!rc) rc = buf_append(out, "\n", 1, err);
    if (!rc) rc = buf_append(out, data, count * sizeof(float), err);
    return rc;
}
