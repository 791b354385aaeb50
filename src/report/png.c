/* png.c — cairo rendering of the headline chart (see png.h). Mirrors svg.c element by element:
 * grid, frame, ticks, texts, then per model the line, error bars and markers, then the legend. */
#include "report/png.h"
#include "report/palette.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static void png_chart_size(const chart_model *c, int dpi, int *w, int *h)
{
    *w = (int)lround(c->width * dpi / 72.0);
    *h = (int)lround(c->height * dpi / 72.0);
}

static void rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

static void line(cairo_t *cr, double x1, double y1, double x2, double y2)
{
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x2, y2);
    cairo_stroke(cr);
}

enum { LEFT, MIDDLE, RIGHT };

static void text(cairo_t *cr, double x, double y, int anchor, double size, int bold, unsigned colour, const char *s)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size * 1.0);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    double dx = anchor == MIDDLE ? -e.x_advance / 2 : anchor == RIGHT ? -e.x_advance : 0;
    rgb(cr, colour);
    cairo_move_to(cr, x + dx, y);
    cairo_show_text(cr, s);
}

static void marker(cairo_t *cr, int shape, double x, double y, double r, unsigned colour, int open)
{
    double xy[8];
    int k = chart_marker_polygon(shape, x, y, r, xy);
    if (!k) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    } else {
        cairo_move_to(cr, xy[0], xy[1]);
        for (int i = 1; i < k; i++)
            cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
        cairo_close_path(cr);
    }
    rgb(cr, open ? 0xffffff : colour);
    cairo_fill_preserve(cr);
    rgb(cr, open ? colour : 0xffffff);
    cairo_set_line_width(cr, open ? 1.6 : 0.8);
    cairo_stroke(cr);
}

static void draw_frame(cairo_t *cr, const chart_model *c)
{
    rgb(cr, 0xffffff);
    cairo_paint(cr);
    cairo_set_line_width(cr, 0.6);
    rgb(cr, 0xe3e3e3);
    for (size_t i = 0; i < c->n_yt; i++)
        line(cr, c->x0, c->yt[i].pos, c->x1, c->yt[i].pos);
    cairo_set_line_width(cr, 0.8);
    rgb(cr, 0x333333);
    cairo_rectangle(cr, c->x0, c->y0, c->x1 - c->x0, c->y1 - c->y0);
    cairo_stroke(cr);
    for (size_t i = 0; i < c->n_xt; i++) {
        rgb(cr, 0x333333);
        cairo_set_line_width(cr, 0.8);
        line(cr, c->xt[i].pos, c->y1, c->xt[i].pos, c->y1 + 4);
        if (c->xt[i].show_label)
            text(cr, c->xt[i].pos, c->y1 + 15, MIDDLE, 9.5, 0, 0x333333, c->xt[i].label);
    }
    for (size_t i = 0; i < c->n_yt; i++) {
        rgb(cr, 0x333333);
        cairo_set_line_width(cr, 0.8);
        line(cr, c->x0 - 4, c->yt[i].pos, c->x0, c->yt[i].pos);
        text(cr, c->x0 - 7, c->yt[i].pos + 3.3, RIGHT, 9.5, 0, 0x333333, c->yt[i].label);
    }
    text(cr, c->x0, 22, LEFT, 13, 1, 0x111111, c->title);
    text(cr, (c->x0 + c->x1) / 2, c->y1 + 33, MIDDLE, 11, 0, 0x111111, c->xlabel);
    cairo_save(cr);
    cairo_translate(cr, 18, (c->y0 + c->y1) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, MIDDLE, 11, 0, 0x111111, c->ylabel);
    cairo_restore(cr);
    text(cr, c->x0, c->height - 10, LEFT, 8.5, 0, 0x555555, c->note);
    if (!c->has_data)
        text(cr, (c->x0 + c->x1) / 2, (c->y0 + c->y1) / 2, MIDDLE, 12, 0, 0xb00020, "no finished task: nothing to plot");
}

static void draw_series(cairo_t *cr, const chart_model *c, const chart_series *s)
{
    static const double dash[] = {6, 3};
    rgb(cr, s->rgb);
    cairo_set_line_width(cr, 1.8);
    cairo_set_dash(cr, dash, s->dashed ? 2 : 0, 0);
    for (size_t i = 0; i < s->n_pts; i++)
        (i ? cairo_line_to : cairo_move_to)(cr, s->pts[i].x, s->pts[i].y);
    cairo_stroke(cr);
    static const double extra_dash[2][4] = {{1.5, 2.5}, {7, 2.5, 1.5, 2.5}};
    for (int x = 0; x < 2; x++) { /* the external and recording-level AUC (chart_model.h) */
        if (!s->n_extra[x])
            continue;
        cairo_set_line_width(cr, 1.1);
        cairo_set_dash(cr, extra_dash[x], x ? 4 : 2, 0);
        for (size_t i = 0; i < s->n_extra[x]; i++)
            (i ? cairo_line_to : cairo_move_to)(cr, s->extra_x[x][i], s->extra_y[x][i]);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        for (size_t i = 0; i < s->n_extra[x]; i++) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, s->extra_x[x][i], s->extra_y[x][i], 2.2, 0, 2 * M_PI);
        }
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        rgb(cr, s->rgb);
        cairo_stroke(cr);
    }
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1.3);
    for (size_t i = 0; i < s->n_pts; i++) {
        const chart_point *p = &s->pts[i];
        if (!isfinite(p->y_lo))
            continue;
        rgb(cr, s->rgb);
        line(cr, p->x, p->y_lo, p->x, p->y_hi);
        line(cr, p->x - CHART_CAP / 2, p->y_lo, p->x + CHART_CAP / 2, p->y_lo);
        line(cr, p->x - CHART_CAP / 2, p->y_hi, p->x + CHART_CAP / 2, p->y_hi);
    }
    for (size_t i = 0; i < s->n_pts; i++)
        marker(cr, s->marker, s->pts[i].x, s->pts[i].y, CHART_MARKER_R, s->rgb, s->pts[i].cell->capped);
    cairo_set_line_width(cr, 1.8);
    for (size_t i = 0; i < s->n_failed; i++) {
        double x = s->failed_x[i], y = c->y1 - 7, h = 3.5;
        rgb(cr, s->rgb);
        line(cr, x - h, y - h, x + h, y + h);
        line(cr, x - h, y + h, x + h, y - h);
    }
}

