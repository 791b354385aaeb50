/* gcs_objects.c — parsing object resources and listing pages (see gcs_objects.h).
 * generation and size are int64 values that the JSON API sends as strings. */
#include "store/gcs_objects.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int int64_field(json_t *o, const char *field, long long *out, const char *where, mlac_err *err)
{
    json_t *v = json_object_get(o, field);
    const char *s = json_string_value(v);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else if (s) {
        char *end;
        errno = 0;
        *out = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return mlac_errf(err, MLAC_EFORMAT, "%s: field '%s' is not an integer: '%.40s'", where, field, s);
    } else {
        return mlac_errf(err, MLAC_EFORMAT, "%s: field '%s' is missing", where, field);
    }
    if (*out < 0)
        return mlac_errf(err, MLAC_EFORMAT, "%s: field '%s' is negative", where, field);
    return MLAC_OK;
}

static int object_from_json(json_t *o, const char *where, gcs_object *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!json_is_object(o) || !name)
        return mlac_errf(err, MLAC_EFORMAT, "%s: an object resource has no 'name'", where);
    int rc = int64_field(o, "generation", &out->generation, where, err);
    rc = rc ? rc : int64_field(o, "size", &out->size, where, err);
    if (rc)
        return rc;
    const char *md5 = json_string_value(json_object_get(o, "md5Hash"));
    if (md5 && strlen(md5) < sizeof out->md5)
        strcpy(out->md5, md5);
    out->name = strdup(name);
    return out->name ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "%s: out of memory", where);
}

int gcs_object_parse(const char *json, size_t n, const char *where, gcs_object *out, mlac_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb(json ? json : "", n, 0, &je);
    int rc = doc ? object_from_json(doc, where, out, err)
                 : mlac_errf(err, MLAC_EFORMAT, "%s: the object resource is not JSON: %s", where, je.text);
    json_decref(doc);
    return rc;
}

void gcs_object_release(gcs_object *o)
{
    free(o->name);
    o->name = NULL;
}

int gcs_list_page_parse(const char *json, size_t n, const char *where, gcs_list_page *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    strlist_init(&out->prefixes);
    if (n > GCS_LIST_PAGE_MAX)
        return mlac_errf(err, MLAC_ENOMEM, "%s: a listing page of %zu bytes is over the limit", where, n);
    json_error_t je;
    json_t *doc = json_loadb(json ? json : "", n, 0, &je);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return mlac_errf(err, MLAC_EFORMAT, "%s: the listing is not a JSON object: %s", where, je.text);
    }
    int rc = MLAC_OK;
    json_t *items = json_object_get(doc, "items"), *prefixes = json_object_get(doc, "prefixes");
    json_t *token = json_object_get(doc, "nextPageToken");
    if ((items && !json_is_array(items)) || (prefixes && !json_is_array(prefixes)) ||
        (token && !json_is_string(token))) {
        rc = mlac_errf(err, MLAC_EFORMAT, "%s: 'items', 'prefixes' or 'nextPageToken' has the wrong type", where);
        goto out;
    }
    size_t count = json_array_size(items);
    out->items = calloc(count ? count : 1, sizeof *out->items);
    if (!out->items) {
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory", where);
        goto out;
    }
    for (size_t i = 0; !rc && i < count; i++) {
        rc = object_from_json(json_array_get(items, i), where, &out->items[i], err);
        if (!rc)
            out->n_items++;
    }
    for (size_t i = 0; !rc && i < json_array_size(prefixes); i++) {
        const char *p = json_string_value(json_array_get(prefixes, i));
        rc = p ? strlist_push(&out->prefixes, p, err) : mlac_errf(err, MLAC_EFORMAT, "%s: a prefix is not a string", where);
    }
    if (!rc && token && *json_string_value(token) && !(out->next_token = strdup(json_string_value(token))))
        rc = mlac_errf(err, MLAC_ENOMEM, "%s: out of memory", where);
out:
    json_decref(doc);
    if (rc)
        gcs_list_page_release(out);
    return rc;
}

void gcs_list_page_release(gcs_list_page *p)
{
    for (size_t i = 0; i < p->n_items; i++)
        gcs_object_release(&p->items[i]);
    free(p->items);
    p->items = NULL;
    p->n_items = 0;
    strlist_release(&p->prefixes);
    free(p->next_token);
    p->next_token = NULL;
}
