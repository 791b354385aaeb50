/* svg.c — SVG writers for the headline chart and the small line charts (see svg.h). */
#include "report/svg.h"
#include "report/palette.h"
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"

static int text(buf *b, double x, double y, const char *anchor, double size, const char *extra, const char *s,
                mlac_err *err)
{
    int rc = buf_printf(b, err, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\"%s%s%s %s>", x, y, size,
                        anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "", extra ? extra : "");
    if (!rc)
        rc = report_esc(b, s, err);
    return rc ? rc : buf_puts(b, "</text>\n", err);
}

static int marker(buf *b, int shape, double x, double y, double r, const char *hex, int open, mlac_err *err)
{
    char style[96];
    if (open)
        snprintf(style, sizeof style, "fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.6\"", hex);
    else
        snprintf(style, sizeof style, "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.8\"", hex);
    double xy[8];
    int k = chart_marker_polygon(shape, x, y, r, xy);
    if (!k)
        return buf_printf(b, err, "<circle class=\"mk\" cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" %s/>", x, y, r, style);
    int rc = buf_puts(b, "<polygon class=\"mk\" points=\"", err);
    for (int i = 0; !rc && i < k; i++)
        rc = buf_printf(b, err, "%s%.2f,%.2f", i ? " " : "", xy[2 * i], xy[2 * i + 1]);
    return rc ? rc : buf_printf(b, err, "\" %s/>", style);
}

static int frame(const chart_model *c, buf *b, mlac_err *err)
{
    int rc = buf_printf(b, err, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", c->width, c->height);
    rc = rc ? rc : buf_puts(b, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"0.6\">", err);
    for (size_t i = 0; !rc && i < c->n_yt; i++)
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", c->x0, c->yt[i].pos, c->x1,
                        c->yt[i].pos);
    rc = rc ? rc : buf_puts(b, "</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"0.8\">", err);
    if (!rc)
        rc = buf_printf(b, err, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\"/>", c->x0,
                        c->y0, c->x1 - c->x0, c->y1 - c->y0);
    for (size_t i = 0; !rc && i < c->n_xt; i++)
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", c->xt[i].pos, c->y1,
                        c->xt[i].pos, c->y1 + 4);
    for (size_t i = 0; !rc && i < c->n_yt; i++)
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", c->x0 - 4, c->yt[i].pos,
                        c->x0, c->yt[i].pos);
    rc = rc ? rc : buf_puts(b, "</g>\n<g class=\"ticks\" fill=\"#333333\">", err);
    for (size_t i = 0; !rc && i < c->n_xt; i++)
        if (c->xt[i].show_label)
            rc = text(b, c->xt[i].pos, c->y1 + 15, "middle", 9.5, NULL, c->xt[i].label, err);
    for (size_t i = 0; !rc && i < c->n_yt; i++)
        rc = text(b, c->x0 - 7, c->yt[i].pos + 3.3, "end", 9.5, NULL, c->yt[i].label, err);
    rc = rc ? rc : buf_puts(b, "</g>\n", err);
    if (!rc)
        rc = text(b, c->x0, 22, NULL, 13, "font-weight=\"bold\" fill=\"#111111\"", c->title, err);
    if (!rc)
        rc = text(b, (c->x0 + c->x1) / 2, c->y1 + 33, "middle", 11, "fill=\"#111111\"", c->xlabel, err);
    if (!rc) {
        char rot[96];
        snprintf(rot, sizeof rot, "fill=\"#111111\" transform=\"rotate(-90 %.2f %.2f)\"", 18.0,
                 (c->y0 + c->y1) / 2);
        rc = text(b, 18, (c->y0 + c->y1) / 2, "middle", 11, rot, c->ylabel, err);
    }
    if (!rc)
        rc = text(b, c->x0, c->height - 10, NULL, 8.5, "fill=\"#555555\"", c->note, err);
    return rc;
}

static int point(const chart_series *s, const chart_point *p, int standalone, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<g class=\"pt\" tabindex=\"-1\" data-tip=\"", err);
    rc = rc ? rc : report_esc(b, p->tip, err);
    rc = rc ? rc : buf_puts(b, "\">", err);
    if (!rc && isfinite(p->y_lo)) {
        rc = buf_printf(b, err,
                        "<line class=\"err\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                        "<line class=\"cap\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                        "<line class=\"cap\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>",
                        p->x, p->y_lo, p->x, p->y_hi, p->x - CHART_CAP / 2, p->y_lo, p->x + CHART_CAP / 2, p->y_lo,
                        p->x - CHART_CAP / 2, p->y_hi, p->x + CHART_CAP / 2, p->y_hi);
    }
    rc = rc ? rc : marker(b, s->marker, p->x, p->y, CHART_MARKER_R, s->hex, p->cell->capped, err);
    if (!rc && standalone) {
        rc = buf_puts(b, "<title>", err);
        rc = rc ? rc : report_esc(b, p->tip, err);
        rc = rc ? rc : buf_puts(b, "</title>", err);
    }
    return rc ? rc : buf_puts(b, "</g>\n", err);
}

