/* html_glance.c — the "answer" card at the top of index.html: per species, the best model at
 * the largest size (mean ROC-AUC and its interval), which models it beats significantly there,
 * and the model that the learning-curve fits say needs the fewest clips for AUC 0.9. */
#include "report/html.h"
#include "report/palette.h"
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int model_name(const report_run *r, int m, buf *b, mlac_err *err)
{
    palette_style ps = palette_for(&r->models, (size_t)m);
    int rc = buf_printf(b, err, "<span class=\"sw\" style=\"background:%s\"></span>", ps.hex);
    return rc ? rc : report_esc(b, r->models.items[m], err);
}

/* The cell with the highest mean at the species' largest size with any finite mean. */
static const report_cell *best_cell(const report_run *r, int sp)
{
    long n = -1;
    for (size_t i = 0; i < r->n_cells; i++)
        if (r->cells[i].species == sp && isfinite(r->cells[i].mean) && r->cells[i].n > n)
            n = r->cells[i].n;
    const report_cell *best = NULL;
    for (size_t i = 0; i < r->n_cells; i++) {
        const report_cell *c = &r->cells[i];
        if (c->species == sp && c->n == n && isfinite(c->mean) && (!best || c->mean > best->mean))
            best = c;
    }
    return best;
}

static int beaten(const report_run *r, const report_cell *best, buf *b, mlac_err *err)
{
    int rc = MLAC_OK, k = 0;
    const char *name = r->models.items[best->model];
    for (size_t i = 0; !rc && i < r->n_sig; i++) {
        const report_sig *s = &r->sig[i];
        if (s->species != best->species || s->n != best->n || !s->significant || strcmp(s->better, name))
            continue;
        const char *other = strcmp(s->model_a, name) ? s->model_a : s->model_b;
        rc = k++ ? buf_puts(b, ", ", err) : MLAC_OK;
        rc = rc ? rc : report_esc(b, other, err);
    }
    if (!rc && !k)
        rc = buf_puts(b, r->has_sig ? "<span class=\"ns\">none shown</span>" : "<span class=\"ns\">\xe2\x80\x93</span>",
                      err);
    return rc;
}

static int fewest_clips(const report_run *r, int sp, buf *b, mlac_err *err)
{
    const report_curve *best = NULL;
    for (size_t i = 0; i < r->n_curves; i++) {
        const report_curve *c = &r->curves[i];
        if (c->species == sp && c->model >= 0 && fabs(c->target - 0.9) < 1e-9 && !strcmp(c->status, "ok") &&
            isfinite(c->n_needed) && (!best || c->n_needed < best->n_needed))
            best = c;
    }
    if (!best)
        return buf_puts(b, "<span class=\"ns\">not reached in the fitted range</span>", err);
    int rc = model_name(r, best->model, b, err);
    rc = rc ? rc : buf_printf(b, err, ": %.0f clips per class", ceil(best->n_needed));
    if (!rc && best->n_needed > best->max_n)
        rc = buf_puts(b, " <small class=\"ns\">(forecast)</small>", err);
    return rc;
}

int html_glance_card(const report_run *r, buf *out, mlac_err *err)
{
    int rc = buf_puts(out, "<section id=\"answer\"><div class=\"card\"><h3>At a glance</h3><div class=\"scroll\">"
                           "<table><tr><th class=\"l\">species</th><th class=\"l\">best at the largest size</th>"
                           "<th>ROC-AUC (95% CI)</th><th class=\"l\">significantly ahead of</th>"
                           "<th class=\"l\">fewest clips for AUC 0.9</th></tr>\n",
                      err);
    for (size_t s = 0; !rc && s < r->species.n; s++) {
        const report_cell *best = best_cell(r, (int)s);
        rc = buf_puts(out, "<tr><td class=\"l\">", err);
        rc = rc ? rc : report_esc(out, r->species.items[s], err);
        rc = rc ? rc : buf_puts(out, "</td><td class=\"l\">", err);
        if (!rc && !best) {
            rc = buf_puts(out, "<span class=\"bad\">no finished task</span></td><td></td><td></td><td></td></tr>\n",
                          err);
            continue;
        }
        rc = rc ? rc : model_name(r, best->model, out, err);
        rc = rc ? rc : buf_printf(out, err, " <small class=\"ns\">n = %ld</small></td><td>%.3f", best->n, best->mean);
        if (!rc && isfinite(best->ci_lo) && isfinite(best->ci_hi))
            rc = buf_printf(out, err, " <small class=\"ns\">(%.3f\xe2\x80\x93%.3f)</small>", best->ci_lo, best->ci_hi);
        rc = rc ? rc : buf_puts(out, "</td><td class=\"l\">", err);
        rc = rc ? rc : beaten(r, best, out, err);
        rc = rc ? rc : buf_puts(out, "</td><td class=\"l\">", err);
        rc = rc ? rc : fewest_clips(r, (int)s, out, err);
        rc = rc ? rc : buf_puts(out, "</td></tr>\n", err);
    }
    return rc ? rc : buf_puts(out, "</table></div></div></section>\n", err);
}