static void draw_legend(cairo_t *cr, const chart_model *c, const chart_series *s)
{
    static const double dash[] = {6, 3};
    double x = c->legend_x, y = s->legend_y;
    rgb(cr, s->rgb);
    cairo_set_line_width(cr, 1.8);
    cairo_set_dash(cr, dash, s->dashed ? 2 : 0, 0);
    line(cr, x, y, x + 22, y);
    cairo_set_dash(cr, NULL, 0, 0);
    marker(cr, s->marker, x + 11, y, CHART_MARKER_R, s->rgb, 0);
    text(cr, x + 28, y + 3.5, LEFT, 10, 0, 0x111111, s->legend_label);
    if (s->legend_sub[0])
        text(cr, x + 28, y + 13.5, LEFT, 8, 0, 0xb00020, s->legend_sub);
}

/* CRC-32 of PNG chunks (ISO 3309, as zlib's crc32), bit by bit: only 17 bytes are hashed. */
static uint32_t png_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return buf_append(closure, data, length, NULL) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Inserts a pHYs chunk (pixels per metre) after IHDR so the image keeps its dpi. */
static int add_phys(buf *png, size_t start, int dpi, mlac_err *err)
{
    const size_t ihdr_end = start + 8 + 25; /* signature, then IHDR: length, type, 13 bytes, crc */
    if (png->len < ihdr_end)
        return mlac_errf(err, MLAC_EINTERNAL, "cairo wrote a truncated png");
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
    unsigned char chunk[21] = {0, 0, 0, 9, 'p', 'H', 'Y', 's'};
    for (int i = 0; i < 2; i++) {
        chunk[8 + 4 * i] = (unsigned char)(ppm >> 24), chunk[9 + 4 * i] = (unsigned char)(ppm >> 16);
        chunk[10 + 4 * i] = (unsigned char)(ppm >> 8), chunk[11 + 4 * i] = (unsigned char)ppm;
    }
    chunk[16] = 1; /* unit: metre */
    uint32_t crc = png_crc(chunk + 4, 13);
    chunk[17] = (unsigned char)(crc >> 24), chunk[18] = (unsigned char)(crc >> 16);
    chunk[19] = (unsigned char)(crc >> 8), chunk[20] = (unsigned char)crc;
    size_t tail = png->len - ihdr_end;
    int rc = buf_reserve(png, sizeof chunk, err);
    if (rc)
        return rc;
    memmove(png->data + ihdr_end + sizeof chunk, png->data + ihdr_end, tail);
    memcpy(png->data + ihdr_end, chunk, sizeof chunk);
    png->len += sizeof chunk;
    png->data[png->len] = '\0';
    return MLAC_OK;
}

int png_chart(const chart_model *c, int dpi, buf *out, mlac_err *err)
{
    if (dpi < 36 || dpi > 1200)
        return mlac_errf(err, MLAC_EINVAL, "png dpi %d is outside 36..1200", dpi);
    int w, h;
    png_chart_size(c, dpi, &w, &h);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        return mlac_errf(err, MLAC_ENOMEM, "cannot create a %dx%d image", w, h);
    }
    cairo_t *cr = cairo_create(surf);
    cairo_scale(cr, dpi / 72.0, dpi / 72.0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    draw_frame(cr, c);
    for (size_t i = 0; i < c->n_series; i++)
        draw_series(cr, c, &c->series[i]);
    for (size_t i = 0; i < c->n_series; i++)
        draw_legend(cr, c, &c->series[i]);
    int rc = MLAC_OK;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = mlac_errf(err, MLAC_EINTERNAL, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
    cairo_destroy(cr);
    size_t start = out->len;
    if (!rc && cairo_surface_write_to_png_stream(surf, write_buf, out) != CAIRO_STATUS_SUCCESS)
        rc = mlac_errf(err, MLAC_ENOMEM, "cannot encode the %dx%d png", w, h);
    cairo_surface_destroy(surf);
    return rc ? rc : add_phys(out, start, dpi, err);
}
