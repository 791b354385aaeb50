/* html_glance.c — the "answer" card at the top of index.html: per species, the best model at
 * the largest size (mean ROC-AUC and its interval), which models it beats significantly there,
 * and the fewest clips for AUC 0.9: measured where a mean reached it, else fitted or forecast
 * (report_claims.h decides what may be said). */
#include "report/html.h"
#include "report/palette.h"
#include "report/report_claims.h"
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int model_name(const report_run *r, int m, buf *b, mlac_err *err)
{
    palette_style ps = palette_for(&r->models, (size_t)m);
    int rc = buf_printf(b, err, "<span class=\"sw\" style=\"background:%s\"></span>", ps.hex);
    rc = rc ? rc : report_esc(b, r->models.items[m], err);
    const char *emb = report_embedder_kind(r, m);
    if (!rc && emb[0])
        rc = buf_printf(b, err, " <small class=\"ns\">(%s embedder)</small>", emb);
    return rc;
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

/* The fewest clips per class for AUC 0.9 over the species' models: a size where a measured mean
 * reached it first (report_claims.h), else the smallest fitted or forecast size; else why not. */
static int fewest_clips(const report_run *r, int sp, buf *b, mlac_err *err)
{
    report_claim best = {0}, cl;
    int best_m = -1;
    size_t n_exact = 0, n_nofit = 0, n_other = 0;
    for (size_t m = 0; m < r->models.n; m++) {
        if (!report_species_has_model(r, sp, (int)m))
            continue;
        report_claim_for(r, sp, (int)m, 0.9, &cl);
        n_exact += cl.kind == CLAIM_EXACT_FIT;
        n_nofit += cl.kind == CLAIM_NO_FIT;
        n_other += cl.kind == CLAIM_NOT_REACHED || cl.kind == CLAIM_BELOW_DATA;
        int usable = cl.kind == CLAIM_OBSERVED || cl.kind == CLAIM_FITTED || cl.kind == CLAIM_FORECAST;
        if (!usable)
            continue;
        int better = best_m < 0 || (cl.kind == CLAIM_OBSERVED && best.kind != CLAIM_OBSERVED);
        if (!better && (cl.kind == CLAIM_OBSERVED) == (best.kind == CLAIM_OBSERVED))
            better = cl.kind == CLAIM_OBSERVED ? cl.n_observed < best.n_observed : cl.n_fit < best.n_fit;
        if (better)
            best = cl, best_m = (int)m;
    }
    if (best_m < 0) {
        char why[300];
        snprintf(why, sizeof why, "no measured mean reached 0.90%s%s", n_nofit || n_exact ? "; a fit needs mean AUCs "
                 "at 4 or more sizes" : "", n_other ? "; no fit reaches it within 4\xc3\x97 the largest size measured"
                 : "");
        int rc = buf_puts(b, "<span class=\"ns\">not reached</span> <small class=\"ns\">(", err);
        rc = rc ? rc : report_esc(b, why, err);
        return rc ? rc : buf_puts(b, ")</small>", err);
    }
    int rc = model_name(r, best_m, b, err);
    if (!rc && best.kind == CLAIM_OBSERVED)
        rc = buf_printf(b, err, ": reached at n = %ld <small class=\"ns\">(measured %.3f)</small>", best.n_observed,
                        best.mean_observed);
    else if (!rc)
        rc = buf_printf(b, err, ": %.0f clips per class <small class=\"ns\">(%s)</small>", ceil(best.n_fit),
                        best.kind == CLAIM_FORECAST ? "forecast: extrapolated beyond the largest size measured"
                                                    : "fitted between the sizes measured");
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