static int series(const chart_model *c, const chart_series *s, int standalone, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<g class=\"series\" data-model=\"", err);
    rc = rc ? rc : report_esc(b, s->name, err);
    rc = rc ? rc : buf_printf(b, err, "\" stroke=\"%s\" stroke-width=\"1.3\">\n", s->hex);
    if (!rc && !standalone && s->has_fit) {
        rc = buf_printf(b, err, "<polyline class=\"fit\" fill=\"none\" stroke-dasharray=\"2 3\" points=\"");
        for (int i = 0; !rc && i < CHART_FIT_POINTS; i++)
            rc = buf_printf(b, err, "%s%.2f,%.2f", i ? " " : "", s->fit_x[i], s->fit_y[i]);
        rc = rc ? rc : buf_puts(b, "\"/>\n", err);
    }
    rc = rc ? rc : buf_printf(b, err, "<polyline class=\"line\" fill=\"none\" stroke-width=\"1.8\"%s points=\"",
                              s->dashed ? " stroke-dasharray=\"6 3\"" : "");
    for (size_t i = 0; !rc && i < s->n_pts; i++)
        rc = buf_printf(b, err, "%s%.2f,%.2f", i ? " " : "", s->pts[i].x, s->pts[i].y);
    rc = rc ? rc : buf_puts(b, "\"/>\n", err);
    static const char *const extra_dash[2] = {"1.5 2.5", "7 2.5 1.5 2.5"};
    static const char *const extra_class[2] = {"external", "group"};
    for (int x = 0; !rc && x < 2; x++) { /* beside the CV curve: the external and recording-level AUC */
        if (!s->n_extra[x])
            continue;
        rc = buf_printf(b, err, "<g class=\"%s\" data-metric=\"%s\"><polyline fill=\"none\" stroke-width=\"1.1\" "
                        "stroke-dasharray=\"%s\" points=\"", extra_class[x], report_extra_metric[x], extra_dash[x]);
        for (size_t i = 0; !rc && i < s->n_extra[x]; i++)
            rc = buf_printf(b, err, "%s%.2f,%.2f", i ? " " : "", s->extra_x[x][i], s->extra_y[x][i]);
        rc = rc ? rc : buf_puts(b, "\"/>", err);
        for (size_t i = 0; !rc && i < s->n_extra[x]; i++)
            rc = buf_printf(b, err, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.2\" fill=\"#ffffff\"/>", s->extra_x[x][i],
                            s->extra_y[x][i]);
        rc = rc ? rc : buf_puts(b, "</g>\n", err);
    }
    for (size_t i = 0; !rc && i < s->n_pts; i++)
        rc = point(s, &s->pts[i], standalone, b, err);
    for (size_t i = 0; !rc && i < s->n_failed; i++) { /* a cross where every task failed */
        double x = s->failed_x[i], y = c->y1 - 7, h = 3.5;
        rc = buf_puts(b, "<g class=\"failed\" data-tip=\"", err);
        rc = rc ? rc : report_esc(b, s->name, err);
        rc = rc ? rc : buf_printf(b, err,
                                  ": all tasks failed at this size\">"
                                  "<path d=\"M%.2f,%.2f L%.2f,%.2f M%.2f,%.2f L%.2f,%.2f\" stroke-width=\"1.8\"/>",
                                  x - h, y - h, x + h, y + h, x - h, y + h, x + h, y - h);
        if (!rc && standalone) {
            rc = buf_puts(b, "<title>", err);
            rc = rc ? rc : report_esc(b, s->name, err);
            rc = rc ? rc : buf_puts(b, ": all tasks failed at this size</title>", err);
        }
        rc = rc ? rc : buf_puts(b, "</g>\n", err);
    }
    return rc ? rc : buf_puts(b, "</g>\n", err);
}

