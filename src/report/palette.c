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

void palette_sort_models(strlist *models)
{
    model_sort_names(models);
}

palette_style palette_for(const strlist *models, size_t i)
{
    palette_style s;
    int rank = model_rank(models->items[i]);
    size_t slot = (size_t)rank;
    if (rank < 0) {
        size_t others = 0; /* other models before this one */
        for (size_t j = 0; j < i; j++)
            others += model_rank(models->items[j]) < 0;
        slot = model_kind_count() + others;
    }
    s.rgb = okabe_ito[slot % 8];
    s.marker = (int)(slot % MARK_COUNT);
    s.dashed = slot >= 8;
    snprintf(s.hex, sizeof s.hex, "#%06x", s.rgb);
    return s;
}
