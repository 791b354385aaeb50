/* gcs_url.c — gs:// URI parsing, name checks and JSON API URL building (see gcs_url.h). */
#include "store/gcs_url.h"

#include <stdio.h>
#include <string.h>

int gcs_bucket_check(const char *b, mlac_err *err)
{
    size_t n = strlen(b);
    if (n < 3 || n > GCS_BUCKET_MAX)
        return mlac_errf(err, MLAC_EINVAL, "bucket name '%.80s' must be 3 to 222 characters", b);
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '_' && c != '.')
            return mlac_errf(err, MLAC_EINVAL, "bucket name '%.80s': character '%c' is not allowed "
                             "(lower-case letters, digits, '-', '_', '.')", b, c);
        if (!alnum && (i == 0 || i == n - 1))
            return mlac_errf(err, MLAC_EINVAL, "bucket name '%.80s' must start and end with a letter or digit", b);
    }
    return MLAC_OK;
}

/* Length of the UTF-8 sequence starting at s, or 0 when it is malformed. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

int gcs_object_check(const char *name, mlac_err *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > GCS_OBJECT_MAX)
        return mlac_errf(err, MLAC_EINVAL, "object name '%.80s' must be 1 to 1024 bytes", name);
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return mlac_errf(err, MLAC_EINVAL, "object name '%s' is not allowed", name);
    for (size_t i = 0; i < n;) {
        if (name[i] == '\r' || name[i] == '\n')
            return mlac_errf(err, MLAC_EINVAL, "object name '%.80s' contains a line break", name);
        size_t k = utf8_len((const unsigned char *)name + i);
        if (!k)
            return mlac_errf(err, MLAC_EINVAL, "object name '%.80s' is not valid UTF-8", name);
        i += k;
    }
    return MLAC_OK;
}

int gcs_uri_parse(const char *uri, char bucket[GCS_BUCKET_MAX + 1], char *prefix, size_t prefix_size,
                  mlac_err *err)
{
    if (strncmp(uri, "gs://", 5))
        return mlac_errf(err, MLAC_EINVAL, "'%.200s' is not a gs:// location", uri);
    const char *b = uri + 5, *slash = strchr(b, '/');
    size_t bn = slash ? (size_t)(slash - b) : strlen(b);
    if (bn == 0)
        return mlac_errf(err, MLAC_EINVAL, "'%.200s': no bucket name (use gs://BUCKET/PREFIX)", uri);
    if (bn > GCS_BUCKET_MAX)
        return mlac_errf(err, MLAC_EINVAL, "'%.200s': the bucket name is too long", uri);
    memcpy(bucket, b, bn);
    bucket[bn] = '\0';
    int rc = gcs_bucket_check(bucket, err);
    if (rc)
        return mlac_err_prefix(err, "'%.200s': ", uri);
    const char *p = slash ? slash + 1 : "";
    while (*p == '/')
        p++;
    size_t pn = strlen(p);
    while (pn && p[pn - 1] == '/')
        pn--;
    if (pn >= prefix_size || pn > GCS_OBJECT_MAX)
        return mlac_errf(err, MLAC_EINVAL, "'%.200s': the prefix is too long", uri);
    memcpy(prefix, p, pn);
    prefix[pn] = '\0';
    return MLAC_OK;
}

int gcs_url_escape(buf *out, const char *s, mlac_err *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '.' || c == '_' || c == '~';
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int rc = keep ? buf_append(out, p, 1, err) : buf_append(out, enc, 3, err);
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

int gcs_url_object(buf *out, const char *endpoint, const char *bucket, const char *object, mlac_err *err)
{
    int rc = buf_printf(out, err, "%s/storage/v1/b/", endpoint);
    rc = rc ? rc : gcs_url_escape(out, bucket, err);
    rc = rc ? rc : buf_puts(out, "/o", err);
    if (!rc && object) {
        rc = buf_puts(out, "/", err);
        rc = rc ? rc : gcs_url_escape(out, object, err);
    }
    return rc;
}

int gcs_url_upload(buf *out, const char *endpoint, const char *bucket, const char *type, const char *object,
                   mlac_err *err)
{
    int rc = buf_printf(out, err, "%s/upload/storage/v1/b/", endpoint);
    rc = rc ? rc : gcs_url_escape(out, bucket, err);
    rc = rc ? rc : buf_puts(out, "/o", err);
    rc = rc ? rc : gcs_url_param(out, "uploadType", type, err);
    return rc ? rc : gcs_url_param(out, "name", object, err);
}

int gcs_url_param(buf *out, const char *key, const char *value, mlac_err *err)
{
    int rc = buf_printf(out, err, "%c%s=", out->data && strchr(out->data, '?') ? '&' : '?', key);
    return rc ? rc : gcs_url_escape(out, value, err);
}

int gcs_url_param_ll(buf *out, const char *key, long long value, mlac_err *err)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", value);
    return gcs_url_param(out, key, v, err);
}