static int legend(const chart_model *c, const chart_series *s, int standalone, buf *b, mlac_err *err)
{
    double x = c->legend_x, y = s->legend_y;
    int rc = buf_puts(b, "<g class=\"leg\" data-model=\"", err);
    rc = rc ? rc : report_esc(b, s->name, err);
    rc = rc ? rc : buf_printf(b, err, "\"%s>", standalone ? "" : " tabindex=\"0\" role=\"button\"");
    if (!standalone)
        rc = rc ? rc : buf_printf(b, err, "<rect class=\"hit\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                                          "fill=\"transparent\"/>",
                                  x - 4, y - 8, c->width - x, CHART_LEGEND_DY - 1 + (s->legend_sub[0] ? 10 : 0));
    rc = rc ? rc : buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                                      "stroke-width=\"1.8\"%s/>",
                              x, y, x + 22, y, s->hex, s->dashed ? " stroke-dasharray=\"6 3\"" : "");
    rc = rc ? rc : marker(b, s->marker, x + 11, y, CHART_MARKER_R, s->hex, 0, err);
    rc = rc ? rc : text(b, x + 28, y + 3.5, NULL, 10, "fill=\"#111111\"", s->legend_label, err);
    if (!rc && s->legend_sub[0])
        rc = text(b, x + 28, y + 13.5, NULL, 8, "fill=\"#b00020\"", s->legend_sub, err);
    return rc ? rc : buf_puts(b, "</g>\n", err);
}

int svg_chart(const chart_model *c, int standalone, buf *out, mlac_err *err)
{
    int rc = MLAC_OK;
    if (standalone)
        rc = buf_printf(out, err,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0fpt\" height=\"%.0fpt\" "
                        "viewBox=\"0 0 %.0f %.0f\" font-family=\"%s\">\n",
                        c->width, c->height, c->width, c->height, FONT);
    else
        rc = buf_printf(out, err,
                        "<svg class=\"lc\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                        "font-family=\"%s\" role=\"img\" aria-label=\"",
                        c->width, c->height, FONT);
    if (!rc && !standalone) {
        rc = report_esc(out, c->title, err);
        rc = rc ? rc : buf_puts(out, "\">\n", err);
    }
    if (!rc && standalone) {
        rc = buf_puts(out, "<title>", err);
        rc = rc ? rc : report_esc(out, c->title, err);
        rc = rc ? rc : buf_puts(out, "</title>\n", err);
    }
    rc = rc ? rc : frame(c, out, err);
    if (!rc && !c->has_data)
        rc = text(out, (c->x0 + c->x1) / 2, (c->y0 + c->y1) / 2, "middle", 12, "fill=\"#b00020\"",
                  "no finished task: nothing to plot", err);
    for (size_t i = 0; !rc && i < c->n_series; i++)
        rc = series(c, &c->series[i], standalone, out, err);
    for (size_t i = 0; !rc && i < c->n_series; i++)
        rc = legend(c, &c->series[i], standalone, out, err);
    return rc ? rc : buf_puts(out, "</svg>\n", err);
}

/* ---- small line charts ---- */

#define PL 50.0 /* plot margins of svg_plot, pt */
#define PR 12.0
#define PT 28.0
#define PB 40.0

static double sx(const svg_plot *p, double x)
{
    return PL + (x - p->xmin) / (p->xmax - p->xmin) * (p->width - PL - PR);
}

static double sy(const svg_plot *p, double y)
{
    return p->height - PB - (y - p->ymin) / (p->ymax - p->ymin) * (p->height - PT - PB);
}

