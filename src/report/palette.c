/* palette.c — model colours and markers (see palette.h). */
#include "report/palette.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const registry[] = {"random_forest", "svm", "vgg", "mobilenet", "resnet", "birdnet", "perch"};
#define N_REGISTRY (sizeof registry / sizeof registry[0])

/* Okabe-Ito, in the order the registry takes them; the eighth (yellow, #F0E442) is darkened to
 * #C9B800 so that a line in it stays visible on white. */
static const unsigned okabe_ito[8] = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00,
                                      0xCC79A7, 0x56B4E9, 0x000000, 0xC9B800};

int palette_registry_rank(const char *model)
{
    for (size_t i = 0; i < N_REGISTRY; i++)
        if (!strcmp(model, registry[i]))
            return (int)i;
    return -1;
}

static int cmp_models(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = palette_registry_rank(x), ry = palette_registry_rank(y);
    if (rx >= 0 && ry >= 0)
        return rx - ry;
    if (rx >= 0 || ry >= 0)
        return rx >= 0 ? -1 : 1;
    return strcmp(x, y);
}

void palette_sort_models(strlist *models)
{
    if (models->n > 1)
        qsort(models->items, models->n, sizeof *models->items, cmp_models);
}

palette_style palette_for(const strlist *models, size_t i)
{
    palette_style s;
    int rank = palette_registry_rank(models->items[i]);
    size_t slot = (size_t)rank;
    if (rank < 0) {
        size_t others = 0; /* other models before this one */
        for (size_t j = 0; j < i; j++)
            others += palette_registry_rank(models->items[j]) < 0;
        slot = N_REGISTRY + others;
    }
    s.rgb = okabe_ito[slot % 8];
    s.marker = (int)(slot % MARK_COUNT);
    s.dashed = slot >= 8;
    snprintf(s.hex, sizeof s.hex, "#%06x", s.rgb);
    return s;
}
