/* html_species.c — one species' section of index.html: headline chart, ROC curves, heatmap,
 * significance table and learning-curve fits (see html.h). */
#include "report/chart_model.h"
#include "report/html.h"
#include "report/palette.h"
#include "report/report_claims.h"
#include "report/report_util.h"
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_SIZES 64

static int esc_tag(buf *b, const char *open, const char *s, const char *close, mlac_err *err)
{
    int rc = buf_puts(b, open, err);
    rc = rc ? rc : report_esc(b, s, err);
    return rc ? rc : buf_puts(b, close, err);
}

static int swatch(buf *b, const report_run *r, int model, mlac_err *err)
{
    palette_style st = palette_for(&r->models, (size_t)model);
    int rc = buf_printf(b, err, "<span class=\"sw\" style=\"background:%s\"></span>", st.hex);
    rc = rc ? rc : report_esc(b, r->models.items[model], err);
    const char *emb = report_embedder_kind(r, model);
    if (!rc && emb[0])
        rc = buf_printf(b, err, " <small class=\"ns\">(%s embedder)</small>", emb);
    return rc;
}

static int chart_card(const report_run *r, int sp, buf *b, mlac_err *err)
{
    chart_model lin, log;
    int rc = chart_build(r, sp, 0, &lin, err);
    if (rc)
        return rc;
    rc = chart_build(r, sp, 1, &log, err);
    if (rc) {
        chart_release(&lin);
        return rc;
    }
    long sizes[MAX_SIZES];
    size_t k = report_species_sizes(r, sp, sizes, MAX_SIZES);
    int def_log = chart_default_log(sizes, k);
    int any_fit = 0;
    for (size_t i = 0; i < lin.n_series; i++)
        any_fit |= lin.series[i].has_fit;
    char stem[256];
    report_file_stem(r->species.items[sp], stem, sizeof stem);
    rc = buf_printf(b, err,
                    "<div class=\"card chart-card\" data-scale=\"%s\">\n<div class=\"toolbar\"><span>x axis</span>"
                    "<span class=\"seg xscale\"><button type=\"button\" data-scale=\"lin\" aria-pressed=\"%s\">linear"
                    "</button><button type=\"button\" data-scale=\"log\" aria-pressed=\"%s\">log</button></span>",
                    def_log ? "log" : "lin", def_log ? "false" : "true", def_log ? "true" : "false");
    if (!rc && any_fit)
        rc = buf_puts(b, "<label><input type=\"checkbox\" class=\"fits\"> fitted curves</label>", err);
    rc = rc ? rc : buf_puts(b, "<span class=\"caption\">Click a legend entry to hide a model; hover a point for "
                               "details.</span><span class=\"files\">",
                            err);
    rc = rc ? rc : buf_printf(b, err, "<a href=\"%s_roc_auc.svg\">SVG</a><a href=\"%s_roc_auc.png\">PNG</a>", stem, stem);
    rc = rc ? rc : buf_puts(b, "</span></div>\n<div class=\"v-lin\">", err);
    rc = rc ? rc : svg_chart(&lin, 0, b, err);
    rc = rc ? rc : buf_puts(b, "</div><div class=\"v-log\">", err);
    rc = rc ? rc : svg_chart(&log, 0, b, err);
    rc = rc ? rc : buf_puts(b, "</div>\n</div>\n", err);
    chart_release(&lin);
    chart_release(&log);
    return rc;
}

static int roc_card(store *st, const report_run *r, int sp, buf *b, mlac_err *err)
{
    report_roc *rocs = NULL;
    size_t n = 0;
    int rc = report_roc_species(st, r, sp, &rocs, &n, err);
    if (rc)
        return rc;
    rc = buf_puts(b, "<div class=\"card\"><h3>ROC curves at the largest size</h3>\n", err);
    if (!n)
        rc = rc ? rc : buf_puts(b, "<p class=\"caption\">No prediction files to draw ROC curves from (no task "
                                   "finished, or predictions/ is missing).</p>",
                                err);
    svg_line lines[64];
    char names[64][160];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++, k++) {
        palette_style ps = palette_for(&r->models, (size_t)rocs[i].model);
        snprintf(names[k], sizeof names[k], "%s: AUC %.3f (n = %ld)", r->models.items[rocs[i].model], rocs[i].auc,
                 rocs[i].n);
        lines[k] = (svg_line){.name = names[k], .dashed = ps.dashed, .x = rocs[i].fpr, .y = rocs[i].tpr,
                              .n = rocs[i].m, .group = r->models.items[rocs[i].model]};
        memcpy(lines[k].hex, ps.hex, sizeof lines[k].hex);
    }
    if (!rc && n) {
        svg_plot p = {.title = "Pooled out-of-fold ROC", .xlabel = "False positive rate",
                      .ylabel = "True positive rate", .width = 340, .height = 320, .xmin = 0, .xmax = 1, .ymin = 0,
                      .ymax = 1, .xstep = 0.2, .ystep = 0.2, .diagonal = 1, .legend = 1, .lines = lines,
                      .n_lines = k};
        rc = svg_plot_write(&p, b, err);
        rc = rc ? rc : buf_puts(b, "<p class=\"caption\">Scores of every test fold of repeat 0 pooled, at each "
                                   "model's largest training size; dashed: chance.</p>",
                                err);
    }
    rc = rc ? rc : buf_puts(b, "</div>\n", err);
    report_roc_free(rocs, n);
    return rc;
}

