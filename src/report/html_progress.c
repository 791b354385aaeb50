/* html_progress.c — training progress per epoch (loss, validation AUC) for the models whose
 * tasks report model_info.history = [{"epoch", "loss", "val_auc"}, ...] (the CNNs): for each
 * such model of a species, the folds of its largest size with a history, one line per fold. */
#include "report/html.h"
#include "report/palette.h"
#include "report/report_util.h"
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FOLD_LINES 32

static json_t *history_of(const report_task *t)
{
    json_t *h = json_object_get(json_object_get(t->j, "model_info"), "history");
    return json_is_array(h) && json_array_size(h) ? h : NULL;
}

static double nice_step(double range, int ticks)
{
    double raw = range / ticks, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

typedef struct fold_hist {
    double *epoch, *loss, *auc; /* (n,) NAN where a value is missing */
    size_t n;
} fold_hist;

static int read_history(json_t *h, fold_hist *f, mlac_err *err)
{
    f->n = json_array_size(h);
    f->epoch = malloc(f->n * sizeof *f->epoch);
    f->loss = malloc(f->n * sizeof *f->loss);
    f->auc = malloc(f->n * sizeof *f->auc);
    if (!f->epoch || !f->loss || !f->auc)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading a training history");
    for (size_t i = 0; i < f->n; i++) {
        json_t *e = json_array_get(h, i), *v;
        v = json_object_get(e, "epoch");
        f->epoch[i] = json_is_number(v) ? json_number_value(v) : (double)(i + 1);
        v = json_object_get(e, "loss");
        f->loss[i] = json_is_number(v) ? json_number_value(v) : NAN;
        v = json_object_get(e, "val_auc");
        f->auc[i] = json_is_number(v) ? json_number_value(v) : NAN;
    }
    return MLAC_OK;
}

static int model_plots(const report_run *r, int sp, int m, long n, buf *b, mlac_err *err)
{
    fold_hist folds[MAX_FOLD_LINES];
    size_t k = 0;
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < r->n_tasks && k < MAX_FOLD_LINES; i++) {
        const report_task *t = &r->tasks[i];
        json_t *h = t->ok && t->species == sp && t->model == m && t->n == n ? history_of(t) : NULL;
        if (h) {
            memset(&folds[k], 0, sizeof folds[k]);
            rc = read_history(h, &folds[k++], err);
        }
    }
    double max_epoch = 2, max_loss = 0, min_auc = 1;
    int has_auc = 0, has_loss = 0;
    for (size_t f = 0; f < k; f++)
        for (size_t i = 0; i < folds[f].n; i++) {
            max_epoch = fmax(max_epoch, folds[f].epoch[i]);
            if (isfinite(folds[f].loss[i]))
                max_loss = fmax(max_loss, folds[f].loss[i]), has_loss = 1;
            if (isfinite(folds[f].auc[i]))
                min_auc = fmin(min_auc, folds[f].auc[i]), has_auc = 1;
        }
    palette_style ps = palette_for(&r->models, (size_t)m);
    svg_line lines[MAX_FOLD_LINES];
    char title[2][200];
    snprintf(title[0], sizeof title[0], "%s: training loss (n = %ld)", r->models.items[m], n);
    snprintf(title[1], sizeof title[1], "%s: validation AUC (n = %ld)", r->models.items[m], n);
    for (int which = 0; !rc && which < 2; which++) {
        if ((which == 0 && !has_loss) || (which == 1 && !has_auc))
            continue;
        for (size_t f = 0; f < k; f++) {
            lines[f] = (svg_line){.name = NULL, .opacity = 0.75, .x = folds[f].epoch,
                                  .y = which ? folds[f].auc : folds[f].loss, .n = folds[f].n,
                                  .group = r->models.items[m]};
            memcpy(lines[f].hex, ps.hex, sizeof lines[f].hex);
        }
        double ymax = which ? 1 : fmax(0.1, ceil(max_loss * 10) / 10);
        double ymin = which ? fmax(0, fmin(0.5, floor(min_auc * 10) / 10)) : 0;
        svg_plot p = {.title = title[which], .xlabel = "epoch", .ylabel = which ? "validation AUC" : "loss",
                      .width = 330, .height = 230, .xmin = 1, .xmax = max_epoch, .ymin = ymin, .ymax = ymax,
                      .xstep = fmax(1, ceil(nice_step(max_epoch - 1, 6))), .ystep = nice_step(ymax - ymin, 5),
                      .lines = lines, .n_lines = k};
        rc = buf_puts(b, "<div>", err);
        rc = rc ? rc : svg_plot_write(&p, b, err);
        rc = rc ? rc : buf_puts(b, "</div>\n", err);
    }
    for (size_t f = 0; f < k; f++) {
        free(folds[f].epoch);
        free(folds[f].loss);
        free(folds[f].auc);
    }
    return rc;
}

int html_progress(const report_run *r, int sp, buf *out, mlac_err *err)
{
    int rc = MLAC_OK, started = 0;
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        long n = -1;
        for (size_t i = 0; i < r->n_tasks; i++) {
            const report_task *t = &r->tasks[i];
            if (t->ok && t->species == sp && t->model == (int)m && t->n > n && history_of(t))
                n = t->n;
        }
        if (n < 0)
            continue;
        if (!started)
            rc = buf_puts(out, "<div class=\"card\"><h3>Training progress per epoch</h3>\n<div class=\"progress\">\n",
                          err);
        started = 1;
        rc = rc ? rc : model_plots(r, sp, (int)m, n, out, err);
    }
    if (!rc && started)
        rc = buf_puts(out, "</div><p class=\"caption\">One line per fold at each model's largest training size; "
                           "validation AUC on the early-stopping split.</p></div>\n",
                      err);
    return rc;
}
