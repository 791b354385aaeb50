/* chart_model.c — scales, ticks and point coordinates of the headline chart (see chart_model.h). */
#include "report/chart_model.h"
#include "report/palette.h"
#include "report/report_claims.h"
#include "report/report_util.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int chart_default_log(const long *sizes, size_t k)
{
    if (!k)
        return 0;
    return (double)sizes[k - 1] >= CHART_LOG_RATIO * (double)sizes[0];
}

static double axis_l(int xlog, double n)
{
    return xlog ? log10(n) : n;
}

static double chart_x(const chart_model *c, double n)
{
    return c->x0 + (axis_l(c->xlog, n) - c->xd0) / (c->xd1 - c->xd0) * (c->x1 - c->x0);
}

static double chart_y(const chart_model *c, double auc)
{
    return c->y1 - (auc - c->ymin) / (c->ymax - c->ymin) * (c->y1 - c->y0 - CHART_HEADROOM);
}

static void set_x_scale(chart_model *c, const long *sizes, size_t k)
{
    double lo = axis_l(c->xlog, (double)sizes[0]), hi = axis_l(c->xlog, (double)sizes[k - 1]);
    double pad = CHART_PAD_FRAC * (hi - lo);
    if (hi <= lo)
        pad = c->xlog ? 0.25 : fmax(1.0, (double)sizes[0] / 2);
    c->xd0 = lo - pad, c->xd1 = hi + pad;
    double last = -1e9;
    for (size_t i = 0; i < k && c->n_xt < CHART_MAX_TICKS; i++) {
        chart_tick *t = &c->xt[c->n_xt++];
        t->value = (double)sizes[i];
        t->pos = chart_x(c, t->value);
        snprintf(t->label, sizeof t->label, "%ld", sizes[i]);
        t->show_label = t->pos - last >= 24.0;
        if (t->show_label)
            last = t->pos;
    }
}

static void set_y_scale(chart_model *c, const report_run *r, int species)
{
    double lowest = 1.0;
    for (size_t i = 0; i < r->n_cells; i++) {
        const report_cell *cell = &r->cells[i];
        if (cell->species != species)
            continue;
        if (isfinite(cell->mean) && cell->mean < lowest)
            lowest = cell->mean;
        if (isfinite(cell->ci_lo) && cell->ci_lo < lowest)
            lowest = cell->ci_lo;
        for (int x = 0; x < 2; x++)
            if (isfinite(cell->extra_mean[x]) && cell->extra_mean[x] < lowest)
                lowest = cell->extra_mean[x];
    }
    c->ymin = fmax(0.0, fmin(0.5, floor(10 * lowest + 1e-9) / 10));
    c->ymax = 1.0;
    double step = c->ymax - c->ymin <= 0.3 + 1e-9 ? 0.05 : 0.1;
    for (int i = 0; c->n_yt < CHART_MAX_TICKS; i++) {
        double v = c->ymin + i * step;
        if (v > c->ymax + 1e-9)
            break;
        chart_tick *t = &c->yt[c->n_yt++];
        t->value = v;
        t->pos = chart_y(c, v);
        snprintf(t->label, sizeof t->label, step < 0.1 ? "%.2f" : "%.1f", v);
        t->show_label = 1;
    }
}

/* Formats hover and legend text into a fixed field, cut at its size on purpose (a long model or
 * embedder name shortens its tooltip; nothing depends on the whole text). */
