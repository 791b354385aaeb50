/* png.h — the headline chart as a PNG, drawn with cairo from the same chart_model as the SVG.
 *
 * The canvas is CHART_WIDTH x CHART_HEIGHT points; at `dpi` dots per inch the image is
 * round(CHART_WIDTH * dpi / 72) x round(CHART_HEIGHT * dpi / 72) pixels (1125 x 708 at 150 dpi,
 * 2250 x 1417 at 300), RGB on white, with the resolution recorded in a pHYs chunk so page layout
 * programs place it at its true size. Text uses cairo's toy API with the "DejaVu Sans" face.
 */
#ifndef MLAC_REPORT_PNG_H
#define MLAC_REPORT_PNG_H

#include "core/buf.h"
#include "core/error.h"
#include "report/chart_model.h"

/* Appends the PNG file bytes to out. dpi from 36 to 1200. */
int png_chart(const chart_model *c, int dpi, buf *out, mlac_err *err);

#endif
