/* gcs_objects.h — the JSON resources of the GCS API that mlac reads: an object's metadata and
 * one page of an object listing. Parsers check types and sizes and name the field at fault.
 */
#ifndef MLAC_STORE_GCS_OBJECTS_H
#define MLAC_STORE_GCS_OBJECTS_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define GCS_LIST_PAGE_MAX ((size_t)64 << 20) /* bytes of one listing page */

typedef struct gcs_object {
    char *name;           /* owned */
    long long generation; /* > 0 */
    long long size;       /* bytes */
    char md5[32];         /* base64 md5Hash, "" if absent (composite objects have none) */
} gcs_object;

typedef struct gcs_list_page {
    gcs_object *items;   /* (n_items,) */
    size_t n_items;
    strlist prefixes;    /* "folders" when a delimiter was given */
    char *next_token;    /* owned, NULL on the last page */
} gcs_list_page;

/* Parses an object resource ({"name", "generation", "size", "md5Hash", ...}); where names the
 * request for messages. */
int gcs_object_parse(const char *json, size_t n, const char *where, gcs_object *out, mlac_err *err);
void gcs_object_release(gcs_object *o);

int gcs_list_page_parse(const char *json, size_t n, const char *where, gcs_list_page *out, mlac_err *err);
void gcs_list_page_release(gcs_list_page *p);

#endif
