/* json_alloc.c — jansson's allocator with a failure flag per thread (see json_alloc.h). */
#include "core/json_alloc.h"

#include <jansson.h>
#include <stdlib.h>

static _Thread_local int failed;

static void *json_alloc_malloc(size_t n)
{
    void *p = malloc(n); /* mlac_malloc: the allocation-failure hook applies */
    if (!p)
        failed = 1;
    return p;
}

void json_alloc_install(void)
{
    json_set_alloc_funcs(json_alloc_malloc, free);
}

void json_alloc_begin(void)
{
    failed = 0;
}

int json_alloc_failed(void)
{
    return failed;
}

char *json_dumps_whole(const json_t *j, size_t flags)
{
    if (!j)
        return NULL;
    char *text = json_dumps(j, flags);
    if (text && failed) {
        free(text);
        return NULL;
    }
    return text;
}
