/* test_png.c — the headline chart as PNG: decodes with cairo (libpng underneath) at the pixel
 * size the documented canvas gives for 150 and 300 dpi, carries its dpi in pHYs, is not blank,
 * and draws each model in its palette colour. */
#include "report/chart_model.h"
#include "report/png.h"
#include "report/report_data.h"
#include "report_testutil.h"
#include "test.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>

typedef struct reader {
    const unsigned char *p;
    size_t n, at;
} reader;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int length)
{
    reader *r = closure;
    if (r->at + length > r->n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->at, length);
    r->at += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Pixels within 40 (sum of channel differences) of rgb. */
static long near_colour(cairo_surface_t *s, unsigned rgb)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    long k = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t px = *(const uint32_t *)(d + (size_t)y * stride + 4 * (size_t)x);
            int dr = abs((int)((px >> 16) & 255) - (int)((rgb >> 16) & 255));
            int dg = abs((int)((px >> 8) & 255) - (int)((rgb >> 8) & 255));
            int db = abs((int)(px & 255) - (int)(rgb & 255));
            k += dr + dg + db <= 40;
        }
    return k;
}

static void check_dpi(const chart_model *c, int dpi)
{
    buf png;
    buf_init(&png, 0);
    mlac_err err = {0};
    CHECK_OK(png_chart(c, dpi, &png, &err), &err);
    CHECK(png.len > 8 && !memcmp(png.data, "\x89PNG\r\n\x1a\n", 8));
    reader rd = {(const unsigned char *)png.data, png.len, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_mem, &rd);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(s);
        int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
        /* 540 x 340 pt at dpi / 72 pixels per pt */
        CHECK_MSG(w == (int)lround(CHART_WIDTH * dpi / 72.0), "width %d at %d dpi", w, dpi);
        CHECK_MSG(h == (int)lround(CHART_HEIGHT * dpi / 72.0), "height %d at %d dpi", h, dpi);
        long total = (long)w * h, white = near_colour(s, 0xffffff);
        CHECK_MSG(white < total * 97 / 100, "%ld of %ld pixels are white", white, total);
        CHECK_MSG(white > total / 2, "only %ld of %ld pixels are white", white, total);
        /* Okabe-Ito blue (random_forest), orange (svm), bluish green (vgg) are all drawn */
        CHECK(near_colour(s, 0x0072B2) > total / 2000);
        CHECK(near_colour(s, 0xE69F00) > total / 2000);
        CHECK(near_colour(s, 0x009E73) > total / 2000);
    }
    cairo_surface_destroy(s);
    /* pHYs right after IHDR: dpi / 0.0254 pixels per metre on both axes, unit metre */
    const unsigned char *p = (const unsigned char *)png.data + 33;
    CHECK(png.len > 54 && !memcmp(p + 4, "pHYs", 4));
    uint32_t ppm = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    CHECK(ppm == (uint32_t)lround(dpi / 0.0254));
    CHECK(p[16] == 1);
    buf_release(&png);
}

int main(void)
{
    mlac_err err = {0};
    store *st = NULL;
    report_run r;
    CHECK_OK(store_open(test_fixture("report/basic"), &st, &err), &err);
    CHECK_OK(report_run_load(st, "run1", &r, &err), &err);
    chart_model c;
    CHECK_OK(chart_build(&r, report_index(&r.species, "coyote"), -1, &c, &err), &err);
    check_dpi(&c, 150);
    check_dpi(&c, 300);
    buf png;
    buf_init(&png, 0);
    CHECK(png_chart(&c, 20, &png, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "dpi") != NULL);
    buf_release(&png);
    chart_release(&c);
    report_run_release(&r);
    store_free(st);
    TEST_MAIN_END();
}
