/* svg.h — SVG text of the headline chart (chart_model.h) and the small line charts of the
 * report (ROC curves, training progress).
 *
 * The headline chart's structure, which the tests read: one <g class="series" data-model=M>
 * per model holding one <polyline class="line"> through the marker centres, and per point a
 * <g class="pt" data-tip=...> with the error bar <line class="err" x1 y1 x2 y2> (y1 = lower end,
 * y2 = upper end), two <line class="cap">, then the marker (<circle cx cy> or <polygon>);
 * one <g class="leg" data-model=M> per legend entry. Numbers are printed with 2 decimals.
 */
#ifndef MLAC_REPORT_SVG_H
#define MLAC_REPORT_SVG_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "report/chart_model.h"

/* standalone: 1 for a file of its own (XML declaration, size in pt, <title> tooltips); 0 for
 * inline use in index.html (scales to its container, hover text in data-tip, fit lines). */
int svg_chart(const chart_model *c, int standalone, buf *out, mlac_err *err);

/* A small line chart: x and y axes with fixed domains, one polyline per series. */
typedef struct svg_line {
    const char *name;        /* legend text (escaped here) */
    char hex[8];             /* "#rrggbb" */
    int dashed;
    double opacity;          /* stroke opacity, 0 = 1 */
    const double *x, *y;     /* (n,) */
    size_t n;
    const char *group;       /* data-model of the line, or NULL */
} svg_line;

typedef struct svg_plot {
    const char *title, *xlabel, *ylabel;
    double width, height;    /* pt */
    double xmin, xmax, ymin, ymax;
    double xstep, ystep;     /* tick spacing */
    int diagonal;            /* draw the chance line y = x */
    int legend;              /* 1: a legend box at the lower right */
    const svg_line *lines;
    size_t n_lines;
} svg_plot;

int svg_plot_write(const svg_plot *p, buf *out, mlac_err *err);

#endif
