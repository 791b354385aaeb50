/* palette.h — the colour and marker of each model, the same in every chart of every report.
 *
 * Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for
 * the common colour-vision deficiencies. Known models take a fixed slot in registry order
 * (random_forest, svm, vgg, mobilenet, resnet, birdnet, perch); any other model takes the
 * following slots in the order given (alphabetical in a report), with a dashed line so it stays
 * distinct once the eight colours repeat. Markers differ too, so a chart survives greyscale print.
 */
#ifndef MLAC_REPORT_PALETTE_H
#define MLAC_REPORT_PALETTE_H

#include <stddef.h>
#include "core/buf.h"

enum palette_marker { MARK_CIRCLE = 0, MARK_SQUARE, MARK_TRIANGLE, MARK_DIAMOND, MARK_TRIANGLE_DOWN, MARK_COUNT };

typedef struct palette_style {
    unsigned rgb;  /* 0xRRGGBB */
    char hex[8];   /* "#rrggbb" */
    int marker;    /* enum palette_marker */
    int dashed;    /* 1 for models beyond the registry once colours repeat */
} palette_style;

/* Sorts models into registry order, then the others alphabetically. */
void palette_sort_models(strlist *models);
/* Style of models->items[i] where models is sorted by palette_sort_models. */
palette_style palette_for(const strlist *models, size_t i);

#endif
