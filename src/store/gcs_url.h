/* gcs_url.h — gs:// URIs, object-name checks and the JSON API's URLs.
 *
 * Object names go into URL paths and query values percent-encoded byte by byte (RFC 3986
 * unreserved characters stay; everything else, '/' included, becomes %XX), as Google's
 * clients do: "a b/c#?.wav" -> "a%20b%2Fc%23%3F.wav"; UTF-8 bytes are encoded one by one.
 */
#ifndef MLAC_STORE_GCS_URL_H
#define MLAC_STORE_GCS_URL_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define GCS_BUCKET_MAX 222
#define GCS_OBJECT_MAX 1024 /* bytes of UTF-8, Google's limit */

/* Splits "gs://bucket/prefix/" into bucket and prefix (no leading or trailing '/'). */
int gcs_uri_parse(const char *uri, char bucket[GCS_BUCKET_MAX + 1], char *prefix, size_t prefix_size,
                  mlac_err *err);
/* Checks Google's rules for a bucket name (3..222 of a-z 0-9 - _ ., starts/ends alphanumeric). */
int gcs_bucket_check(const char *bucket, mlac_err *err);
/* Checks an object name: 1..1024 bytes, valid UTF-8, no CR/LF, not "." or "..". */
int gcs_object_check(const char *name, mlac_err *err);

/* Appends s percent-encoded (see above). */
int gcs_url_escape(buf *out, const char *s, mlac_err *err);
/* "{endpoint}/storage/v1/b/{bucket}/o/{object}" (object NULL: ".../o", the listing). */
int gcs_url_object(buf *out, const char *endpoint, const char *bucket, const char *object, mlac_err *err);
/* "{endpoint}/upload/storage/v1/b/{bucket}/o?uploadType={type}&name={object}" */
int gcs_url_upload(buf *out, const char *endpoint, const char *bucket, const char *type, const char *object,
                   mlac_err *err);
/* Appends "?key=value" or "&key=value" with value escaped. */
int gcs_url_param(buf *out, const char *key, const char *value, mlac_err *err);
int gcs_url_param_ll(buf *out, const char *key, long long value, mlac_err *err);

#endif