/* Viridis (matplotlib) at five stops, interpolated: a perceptually uniform, colour-blind-safe
 * sequential map; t in [0, 1]. */
static unsigned viridis(double t)
{
    static const unsigned stops[5] = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};
    t = fmin(1, fmax(0, t)) * 4;
    int i = (int)fmin(3, floor(t));
    double f = t - i;
    unsigned out = 0;
    for (int sh = 16; sh >= 0; sh -= 8) {
        double a = (stops[i] >> sh) & 255, z = (stops[i + 1] >> sh) & 255;
        out |= (unsigned)lround(a + f * (z - a)) << sh;
    }
    return out;
}

static int heat_cell(const report_run *r, const report_cell *c, double lo, buf *b, mlac_err *err)
{
    if (!c)
        return buf_puts(b, "<td class=\"v\">\xe2\x80\x93</td>", err);
    char tip[400], ci[96] = "no interval";
    if (isfinite(c->ci_lo) && isfinite(c->ci_hi))
        snprintf(ci, sizeof ci, "95%% CI %.3f\xe2\x80\x93%.3f", c->ci_lo, c->ci_hi);
    if (!isfinite(c->mean)) {
        snprintf(tip, sizeof tip, "%s, n = %ld: all %d tasks failed", r->models.items[c->model], c->n, c->failed);
        int rc = buf_puts(b, "<td class=\"v failed\" data-tip=\"", err);
        rc = rc ? rc : report_esc(b, tip, err);
        return rc ? rc : buf_puts(b, "\">failed</td>", err);
    }
    snprintf(tip, sizeof tip, "%s, n = %ld%s\nROC-AUC %.3f, %s\n%d finished, %d failed", r->models.items[c->model],
             c->n, c->capped ? " (capped)" : "", c->mean, ci, c->count, c->failed);
    unsigned bg = viridis((c->mean - lo) / (1 - lo));
    double t = (c->mean - lo) / (1 - lo);
    int rc = buf_printf(b, err, "<td class=\"v\" style=\"background:#%06x;color:%s\" data-tip=\"", bg,
                        t < 0.62 ? "#ffffff" : "#111111");
    rc = rc ? rc : report_esc(b, tip, err);
    rc = rc ? rc : buf_printf(b, err, "\">%.3f", c->mean);
    if (!rc && isfinite(c->ci_lo) && isfinite(c->ci_hi))
        rc = buf_printf(b, err, "<small>%.2f\xe2\x80\x93%.2f</small>", c->ci_lo, c->ci_hi);
    if (!rc && c->failed)
        rc = buf_printf(b, err, "<small>%d failed</small>", c->failed);
    return rc ? rc : buf_puts(b, "</td>", err);
}