__attribute__((format(printf, 3, 4))) static void text_cut(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

static void point_tip(const report_run *r, const report_cell *cell, char *out, size_t n)
{
    char req[160] = "";
    if (cell->capped)
        snprintf(req, sizeof req, " (requested %s: capped at the clips available)", cell->requested);
    char ci[96] = "no interval (one fold)";
    if (isfinite(cell->ci_lo) && isfinite(cell->ci_hi))
        snprintf(ci, sizeof ci, "95%% CI %.3f\xe2\x80\x93%.3f (%s)", cell->ci_lo, cell->ci_hi,
                 !strcmp(cell->ci_method, "delong") ? "DeLong" : "Student t");
    char failed[48] = "";
    if (cell->failed)
        snprintf(failed, sizeof failed, ", %d failed", cell->failed);
    char extra[160] = "";
    for (int x = 0, len = 0; x < 2; x++)
        if (isfinite(cell->extra_mean[x]) && len >= 0 && (size_t)len < sizeof extra)
            len += snprintf(extra + len, sizeof extra - (size_t)len, "\n%s ROC-AUC %.3f", report_extra_label[x],
                            cell->extra_mean[x]);
    text_cut(out, n, "%s \xc2\xb7 n = %ld per class%s\nROC-AUC %.3f, %s%s\n%d fold%s finished%s",
             r->models.items[cell->model], cell->n, req, cell->mean, ci, extra, cell->count,
             cell->count == 1 ? "" : "s", failed);
}

static void series_fit(const report_run *r, int species, chart_series *s, const chart_model *c, double nmin,
                       double nmax)
{
    for (size_t i = 0; i < r->n_curves; i++) {
        const report_curve *f = &r->curves[i];
        if (f->species != species || f->model != s->model || !isfinite(f->a) || !isfinite(f->b) ||
            !isfinite(f->c) || nmax <= nmin || !report_fit_usable(r, species, s->model))
            continue; /* an exact fit on 3 sizes is not drawn (report_claims.h) */
        for (int k = 0; k < CHART_FIT_POINTS; k++) {
            double t = (double)k / (CHART_FIT_POINTS - 1);
            double n = c->xlog ? pow(10, log10(nmin) + t * (log10(nmax) - log10(nmin))) : nmin + t * (nmax - nmin);
            double v = fmin(c->ymax, fmax(c->ymin, f->a - f->b * pow(n, -f->c)));
            s->fit_x[k] = chart_x(c, n);
            s->fit_y[k] = chart_y(c, v);
        }
        s->has_fit = 1;
        return;
    }
}

static int build_series(const report_run *r, int species, chart_series *s, double dodge, chart_model *c,
                        mlac_err *err)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_cells; i++)
        k += r->cells[i].species == species && r->cells[i].model == s->model;
    s->pts = calloc(k ? k : 1, sizeof *s->pts);
    s->failed_x = calloc(k ? k : 1, sizeof *s->failed_x);
    int ok = 1;
    for (int x = 0; x < 2; x++) {
        s->extra_x[x] = calloc(k ? k : 1, sizeof *s->extra_x[x]);
        s->extra_y[x] = calloc(k ? k : 1, sizeof *s->extra_y[x]);
        ok &= s->extra_x[x] && s->extra_y[x];
    }
    if (!s->pts || !s->failed_x || !ok)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory drawing '%s'", r->species.items[species]);
    double nmin = INFINITY, nmax = -INFINITY;
    for (size_t i = 0; i < r->n_cells; i++) { /* cells are sorted by n within a model */
        const report_cell *cell = &r->cells[i];
        if (cell->species != species || cell->model != s->model)
            continue;
        s->tasks += cell->count + cell->failed;
        s->failed_tasks += cell->failed;
        double x = chart_x(c, (double)cell->n) + dodge;
        if (!isfinite(cell->mean)) {
            s->failed_x[s->n_failed++] = x;
            continue;
        }
        for (int e = 0; e < 2; e++)
            if (isfinite(cell->extra_mean[e])) {
                s->extra_x[e][s->n_extra[e]] = x;
                s->extra_y[e][s->n_extra[e]++] = chart_y(c, cell->extra_mean[e]);
            }
        chart_point *p = &s->pts[s->n_pts++];
        p->cell = cell;
        p->x = x;
        p->y = chart_y(c, cell->mean);
        p->y_lo = p->y_hi = NAN;
        if (isfinite(cell->ci_lo) && isfinite(cell->ci_hi))
            p->y_lo = chart_y(c, cell->ci_lo), p->y_hi = chart_y(c, cell->ci_hi);
        point_tip(r, cell, p->tip, sizeof p->tip);
        nmin = fmin(nmin, (double)cell->n), nmax = fmax(nmax, (double)cell->n);
        c->has_data = 1;
    }
    series_fit(r, species, s, c, nmin, nmax);
    return MLAC_OK;
}

int chart_marker_polygon(int marker, double cx, double cy, double r, double *xy)
{
    double q = r * 0.9, t = r * 1.25, d = r * 1.3;
    switch (marker) {
    case MARK_SQUARE: {
        double v[8] = {cx - q, cy - q, cx + q, cy - q, cx + q, cy + q, cx - q, cy + q};
        memcpy(xy, v, sizeof v);
        return 4;
    }
    case MARK_TRIANGLE: {
        double v[6] = {cx, cy - t, cx + t * 0.866, cy + t * 0.5, cx - t * 0.866, cy + t * 0.5};
        memcpy(xy, v, sizeof v);
        return 3;
    }
    case MARK_TRIANGLE_DOWN: {
        double v[6] = {cx, cy + t, cx + t * 0.866, cy - t * 0.5, cx - t * 0.866, cy - t * 0.5};
        memcpy(xy, v, sizeof v);
        return 3;
    }
    case MARK_DIAMOND: {
        double v[8] = {cx, cy - d, cx + d * 0.8, cy, cx, cy + d, cx - d * 0.8, cy};
        memcpy(xy, v, sizeof v);
        return 4;
    }
    default:
        return 0;
    }
}

/* Legend rows: one per series, a second small line when some of its tasks failed. */
static void set_legend(chart_model *c, const report_run *r)
{
    double y = c->legend_y;
    for (size_t i = 0; i < c->n_series; i++) {
        chart_series *s = &c->series[i];
        size_t len = strlen(s->name), keep = report_utf8_prefix(s->name, 19);
        if (len > 20 || keep < len)
            snprintf(s->legend_label, sizeof s->legend_label, "%.*s\xe2\x80\xa6", (int)keep, s->name);
        else
            snprintf(s->legend_label, sizeof s->legend_label, "%s", s->name);
        s->legend_sub[0] = '\0';
        const char *emb = report_embedder_kind(r, s->model); /* never a plain "birdnet" from the stand-in */
        char failed[40] = "";
        if (s->tasks && s->failed_tasks == s->tasks)
            snprintf(failed, sizeof failed, "all %d tasks failed", s->tasks);
        else if (s->failed_tasks)
            snprintf(failed, sizeof failed, "%d of %d tasks failed", s->failed_tasks, s->tasks);
        text_cut(s->legend_sub, sizeof s->legend_sub, "%s%s%s%s", emb[0] ? "embedder: " : "", emb,
                 emb[0] && failed[0] ? "; " : "", failed);
        s->legend_y = y;
        y += CHART_LEGEND_DY + (s->legend_sub[0] ? 10.0 : 0.0);
    }
}

