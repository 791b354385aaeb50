/* chart_model.h — the geometry of the headline chart (ROC-AUC against training size, one line
 * per model, 95% interval error bars), shared by the SVG and PNG writers so both draw the same
 * picture.
 *
 * Coordinates are points (1/72 inch) from the top-left corner of a CHART_WIDTH x CHART_HEIGHT
 * canvas. The documented scale (the tests recompute coordinates from it):
 *   plot area   x0 = CHART_LEFT, x1 = CHART_WIDTH - CHART_RIGHT,
 *               y0 = CHART_TOP,  y1 = CHART_HEIGHT - CHART_BOTTOM
 *   y (AUC v)   y = y1 - (v - ymin) / (1 - ymin) * (y1 - y0 - CHART_HEADROOM), ymax = 1, so
 *               AUC 1.0 sits CHART_HEADROOM below the frame instead of on it,
 *               ymin = min(0.5, floor(10 * lowest) / 10) clamped to >= 0, where lowest is the
 *               smallest finite mean or interval end drawn
 *   x (size n)  L(n) = log10(n) on a log axis, n on a linear one;
 *               d0 = L(nmin) - pad, d1 = L(nmax) + pad, pad = CHART_PAD_FRAC (L(nmax) - L(nmin)),
 *               or, with a single size, 0.25 (log) / max(1, nmin / 2) (linear);
 *               x = x0 + (L(n) - d0) / (d1 - d0) * (x1 - x0) + dodge,
 *               dodge = step * (k - (K - 1) / 2) for the k-th of the K models drawn
 *               (models in palette order), step = min(CHART_DODGE, g / K) where g is the
 *               smallest x distance between two sizes: with room, markers at one size sit
 *               CHART_DODGE apart, more than the widest marker (2 x 1.25 x 0.866 CHART_MARKER_R),
 *               so seven models' points and error bars at one size do not hide each other
 *               (each model also has its own colour, marker and dash: palette.h)
 *   axis kind   log when nmax >= CHART_LOG_RATIO * nmin (chart_default_log), unless asked
 *   error bar   a vertical segment from y(ci_lo) to y(ci_hi) at the marker's x, with caps
 *               CHART_CAP wide; none when the interval is unknown (one fold and no DeLong)
 * The external test set's mean AUC (--test-data) and the recording-level one (--group-score), when
 * the run has them, are drawn per model beside the cross-validated curve: thin dotted (external)
 * and dash-dot (recording level) lines with small open markers at the same x, in the model's colour.
 * A size whose tasks all failed gets a cross at the bottom of the plot instead of a point;
 * a capped size gets an open marker.
 */
#ifndef MLAC_REPORT_CHART_MODEL_H
#define MLAC_REPORT_CHART_MODEL_H

#include <stddef.h>
#include "core/error.h"
#include "report/report_data.h"

#define CHART_WIDTH 540.0
#define CHART_HEIGHT 340.0
#define CHART_LEFT 60.0
#define CHART_RIGHT 152.0
#define CHART_TOP 40.0
#define CHART_BOTTOM 66.0
#define CHART_HEADROOM 6.0
#define CHART_PAD_FRAC 0.06
#define CHART_DODGE 8.0
#define CHART_CAP 6.0
#define CHART_MARKER_R 3.6
#define CHART_LOG_RATIO 5.0
#define CHART_LEGEND_DY 17.0
#define CHART_FIT_POINTS 48
#define CHART_MAX_TICKS 40

typedef struct chart_point {
    const report_cell *cell; /* borrowed from the run */
    double x, y;             /* marker centre */
    double y_lo, y_hi;       /* error bar ends; NAN when there is no interval */
    char tip[512];           /* plain-text hover text: mean, interval, n, folds (room for the longest) */
} chart_point;

typedef struct chart_series {
    int model;               /* index into run->models */
    const char *name;        /* borrowed */
    unsigned rgb;            /* palette colour */
    char hex[8];
    int marker;              /* enum palette_marker */
    int dashed;
    chart_point *pts;        /* (n_pts,) sizes with a finite mean, ascending n */
    size_t n_pts;
    double *failed_x;        /* (n_failed,) x of sizes whose tasks all failed */
    size_t n_failed;
    int failed_tasks, tasks; /* over the species, for the legend */
    double legend_y;         /* centre of its legend row */
    char legend_label[48];   /* name, shortened to fit */
    char legend_sub[48];     /* "2 of 9 tasks failed", or "" */
    double *extra_x[2], *extra_y[2]; /* (n_extra[x],) the external [0] and recording-level [1] mean
                                      * AUC at each size that has one (report_cell.extra_mean) */
    size_t n_extra[2];
    int has_fit;             /* a learning-curve fit (curves.csv) to draw on request */
    double fit_x[CHART_FIT_POINTS], fit_y[CHART_FIT_POINTS];
} chart_series;

typedef struct chart_tick {
    double value, pos;       /* data value and its x or y */
    char label[24];
    int show_label;          /* 0 when too close to the previous label */
} chart_tick;

typedef struct chart_model {
    double width, height;
    double x0, x1, y0, y1;   /* plot area */
    int xlog;
    double xd0, xd1;         /* x domain in L(n) units */
    double dodge;            /* x step between the models at one size */
    double ymin, ymax;
    chart_tick xt[CHART_MAX_TICKS], yt[CHART_MAX_TICKS];
    size_t n_xt, n_yt;
    chart_series *series;    /* (n_series,) */
    size_t n_series;
    double legend_x, legend_y; /* first legend row: line start x, baseline-centre y */
    char title[320];
    char xlabel[96], ylabel[64];
    char note[320];          /* the caption line under the axis: what the error bars are */
    int has_data;            /* 0 when no size has a finite mean (everything failed) */
} chart_model;

/* Builds the chart of one species; xlog: 1 log, 0 linear, -1 chart_default_log. */
int chart_build(const report_run *r, int species, int xlog, chart_model *out, mlac_err *err);
void chart_release(chart_model *c);

int chart_default_log(const long *sizes, size_t k);
/* Vertices of a polygon marker (square, triangles, diamond) of radius r around (cx, cy) into
 * xy (x0, y0, x1, y1, ...; room for 8 values); returns the vertex count, 0 for a circle. */
int chart_marker_polygon(int marker, double cx, double cy, double r, double *xy);

#endif