static int heatmap_card(const report_run *r, int sp, buf *b, mlac_err *err)
{
    long sizes[MAX_SIZES];
    size_t k = report_species_sizes(r, sp, sizes, MAX_SIZES);
    double lo = 0.5;
    for (size_t i = 0; i < r->n_cells; i++)
        if (r->cells[i].species == sp && isfinite(r->cells[i].mean) && r->cells[i].mean < lo)
            lo = fmax(0, floor(r->cells[i].mean * 10) / 10);
    int rc = buf_puts(b, "<div class=\"card\"><h3>Mean ROC-AUC by model and size</h3>\n", err);
    if (!k)
        return rc ? rc : buf_puts(b, "<p class=\"caption\">No results yet.</p></div>\n", err);
    rc = rc ? rc : buf_puts(b, "<div class=\"scroll\"><table class=\"heat\"><tr><th class=\"l\">model</th>", err);
    int any_capped = 0;
    for (size_t j = 0; !rc && j < k; j++) {
        const report_cell *capped = NULL;
        for (size_t i = 0; i < r->n_cells && !capped; i++)
            if (r->cells[i].species == sp && r->cells[i].n == sizes[j] && r->cells[i].capped)
                capped = &r->cells[i];
        any_capped |= capped != NULL;
        if (capped) {
            rc = buf_puts(b, "<th data-tip=\"requested ", err);
            rc = rc ? rc : report_esc(b, capped->requested, err);
            rc = rc ? rc : buf_printf(b, err, ", capped at the %ld clips per class available\">n = %ld*</th>",
                                      sizes[j], sizes[j]);
        } else {
            rc = buf_printf(b, err, "<th>n = %ld</th>", sizes[j]);
        }
    }
    rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        if (!report_species_has_model(r, sp, (int)m))
            continue;
        rc = esc_tag(b, "<tr data-model=\"", r->models.items[m], "\"><td class=\"l\">", err);
        rc = rc ? rc : swatch(b, r, (int)m, err);
        rc = rc ? rc : buf_puts(b, "</td>", err);
        for (size_t j = 0; !rc && j < k; j++)
            rc = heat_cell(r, report_find_cell(r, sp, (int)m, sizes[j]), lo, b, err);
        rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    }
    rc = rc ? rc : buf_printf(b, err, "</table></div><p class=\"caption\">Colour: mean AUC from %.1f "
                                      "<span class=\"scale\"></span> 1.0; small: 95%% interval.%s</p></div>\n",
                              lo, any_capped ? " * capped: fewer clips available than requested." : "");
    return rc;
}

static int sig_row(const report_sig *s, buf *b, mlac_err *err)
{
    char p[32], ph[32];
    report_fmt_p(s->p, p, sizeof p);
    report_fmt_p(s->p_holm, ph, sizeof ph);
    int rc = buf_printf(b, err, "<tr><td>%ld</td>", s->n);
    rc = rc ? rc : esc_tag(b, "<td class=\"l\">", s->model_a, "</td>", err);
    rc = rc ? rc : esc_tag(b, "<td class=\"l\">", s->model_b, "</td>", err);
    rc = rc ? rc : buf_printf(b, err, "<td>%.3f</td><td>%.3f</td><td>%+.3f</td><td>%.2f</td><td>%.0f</td><td>", s->mean_a,
                              s->mean_b, s->diff, s->t, s->df);
    rc = rc ? rc : report_esc(b, p, err);
    rc = rc ? rc : buf_puts(b, "</td><td>", err);
    rc = rc ? rc : report_esc(b, ph, err);
    if (!rc && s->significant && s->better[0])
        rc = esc_tag(b, "</td><td class=\"l sig\">", s->better, " better</td></tr>\n", err);
    else if (!rc)
        rc = buf_puts(b, "</td><td class=\"l ns\">no difference shown</td></tr>\n", err);
    return rc;
}

static int significance_card(const report_run *r, int sp, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<div class=\"card\"><h3>Which model beats which</h3>\n", err);
    size_t k = 0;
    for (size_t i = 0; i < r->n_sig; i++)
        k += r->sig[i].species == sp;
    if (!r->has_sig)
        return rc ? rc : buf_puts(b, "<p class=\"caption\">significance.csv is missing (the run has not "
                                     "finished aggregating).</p></div>\n",
                                  err);
    if (!k)
        return rc ? rc : buf_puts(b, "<p class=\"caption\">No paired comparisons: they need two models with at "
                                     "least two common finished folds at a size.</p></div>\n",
                                  err);
    rc = rc ? rc : buf_puts(b, "<div class=\"scroll\"><table><tr><th>n</th><th class=\"l\">model A</th>"
                               "<th class=\"l\">model B</th><th>AUC A</th><th>AUC B</th><th>A \xe2\x88\x92 B</th>"
                               "<th>t</th><th>df</th><th>p</th><th>p (Holm)</th><th class=\"l\">result</th></tr>\n",
                            err);
    for (size_t i = 0; !rc && i < r->n_sig; i++)
        if (r->sig[i].species == sp)
            rc = sig_row(&r->sig[i], b, err);
    return rc ? rc : buf_puts(b, "</table></div><p class=\"caption\">Nadeau\xe2\x80\x93" "Bengio corrected "
                                 "resampled t-test on paired per-fold AUCs; p-values Holm-adjusted within each "
                                 "size; \"better\" at adjusted p &lt; 0.05.</p></div>\n",
                              err);
}

