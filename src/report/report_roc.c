/* report_roc.c — pooled out-of-fold ROC curves per species (see report_data.h).
 *
 * For each model: the largest size with finished tasks; the test scores of its repeat-0 folds,
 * read from predictions/<species>/<model>/nNNNNN_r0_fK.csv (stats/predictions.h), pooled, and turned into a curve by
 * metric_roc_curve (scikit-learn's roc_curve, drop_intermediate) and an AUC by metric_roc_auc.
 * The same pooled scores give the threshold table (score reaching recall 0.8/0.9/0.95, and the
 * precision there) and, for models whose tasks report a Brier score, the reliability diagram
 * of the pooled probabilities (stats/calibration.h).
 */
#include "report/report_data.h"
#include "stats/calibration.h"
#include "stats/metrics.h"
#include "stats/operating.h"
#include "stats/predictions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when a finished task of (species, model, n) reports a Brier score. */
static int reports_brier(const report_run *r, int species, int model, long n)
{
    for (size_t i = 0; i < r->n_tasks; i++) {
        const report_task *t = &r->tasks[i];
        if (t->ok && t->species == species && t->model == model && t->n == n &&
            json_is_number(json_object_get(json_object_get(t->j, "metrics"), "brier")))
            return 1;
    }
    return 0;
}

/* Thresholds and the reliability diagram of a model's pooled scores. */
static void operating_of(const report_run *r, int species, const predictions *p, report_roc *c)
{
    static const double recall[3] = {0.8, 0.9, 0.95};
    for (int k = 0; k < 3; k++)
        c->thr[k] = op_threshold_for_recall(p->score, p->label, p->n, recall[k], &c->thr_prec[k]);
    c->ece = c->brier = NAN;
    c->probabilistic = reports_brier(r, species, c->model, c->n);
    reliability rel;
    if (!c->probabilistic || calib_reliability(p->prob, p->label, p->n, &rel, NULL))
        return;
    for (int b = 0; b < CALIB_BINS; b++)
        if (rel.count[b]) {
            c->rel_x[c->rel_m] = rel.mean_prob[b];
            c->rel_y[c->rel_m++] = rel.frac_pos[b];
        }
    c->ece = calib_ece(p->prob, p->label, p->n);
    c->brier = calib_brier(p->prob, p->label, p->n);
}

static long largest_ok_size(const report_run *r, int species, int model)
{
    long n = -1;
    for (size_t i = 0; i < r->n_tasks; i++) {
        const report_task *t = &r->tasks[i];
        if (t->ok && t->species == species && t->model == model && t->repeat == 0 && t->n > n)
            n = t->n;
    }
    return n;
}

/* Pools the scores of one model (the rows of its files, appended to p); *files counts the prediction
 * files read. */
static int pool_model(store *st, const report_run *r, int species, int model, long n, predictions *p, size_t *files,
                      mlac_err *err)
{
    int rc = MLAC_OK;
    *files = 0;
    for (size_t i = 0; !rc && i < r->n_tasks; i++) {
        const report_task *t = &r->tasks[i];
        if (!t->ok || t->species != species || t->model != model || t->n != n || t->repeat != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/predictions/%s/%s/n%05ld_r0_f%d.csv", r->run_id,
                 r->species.items[species], r->models.items[model], n, t->fold);
        int exists = 0;
        rc = store_exists(st, path, &exists, err);
        if (rc || !exists)
            continue;
        buf b;
        buf_init(&b, 256u << 20);
        rc = store_read(st, path, &b, err);
        if (!rc && b.data)
            rc = predictions_parse(b.data, b.len, path, p, err);
        buf_release(&b);
        (*files)++;
    }
    return rc;
}

int report_roc_species(store *st, const report_run *r, int species, report_roc **out, size_t *n_out,
                       mlac_err *err)
{
    *out = NULL, *n_out = 0;
    report_roc *rocs = calloc(r->models.n ? r->models.n : 1, sizeof *rocs);
    if (!rocs)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for ROC curves");
    int rc = MLAC_OK;
    for (size_t m = 0; !rc && m < r->models.n; m++) {
        long n = largest_ok_size(r, species, (int)m);
        if (n < 0)
            continue;
        predictions p = {0};
        size_t files = 0;
        rc = pool_model(st, r, species, (int)m, n, &p, &files, err);
        if (rc && rc != MLAC_ENOMEM) { /* unreadable predictions: this model gets no curve */
            rc = MLAC_OK;
            predictions_release(&p); /* no rows */
        }
        int pos = 0, neg = 0;
        for (size_t i = 0; i < p.n; i++)
            p.label[i] ? pos++ : neg++;
        if (!rc && pos && neg) {
            report_roc *c = &rocs[*n_out];
            c->model = (int)m, c->n = n, c->n_clips = p.n, c->n_files = files;
            rc = metric_roc_auc_or_nan(p.score, p.label, p.n, &c->auc, err);
            double *thr = NULL;
            if (!rc)
                rc = metric_roc_curve(p.score, p.label, p.n, 1, &c->fpr, &c->tpr, &thr, &c->m, err);
            free(thr);
            if (!rc) {
                operating_of(r, species, &p, c);
                (*n_out)++;
            }
        }
        predictions_release(&p);
    }
    if (rc) {
        report_roc_free(rocs, *n_out);
        *n_out = 0;
        return rc;
    }
    *out = rocs;
    return MLAC_OK;
}

void report_roc_free(report_roc *rocs, size_t n)
{
    for (size_t i = 0; rocs && i < n; i++) {
        free(rocs[i].fpr);
        free(rocs[i].tpr);
    }
    free(rocs);
}