static int plot_axes(const svg_plot *p, buf *b, mlac_err *err)
{
    double x0 = PL, x1 = p->width - PR, y0 = PT, y1 = p->height - PB;
    int rc = buf_printf(b, err, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", p->width, p->height);
    rc = rc ? rc : buf_puts(b, "<g stroke=\"#e3e3e3\" stroke-width=\"0.6\">", err);
    int ny = (int)floor((p->ymax - p->ymin) / p->ystep + 1e-9), nx = (int)floor((p->xmax - p->xmin) / p->xstep + 1e-9);
    for (int i = 0; !rc && i <= ny; i++)
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", x0,
                        sy(p, p->ymin + i * p->ystep), x1, sy(p, p->ymin + i * p->ystep));
    rc = rc ? rc : buf_puts(b, "</g>\n", err);
    if (!rc && p->diagonal)
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#999999\" "
                                "stroke-dasharray=\"3 3\" stroke-width=\"0.8\"/>\n",
                        sx(p, p->xmin), sy(p, p->ymin), sx(p, p->xmax), sy(p, p->ymax));
    rc = rc ? rc : buf_printf(b, err, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                                      "stroke=\"#333333\" stroke-width=\"0.8\"/>\n<g fill=\"#333333\">",
                              x0, y0, x1 - x0, y1 - y0);
    char label[32];
    for (int i = 0; !rc && i <= nx; i++) {
        double v = p->xmin + i * p->xstep;
        snprintf(label, sizeof label, p->xstep < 1 ? "%.1f" : "%.0f", v);
        rc = text(b, sx(p, v), y1 + 13, "middle", 8.5, NULL, label, err);
    }
    for (int i = 0; !rc && i <= ny; i++) {
        double v = p->ymin + i * p->ystep;
        snprintf(label, sizeof label, p->ystep < 0.1 ? "%.2f" : p->ystep < 1 ? "%.1f" : "%.0f", v);
        rc = text(b, x0 - 5, sy(p, v) + 3, "end", 8.5, NULL, label, err);
    }
    rc = rc ? rc : buf_puts(b, "</g>\n", err);
    rc = rc ? rc : text(b, x0, 17, NULL, 11, "font-weight=\"bold\" fill=\"#111111\"", p->title, err);
    rc = rc ? rc : text(b, (x0 + x1) / 2, p->height - 10, "middle", 9.5, "fill=\"#111111\"", p->xlabel, err);
    if (!rc) {
        char rot[96];
        snprintf(rot, sizeof rot, "fill=\"#111111\" transform=\"rotate(-90 14 %.2f)\"", (y0 + y1) / 2);
        rc = text(b, 14, (y0 + y1) / 2, "middle", 9.5, rot, p->ylabel, err);
    }
    return rc;
}

static int plot_legend(const svg_plot *p, buf *b, mlac_err *err)
{
    size_t rows = 0, longest = 0;
    for (size_t i = 0; i < p->n_lines; i++)
        if (p->lines[i].name) {
            rows++;
            size_t len = strlen(p->lines[i].name);
            longest = len > longest ? len : longest;
        }
    if (!rows)
        return MLAC_OK;
    double w = 30 + 5.4 * (double)longest, h = 6 + 12.0 * (double)rows;
    double x = p->width - PR - w - 6, y = p->height - PB - h - 6;
    int rc = buf_printf(b, err, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#ffffff\" "
                                "fill-opacity=\"0.9\" stroke=\"#cccccc\" stroke-width=\"0.6\"/>\n",
                        x, y, w, h);
    double yy = y + 12;
    for (size_t i = 0; !rc && i < p->n_lines; i++) {
        const svg_line *l = &p->lines[i];
        if (!l->name)
            continue;
        rc = buf_printf(b, err, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                                "stroke-width=\"2\"%s/>",
                        x + 6, yy - 3, x + 24, yy - 3, l->hex, l->dashed ? " stroke-dasharray=\"5 3\"" : "");
        rc = rc ? rc : text(b, x + 28, yy, NULL, 8.5, "fill=\"#111111\"", l->name, err);
        yy += 12;
    }
    return rc;
}

int svg_plot_write(const svg_plot *p, buf *out, mlac_err *err)
{
    int rc = buf_printf(out, err,
                        "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                        "font-family=\"%s\" role=\"img\" aria-label=\"",
                        p->width, p->height, FONT);
    rc = rc ? rc : report_esc(out, p->title, err);
    rc = rc ? rc : buf_puts(out, "\">\n", err);
    rc = rc ? rc : plot_axes(p, out, err);
    for (size_t i = 0; !rc && i < p->n_lines; i++) {
        const svg_line *l = &p->lines[i];
        rc = buf_puts(out, "<polyline fill=\"none\" stroke-width=\"1.6\"", err);
        if (!rc && l->group) {
            rc = buf_puts(out, " data-model=\"", err);
            rc = rc ? rc : report_esc(out, l->group, err);
            rc = rc ? rc : buf_puts(out, "\"", err);
        }
        rc = rc ? rc : buf_printf(out, err, " stroke=\"%s\" stroke-opacity=\"%.2f\"%s points=\"", l->hex,
                                  l->opacity > 0 ? l->opacity : 1.0, l->dashed ? " stroke-dasharray=\"5 3\"" : "");
        for (size_t k = 0; !rc && k < l->n; k++) {
            double y = fmin(p->ymax, fmax(p->ymin, l->y[k]));
            if (isfinite(l->x[k]) && isfinite(l->y[k]))
                rc = buf_printf(out, err, "%s%.2f,%.2f", k ? " " : "", sx(p, l->x[k]), sy(p, y));
        }
        rc = rc ? rc : buf_puts(out, "\"/>\n", err);
    }
    if (!rc && p->legend)
        rc = plot_legend(p, out, err);
    return rc ? rc : buf_puts(out, "</svg>\n", err);
}
