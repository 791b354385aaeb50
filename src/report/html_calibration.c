/* html_calibration.c — per species, "can I deploy this?": a threshold table (for each model, the
 * score threshold that reaches recall 0.8/0.9/0.95 on the pooled out-of-fold scores at its
 * largest size, and the precision there) and a reliability diagram of the pooled probabilities
 * of the models whose probabilities are fitted (see report_roc.c, stats/calibration.h). */
#include "report/html.h"
#include "report/palette.h"
#include "report/report_util.h"
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int num_cell(buf *b, double v, const char *fmt, mlac_err *err)
{
    if (!isfinite(v))
        return buf_puts(b, "<td>&ndash;</td>", err);
    char t[64];
    snprintf(t, sizeof t, fmt, v);
    return buf_printf(b, err, "<td>%s</td>", t);
}

static int threshold_table(const report_run *r, const report_roc *rocs, size_t n, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<table class=\"thr\"><tr><th class=\"l\">model</th><th>n</th>"
                         "<th>threshold for recall 0.8</th><th>precision</th><th>for recall 0.9</th><th>precision</th>"
                         "<th>for recall 0.95</th><th>precision</th><th>Brier</th><th>ECE</th></tr>\n",
                      err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = buf_puts(b, "<tr><td class=\"l\">", err);
        rc = rc ? rc : report_esc(b, r->models.items[rocs[i].model], err);
        rc = rc ? rc : buf_printf(b, err, "</td><td>%ld</td>", rocs[i].n);
        for (int k = 0; !rc && k < 3; k++) {
            rc = num_cell(b, rocs[i].thr[k], "%.4g", err);
            rc = rc ? rc : num_cell(b, rocs[i].thr_prec[k], "%.3f", err);
        }
        rc = rc ? rc : num_cell(b, rocs[i].brier, "%.3f", err);
        rc = rc ? rc : num_cell(b, rocs[i].ece, "%.3f", err);
        rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    }
    return rc ? rc : buf_puts(b, "</table>\n", err);
}

static int reliability_plot(const report_run *r, const report_roc *rocs, size_t n, buf *b, mlac_err *err)
{
    svg_line lines[64];
    char names[64][160];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++) {
        if (!rocs[i].probabilistic || !rocs[i].rel_m)
            continue;
        palette_style ps = palette_for(&r->models, (size_t)rocs[i].model);
        snprintf(names[k], sizeof names[k], "%s: ECE %.3f (n = %ld)", r->models.items[rocs[i].model], rocs[i].ece,
                 rocs[i].n);
        lines[k] = (svg_line){.name = names[k], .dashed = ps.dashed, .x = rocs[i].rel_x, .y = rocs[i].rel_y,
                              .n = rocs[i].rel_m, .group = r->models.items[rocs[i].model]};
        memcpy(lines[k].hex, ps.hex, sizeof lines[k].hex);
        k++;
    }
    if (!k)
        return buf_puts(b, "<p class=\"caption\">No model with fitted probabilities (the SVM's need "
                           "<code>--calibrate platt</code>): no reliability diagram.</p>",
                        err);
    svg_plot p = {.title = "Reliability (pooled out-of-fold)", .xlabel = "Mean predicted probability",
                  .ylabel = "Fraction of positives", .width = 340, .height = 320, .xmin = 0, .xmax = 1, .ymin = 0,
                  .ymax = 1, .xstep = 0.2, .ystep = 0.2, .diagonal = 1, .legend = 1, .lines = lines, .n_lines = k};
    int rc = svg_plot_write(&p, b, err);
    return rc ? rc : buf_puts(b, "<p class=\"caption\">10 equal-width bins of the pooled test probabilities at each "
                                 "model's largest size; dashed: perfectly calibrated.</p>",
                              err);
}

int html_calibration_card(store *st, const report_run *r, int sp, buf *b, mlac_err *err)
{
    report_roc *rocs = NULL;
    size_t n = 0;
    int rc = report_roc_species(st, r, sp, &rocs, &n, err);
    if (rc)
        return rc;
    rc = buf_puts(b, "<div class=\"card\"><h3>Operating points and calibration at the largest size</h3>\n", err);
    if (!n)
        rc = rc ? rc : buf_puts(b, "<p class=\"caption\">No prediction files: no thresholds.</p>", err);
    else {
        rc = rc ? rc : threshold_table(r, rocs, n, b, err);
        rc = rc ? rc : buf_puts(b, "<p class=\"caption\">Thresholds on each model's own score (a probability, or "
                                   "the SVM's margin) reaching the recall on the pooled test folds of repeat 0, and "
                                   "the precision there.</p>\n",
                                err);
        rc = rc ? rc : reliability_plot(r, rocs, n, b, err);
    }
    rc = rc ? rc : buf_puts(b, "</div>\n", err);
    report_roc_free(rocs, n);
    return rc;
}