/* One cell of the fits table: what report_claims.h allows, with its reason as hover text. */
static int fit_cell(const report_run *r, int sp, int model, double target, int highlight, buf *b, mlac_err *err)
{
    const char *cls = highlight ? " class=\"hi\"" : "";
    report_claim cl;
    report_claim_for(r, sp, model, target, &cl);
    int rc = buf_printf(b, err, "<td%s data-tip=\"", cls);
    rc = rc ? rc : report_esc(b, cl.why, err);
    rc = rc ? rc : buf_puts(b, "\">", err);
    switch (cl.kind) {
    case CLAIM_OBSERVED:
        rc = rc ? rc : buf_printf(b, err, "reached at n = %ld", cl.n_observed);
        break;
    case CLAIM_NO_FIT:
        rc = rc ? rc : buf_puts(b, "<span class=\"ns\">no fit</span>", err);
        rc = rc ? rc : buf_printf(b, err, " <small class=\"ns\">(%zu of %d sizes needed)</small>", cl.n_sizes,
                                  REPORT_FIT_MIN_SIZES);
        break;
    case CLAIM_EXACT_FIT:
        rc = rc ? rc : buf_puts(b, "<span class=\"ns\">not reached</span> <small class=\"ns\">(exact fit on 3 "
                                   "sizes: no forecast)</small>", err);
        break;
    case CLAIM_NOT_REACHED:
        rc = rc ? rc : buf_puts(b, "<span class=\"ns\">not reached</span>", err);
        break;
    case CLAIM_BELOW_DATA:
        rc = rc ? rc : buf_printf(b, err, "<span class=\"ns\">not reached</span> <small class=\"ns\">(fit: below "
                                          "n = %ld, extrapolation)</small>", cl.n_min);
        break;
    case CLAIM_FITTED:
    case CLAIM_FORECAST:
        rc = rc ? rc : buf_printf(b, err, "%.0f", ceil(cl.n_fit));
        if (!rc && isfinite(cl.lo) && isfinite(cl.hi))
            rc = buf_printf(b, err, " <small class=\"ns\">(%.0f\xe2\x80\x93%.0f)</small>", ceil(cl.lo), ceil(cl.hi));
        else if (!rc && isfinite(cl.lo)) /* the upper end of the interval is not reached */
            rc = buf_printf(b, err, " <small class=\"ns\">(%.0f\xe2\x80\x93?)</small>", ceil(cl.lo));
        if (!rc && cl.kind == CLAIM_FORECAST)
            rc = buf_puts(b, " <small class=\"ns\">forecast (extrapolation)</small>", err);
        break;
    }
    return rc ? rc : buf_puts(b, "</td>", err);
}

static int fits_card(const report_run *r, int sp, buf *b, mlac_err *err)
{
    int rc = buf_puts(b, "<div class=\"card\"><h3>Clips needed: learning-curve fits</h3>\n", err);
    double targets[8];
    size_t nt = 0;
    for (size_t i = 0; i < r->n_curves; i++) {
        const report_curve *c = &r->curves[i];
        size_t j = 0;
        while (j < nt && fabs(targets[j] - c->target) > 1e-9)
            j++;
        if (c->species == sp && j == nt && nt < 8 && isfinite(c->target))
            targets[nt++] = c->target;
    }
    if (!r->has_curves || !nt)
        return rc ? rc : buf_printf(b, err, "<p class=\"caption\">%s</p></div>\n",
                                    r->has_curves ? "No fits for this species." : "curves.csv is missing (the run "
                                                                                  "has not finished aggregating).");
    for (size_t i = 1; i < nt; i++) /* ascending targets */
        for (size_t j = i; j > 0 && targets[j] < targets[j - 1]; j--) {
            double t = targets[j];
            targets[j] = targets[j - 1], targets[j - 1] = t;
        }
    rc = rc ? rc : buf_puts(b, "<div class=\"scroll\"><table><tr><th class=\"l\">model</th><th>plateau a</th>"
                               "<th>rmse</th>",
                            err);
    for (size_t j = 0; !rc && j < nt; j++)
        rc = buf_printf(b, err, "<th%s>AUC %.2f</th>", fabs(targets[j] - 0.9) < 1e-9 ? " class=\"hi\"" : "", targets[j]);
    rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        const report_curve *first = NULL;
        for (size_t i = 0; i < r->n_curves && !first; i++)
            if (r->curves[i].species == sp && r->curves[i].model == (int)m)
                first = &r->curves[i];
        if (!first)
            continue;
        char a[32], e[32];
        rc = esc_tag(b, "<tr data-model=\"", r->models.items[m], "\"><td class=\"l\">", err);
        rc = rc ? rc : swatch(b, r, (int)m, err);
        int usable = report_fit_usable(r, sp, (int)m);
        rc = rc ? rc : buf_printf(b, err, "</td><td>%s</td><td>%s</td>", usable ? report_fmt(first->a, 3, a, sizeof a)
                                  : "\xe2\x80\x93", usable ? report_fmt(first->rmse, 4, e, sizeof e) : "\xe2\x80\x93");
        for (size_t j = 0; !rc && j < nt; j++) {
            rc = fit_cell(r, sp, (int)m, targets[j], fabs(targets[j] - 0.9) < 1e-9, b, err);
        }
        rc = rc ? rc : buf_puts(b, "</tr>\n", err);
    }
    return rc ? rc : buf_puts(b, "</table></div><p class=\"caption\">Training clips per class needed to reach each "
                                 "AUC, from the inverse power law auc(n) = a \xe2\x88\x92 b\xc2\xb7n<sup>\xe2\x88\x92"
                                 "c</sup> fitted to the mean AUCs (bootstrap interval in brackets). \"Reached at n\" is measured: "
                                 "the smallest size whose mean AUC reaches the target. Fits are used only with mean "
                                 "AUCs at 4 or more sizes (3 sizes fit the 3 parameters exactly); forecasts stop at "
                                 "4\xc3\x97 the largest size measured and never go below the smallest.</p></div>\n",
                              err);
}