static void set_texts(chart_model *c, const report_run *r, int species)
{
    int any_delong = 0, any_capped = 0, any_failed = 0, any_extra[2] = {0, 0};
    for (size_t i = 0; i < r->n_cells; i++) {
        const report_cell *cell = &r->cells[i];
        if (cell->species != species)
            continue;
        any_delong |= !strcmp(cell->ci_method, "delong");
        any_capped |= cell->capped;
        any_failed |= !isfinite(cell->mean);
        for (int x = 0; x < 2; x++)
            any_extra[x] |= isfinite(cell->extra_mean[x]);
    }
    snprintf(c->title, sizeof c->title, "%s: ROC-AUC learning curves", r->species.items[species]);
    snprintf(c->xlabel, sizeof c->xlabel, "Training clips per class (n)%s", c->xlog ? ", log scale" : "");
    snprintf(c->ylabel, sizeof c->ylabel, "ROC-AUC");
    json_t *folds = json_object_get(r->spec, "cv_folds"), *repeats = json_object_get(r->spec, "repeats");
    char over[96] = "folds";
    if (json_is_integer(folds) && json_is_integer(repeats))
        snprintf(over, sizeof over, "%lld folds \xc3\x97 %lld repeat%s", (long long)json_integer_value(folds),
                 (long long)json_integer_value(repeats), json_integer_value(repeats) == 1 ? "" : "s");
    snprintf(c->note, sizeof c->note, "Mean over %s; bars: 95%% CI (Student t%s)%s%s%s%s", over,
             any_delong ? ", DeLong for one fold" : "", any_capped ? "; open: capped size" : "",
             any_failed ? "; \xc3\x97: all tasks failed" : "", any_extra[0] ? "; dotted: external test set" : "",
             any_extra[1] ? "; dash-dot: recording level" : "");
}

int chart_build(const report_run *r, int species, int xlog, chart_model *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->width = CHART_WIDTH, out->height = CHART_HEIGHT;
    out->x0 = CHART_LEFT, out->x1 = CHART_WIDTH - CHART_RIGHT;
    out->y0 = CHART_TOP, out->y1 = CHART_HEIGHT - CHART_BOTTOM;
    long sizes[512]; /* ticks are capped at CHART_MAX_TICKS, the scale uses the extremes */
    size_t k = report_species_sizes(r, species, sizes, 512);
    if (!k) { /* nothing to place: one nominal size keeps the scales defined */
        sizes[0] = 1;
        k = 1;
    }
    out->xlog = xlog < 0 ? chart_default_log(sizes, k) : xlog;
    set_x_scale(out, sizes, k);
    set_y_scale(out, r, species);
    set_texts(out, r, species);
    out->legend_x = out->x1 + 18, out->legend_y = out->y0 + 8;
    size_t n_models = 0;
    for (size_t m = 0; m < r->models.n; m++)
        n_models += report_species_has_model(r, species, (int)m);
    double gap = INFINITY; /* the closest two sizes on the axis bound the dodge */
    for (size_t i = 1; i < k; i++)
        gap = fmin(gap, chart_x(out, (double)sizes[i]) - chart_x(out, (double)sizes[i - 1]));
    out->dodge = fmin(CHART_DODGE, gap / (double)(n_models ? n_models : 1));
    out->series = calloc(n_models ? n_models : 1, sizeof *out->series);
    if (!out->series)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory drawing '%s'", r->species.items[species]);
    int rc = MLAC_OK;
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        if (!report_species_has_model(r, species, (int)m))
            continue;
        chart_series *s = &out->series[out->n_series];
        palette_style st = palette_for(&r->models, m);
        s->model = (int)m, s->name = r->models.items[m];
        s->rgb = st.rgb, s->marker = st.marker, s->dashed = st.dashed;
        memcpy(s->hex, st.hex, sizeof s->hex);
        double dodge = out->dodge * ((double)out->n_series - ((double)n_models - 1) / 2);
        out->n_series++;
        rc = build_series(r, species, s, dodge, out, err);
    }
    if (!rc)
        set_legend(out, r);
    if (rc)
        chart_release(out);
    return rc;
}

void chart_release(chart_model *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_series; i++) {
        free(c->series[i].pts);
        free(c->series[i].failed_x);
        for (int x = 0; x < 2; x++)
            free(c->series[i].extra_x[x]), free(c->series[i].extra_y[x]);
    }
    free(c->series);
    c->series = NULL;
    c->n_series = 0;
}
