/* palette.c — model colours and markers (see palette.h). */
#include "report/palette.h"
#include "ml/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Okabe-Ito, in the order the registry takes them; the eighth (yellow, #F0E442) is darkened to
 * #C9B800 so that a line in it stays visible on white. */
static const unsigned okabe_ito[8] = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00,
                                      0xCC79A7, 0x56B4E9, 0x000000, 0xC9B800};

static int palette_registry_rank(const char *model)
{
    const struct model_kind *const *kinds = model_all();
    for (size_t i = 0; kinds[i]; i++)
        if (!strcmp(model, kinds[i]->name))
            return (int)i;
    return -1;
}

static size_t registry_size(void)
{
    size_t n = 0;
    for (const struct model_kind *const *k = model_all(); *k; k++)
        n++;
    return n;
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
        slot = registry_size() + others;
    }
    s.rgb = okabe_ito[slot % 8];
    s.marker = (int)(slot % MARK_COUNT);
    s.dashed = slot >= 8;
    snprintf(s.hex, sizeof s.hex, "#%06x", s.rgb);
    return s;
}
