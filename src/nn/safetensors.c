/* safetensors.c — the safetensors reader/writer and the name-based mapping onto a network
 * (see safetensors.h). Reference: https://github.com/huggingface/safetensors (format section).
 */
#include "nn/safetensors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int size;
} dtypes[] = {[ST_F32] = {"F32", 4}, [ST_F64] = {"F64", 8}, [ST_F16] = {"F16", 2},
              [ST_BF16] = {"BF16", 2}, [ST_I64] = {"I64", 8}, [ST_I32] = {"I32", 4},
              [ST_I16] = {"I16", 2}, [ST_I8] = {"I8", 1}, [ST_U8] = {"U8", 1}, [ST_BOOL] = {"BOOL", 1}};

static int dtype_parse(const char *s)
{
    for (int i = 0; i < (int)(sizeof dtypes / sizeof *dtypes); i++)
        if (strcmp(s, dtypes[i].name) == 0)
            return i;
    return -1;
}

void safetensors_release(safetensors *st)
{
    if (!st)
        return;
    json_decref(st->header);
    free(st->t);
    memset(st, 0, sizeof *st);
}

static int cmp_begin(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static int parse_entry(const char *key, json_t *v, size_t data_len, st_tensor *t, const char *name,
                       mlac_err *err)
{
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape");
    json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_object(v) || !json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) ||
        json_array_size(offs) != 2)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' needs dtype, shape and data_offsets",
                         name, key);
    t->name = key;
    if ((t->dtype = dtype_parse(json_string_value(dt))) < 0)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' has unknown dtype '%s'", name, key,
                         json_string_value(dt));
    if (json_array_size(shape) > ST_MAX_DIMS)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' has more than %d dimensions", name,
                         key, ST_MAX_DIMS);
    t->ndim = (int)json_array_size(shape);
    size_t count = 1;
    for (int d = 0; d < t->ndim; d++) {
        json_t *e = json_array_get(shape, (size_t)d);
        if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > (1ll << 40))
            return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' has a bad shape", name, key);
        t->shape[d] = json_integer_value(e);
        if (t->shape[d] && count > SIZE_MAX / 16 / (size_t)t->shape[d])
            return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' is too large", name, key);
        count *= (size_t)t->shape[d];
    }
    t->count = count;
    json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
    if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b) ||
        (unsigned long long)json_integer_value(e) > data_len)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' has data_offsets outside the %zu data bytes",
                         name, key, data_len);
    t->begin = (size_t)json_integer_value(b);
    t->end = (size_t)json_integer_value(e);
    if (t->end - t->begin != count * (size_t)dtypes[t->dtype].size)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': tensor '%s' has %zu bytes, its shape needs %zu",
                         name, key, t->end - t->begin, count * (size_t)dtypes[t->dtype].size);
    return MLAC_OK;
}

int safetensors_parse(const void *bytes, size_t n, const char *name, safetensors *st, mlac_err *err)
{
    memset(st, 0, sizeof *st);
    const unsigned char *p = bytes;
    if (n < 8)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' is not a safetensors file: %zu bytes", name, n);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | p[i];
    if (hlen > ST_MAX_HEADER || hlen > n - 8 || hlen < 2)
        return mlac_errf(err, MLAC_EFORMAT, "'%s': header length %llu does not fit the %zu-byte file",
                         name, (unsigned long long)hlen, n);
    json_error_t je;
    st->header = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (!st->header || !json_is_object(st->header)) {
        safetensors_release(st);
        return mlac_errf(err, MLAC_EFORMAT, "'%s': header is not a JSON object%s%s", name,
                         st->header ? "" : ": ", st->header ? "" : je.text);
    }
    st->data = p + 8 + hlen;
    st->data_len = n - 8 - (size_t)hlen;
    size_t cap = json_object_size(st->header);
    st->t = calloc(cap ? cap : 1, sizeof(st_tensor));
    if (!st->t) {
        safetensors_release(st);
        return mlac_errf(err, MLAC_ENOMEM, "'%s': out of memory", name);
    }
    const char *key;
    json_t *v;
    int rc = MLAC_OK;
    json_object_foreach(st->header, key, v) {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(v)) {
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s': __metadata__ is not an object", name);
                break;
            }
            st->metadata = v;
            continue;
        }
        if ((rc = parse_entry(key, v, st->data_len, &st->t[st->n], name, err)))
            break;
        st->n++;
    }
    if (!rc && st->n > 1) { /* no overlaps */
        st_tensor *sorted = malloc(st->n * sizeof *sorted);
        if (!sorted) {
            rc = mlac_errf(err, MLAC_ENOMEM, "'%s': out of memory", name);
        } else {
            memcpy(sorted, st->t, st->n * sizeof *sorted);
            qsort(sorted, st->n, sizeof *sorted, cmp_begin);
            for (size_t i = 1; i < st->n && !rc; i++)
                if (sorted[i].begin < sorted[i - 1].end)
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s': tensors '%s' and '%s' overlap", name,
                                   sorted[i - 1].name, sorted[i].name);
            free(sorted);
        }
    }
    if (rc)
        safetensors_release(st);
    return rc;
}

const st_tensor *safetensors_find(const safetensors *st, const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->t[i].name, name) == 0)
            return &st->t[i];
    return NULL;
}