static int species_header(const report_run *r, int sp, buf *b, mlac_err *err)
{
    char stem[256];
    report_file_stem(r->species.items[sp], stem, sizeof stem);
    int rc = buf_printf(b, err, "<section class=\"species\" id=\"sp-%s\">\n", stem);
    rc = rc ? rc : esc_tag(b, "<h2>", r->species.items[sp], "</h2>\n", err);
    json_t *d = json_object_get(json_object_get(r->spec, "dataset"), r->species.items[sp]);
    if (!rc && json_is_object(d)) {
        rc = buf_printf(b, err, "<p class=\"sub\">%lld positive and %lld negative clips%s; largest balanced "
                                "training size %lld per class</p>\n",
                        (long long)json_integer_value(json_object_get(d, "positives")),
                        (long long)json_integer_value(json_object_get(d, "negatives")),
                        json_is_true(json_object_get(d, "negatives_from_others")) ? " (negatives from other species)"
                                                                                  : "",
                        (long long)json_integer_value(json_object_get(d, "max_balanced_n")));
    }
    for (size_t m = 0; !rc && m < r->models.n; m++) { /* where the embeddings came from */
        const char *kind = report_embedder_kind(r, (int)m), *e = report_embedder(r, (int)m);
        if (!kind[0] || !report_species_has_model(r, sp, (int)m))
            continue;
        rc = esc_tag(b, "<p class=\"sub embedder\">", r->models.items[m], ": embeddings from ", err);
        rc = rc ? rc : buf_puts(b, !strcmp(kind, "stand-in") ? "the <b>test stand-in embedder</b>, not the real "
                                   "network (command <code>" : !strcmp(kind, "import") ? "imported files (<code>"
                                   : "an embedder program (command <code>", err);
        rc = rc ? rc : report_esc(b, e, err);
        rc = rc ? rc : buf_puts(b, "</code>)</p>\n", err);
    }
    return rc;
}

int html_species_section(store *st, const report_run *r, int sp, buf *out, mlac_err *err)
{
    int rc = species_header(r, sp, out, err);
    rc = rc ? rc : chart_card(r, sp, out, err);
    rc = rc ? rc : buf_puts(out, "<div class=\"pair\">\n", err);
    rc = rc ? rc : roc_card(st, r, sp, out, err);
    rc = rc ? rc : buf_puts(out, "<div class=\"col\">\n", err);
    rc = rc ? rc : heatmap_card(r, sp, out, err);
    rc = rc ? rc : fits_card(r, sp, out, err);
    rc = rc ? rc : buf_puts(out, "</div></div>\n", err);
    rc = rc ? rc : significance_card(r, sp, out, err);
    rc = rc ? rc : html_calibration_card(st, r, sp, out, err);
    rc = rc ? rc : html_progress(r, sp, out, err);
    return rc ? rc : buf_puts(out, "</section>\n", err);
}
