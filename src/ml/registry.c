/* registry.c — the table of model kinds: the one list of models. A new model adds one extern
 * and one row. The order is the order models are shown in (and the report's colour slots). */
#include "ml/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct model_kind model_random_forest;
extern const struct model_kind model_svm;
extern const struct model_kind model_birdnet;
extern const struct model_kind model_perch;
extern const struct model_kind model_vgg;
extern const struct model_kind model_mobilenet;
extern const struct model_kind model_resnet;

static const struct model_kind *const registry[] = {
    &model_random_forest,
    &model_svm,
    &model_vgg,
    &model_mobilenet,
    &model_resnet,
    &model_birdnet,
    &model_perch,
    NULL,
};

const struct model_kind *model_find(const char *name)
{
    for (size_t i = 0; registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const struct model_kind *const *model_all(void)
{
    return registry;
}

size_t model_kind_count(void)
{
    return sizeof registry / sizeof *registry - 1; /* the NULL that ends it */
}

void model_names(char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; registry[i] && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", registry[i]->name);
}

/* The registry index of a name, or -1. */
int model_rank(const char *name)
{
    for (int i = 0; registry[i]; i++)
        if (!strcmp(registry[i]->name, name))
            return i;
    return -1;
}

static int cmp_registry_order(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = model_rank(x), ry = model_rank(y);
    if (rx >= 0 && ry >= 0)
        return rx - ry;
    if (rx >= 0 || ry >= 0)
        return rx >= 0 ? -1 : 1;
    return strcmp(x, y);
}

void model_sort_names(strlist *names)
{
    if (names->n > 1)
        qsort(names->items, names->n, sizeof *names->items, cmp_registry_order);
}