static float half_to_float(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    float v;
    if (e == 0)
        v = ldexpf((float)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexpf((float)(m | 1024), e - 25);
    return s ? -v : v;
}

int safetensors_read_f32(const safetensors *st, const st_tensor *t, float *dst, mlac_err *err)
{
    const unsigned char *p = st->data + t->begin;
    for (size_t i = 0; i < t->count; i++) {
        switch (t->dtype) {
        case ST_F32: {
            uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                         (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
            memcpy(&dst[i], &u, 4);
            break;
        }
        case ST_F64: {
            uint64_t u = 0;
            for (int k = 7; k >= 0; k--)
                u = (u << 8) | p[8 * i + (size_t)k];
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
            break;
        }
        case ST_F16:
            dst[i] = half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
            break;
        case ST_BF16: {
            uint32_t u = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
            memcpy(&dst[i], &u, 4);
            break;
        }
        default:
            return mlac_errf(err, MLAC_EFORMAT, "tensor '%s' is %s, not floating point", t->name,
                             dtypes[t->dtype].name);
        }
    }
    return MLAC_OK;
}

/* json_dump_callback's writer: appends to a buf (failure sticky there). */
static int dump_to_buf(const char *s, size_t n, void *b)
{
    return buf_append(b, s, n, NULL) ? -1 : 0;
}

int safetensors_write_net(buf *out, const nn_net *net, json_t *metadata, mlac_err *err)
{
    json_t *h = json_object();
    int rc = MLAC_OK;
    char *text = NULL;
    if (!h)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory writing safetensors");
    /* Every insertion is checked: jansson drops an entry it cannot allocate, and a header
     * missing a tensor would be saved as a smaller, different model with success. */
    int bad = metadata && json_object_set(h, "__metadata__", metadata);
    size_t off = 0;
    for (int i = 0; i < net->n_params && !bad; i++) {
        const nn_param *p = &net->pinfo[i];
        json_t *shape = json_array();
        for (int d = 0; d < p->ndim && shape && !bad; d++)
            bad = json_array_append_new(shape, json_integer(p->shape[d]));
        if (!shape || bad) {
            json_decref(shape);
            bad = 1;
            break;
        }
        bad = json_object_set_new(h, p->name,
                                  json_pack("{s:s, s:o, s:[I, I]}", "dtype", "F32", "shape", shape,
                                            "data_offsets", (json_int_t)off,
                                            (json_int_t)(off + 4 * p->count)));
        off += 4 * p->count;
    }
    if (bad) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory writing safetensors");
        goto out;
    }
    /* Dumped through a buf, not json_dumps: jansson 2.14 ignores a failed write of an object key
     * (its own buffer could not grow) and returns a header missing the key; a buf's failure is
     * sticky, so one lost piece fails the whole header. */
    buf hb;
    buf_init(&hb, 0);
    if (json_dump_callback(h, dump_to_buf, &hb, JSON_COMPACT | JSON_PRESERVE_ORDER) || hb.failed || !hb.data) {
        buf_release(&hb);
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory writing safetensors");
        goto out;
    }
    text = buf_detach(&hb, NULL);
    size_t hl = strlen(text), pad = (8 - hl % 8) % 8;
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)(hl + pad) >> (8 * i));
    if ((rc = buf_append(out, len8, 8, err)) || (rc = buf_append(out, text, hl, err)) ||
        (rc = buf_append(out, "        ", pad, err)))
        goto out;
    for (int i = 0; i < net->n_params && !rc; i++) /* little-endian hosts only (x86-64, arm64) */
        rc = buf_append(out, net->params + net->pinfo[i].off, 4 * net->pinfo[i].count, err);
out:
    free(text);
    json_decref(h);
    return rc;
}

static int shape_matches(const nn_param *p, const st_tensor *t)
{
    if (p->ndim != t->ndim)
        return 0;
    for (int d = 0; d < p->ndim; d++)
        if (p->shape[d] != t->shape[d])
            return 0;
    return 1;
}

int safetensors_load_net(nn_net *net, const safetensors *st, int strict, int *n_loaded,
                         mlac_err *err)
{
    int loaded = 0;
    nn_net_params_changed(net); /* even a failed load may have written some tensors */
    if (strict)
        for (size_t i = 0; i < st->n; i++) {
            const char *nm = st->t[i].name;
            size_t l = strlen(nm);
            if (nn_param_find(net, nm) < 0 && !(l >= 19 && strcmp(nm + l - 19, "num_batches_tracked") == 0))
                return mlac_errf(err, MLAC_EFORMAT, "weights have '%s', which the network does not",
                                 nm);
        }
    for (int i = 0; i < net->n_params; i++) {
        const nn_param *p = &net->pinfo[i];
        const st_tensor *t = safetensors_find(st, p->name);
        if (!t || !shape_matches(p, t)) {
            if (strict)
                return mlac_errf(err, MLAC_EFORMAT, "weights %s '%s' %s", t ? "have" : "lack",
                                 p->name, t ? "with another shape" : "");
            continue;
        }
        if (t->dtype != ST_F32 && t->dtype != ST_F64 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
            if (strict)
                return mlac_errf(err, MLAC_EFORMAT, "weights '%s' are not floating point", p->name);
            continue;
        }
        float *dst = net->params + p->off;
        int rc = safetensors_read_f32(st, t, dst, err);
        if (rc)
            return rc;
        for (size_t j = 0; j < p->count; j++) {
            if (!isfinite(dst[j]))
                return mlac_errf(err, MLAC_EFORMAT, "weights '%s' hold a non-finite value", p->name);
            /* a negative running variance makes 1/sqrt(var + eps) NaN or huge: every clip then
             * scores the same; refuse it rather than train a constant model */
            if (p->role == NN_P_BN_VAR && dst[j] < 0)
                return mlac_errf(err, MLAC_EFORMAT,
                                 "weights '%s' hold a negative BatchNorm running variance (%g at "
                                 "channel %zu)", p->name, (double)dst[j], j);
        }
        loaded++;
    }
    if (n_loaded)
        *n_loaded = loaded;
    return MLAC_OK;
}
