/* metrics.c — ROC-AUC, average precision and thresholded metrics (see metrics.h).
 *
 * AUC and AP come from one walk over the scores sorted highest first, in groups of tied
 * scores: a group with tp positives and fp negatives adds tp * (negatives below) +
 * tp * fp / 2 to the Mann-Whitney U (exact in doubles below 2^53) and one
 * (recall step) * precision term to AP, as scikit-learn's threshold grouping.
 */
#include "stats/metrics.h"
#include "stats/rank.h"

#include <math.h>
#include <stdlib.h>

#define LOG_LOSS_EPS 1e-15

/* Walks sorted pairs s (n,) once; either output may be NULL. */
static void ranked_metrics(const scored *s, size_t n, size_t n_pos, size_t n_neg, double *auc,
                           double *ap)
{
    double u = 0, ap_sum = 0, recall_prev = 0;
    size_t tps = 0, fps = 0;
    for (size_t i = 0; i < n;) {
        size_t tp = 0, fp = 0, j = i;
        for (; j < n && s[j].s == s[i].s; j++)
            s[j].y ? tp++ : fp++;
        tps += tp;
        fps += fp;
        u += (double)tp * (double)(n_neg - fps) + 0.5 * (double)tp * (double)fp;
        double recall = n_pos ? (double)tps / (double)n_pos : 1.0;
        ap_sum += (recall - recall_prev) * ((double)tps / (double)(tps + fps));
        recall_prev = recall;
        i = j;
    }
    if (auc)
        *auc = (n_pos && n_neg) ? u / ((double)n_pos * (double)n_neg) : NAN;
    if (ap)
        *ap = ap_sum;
}

/* Both ranking metrics; NAN for each on bad input. */
static int ranking(const double *score, const int *y, size_t n, const char *what, double *auc,
                   double *ap, mlac_err *err)
{
    size_t n_pos, n_neg;
    scored *s = NULL;
    *auc = *ap = NAN;
    int rc = stats_check_scored(score, y, n, what, &n_pos, &n_neg, err);
    if (rc == MLAC_OK)
        rc = stats_sort_desc(score, y, n, &s, err);
    if (rc == MLAC_OK)
        ranked_metrics(s, n, n_pos, n_neg, auc, ap);
    free(s);
    return rc;
}

double metric_roc_auc(const double *score, const int *y, size_t n)
{
    double auc, ap;
    ranking(score, y, n, "", &auc, &ap, NULL);
    return auc;
}

int metric_roc_auc_err(const double *score, const int *y, size_t n, double *auc, mlac_err *err)
{
    double ap;
    return ranking(score, y, n, "", auc, &ap, err);
}

int metric_roc_auc_or_nan(const double *score, const int *y, size_t n, double *auc, mlac_err *err)
{
    mlac_err why = {0};
    int rc = metric_roc_auc_err(score, y, n, auc, &why);
    if (rc != MLAC_ENOMEM)
        return MLAC_OK;
    return mlac_errf(err, MLAC_ENOMEM, "%s", why.msg);
}

int metric_ranking_err(const double *score, const int *y, size_t n, double *auc, double *ap, mlac_err *err)
{
    return ranking(score, y, n, "", auc, ap, err);
}

double metric_average_precision(const double *score, const int *y, size_t n)
{
    double auc, ap;
    ranking(score, y, n, "", &auc, &ap, NULL);
    return ap;
}

typedef struct confusion {
    size_t tp, fp, fn, tn;
} confusion;

/* Confusion counts at prob >= 0.5; -1 on bad input. */
static int confusion_at_half(const double *prob, const int *y, size_t n, confusion *c)
{
    *c = (confusion){0, 0, 0, 0};
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(prob[i]) || (y[i] != 0 && y[i] != 1))
            return -1;
        int pred = prob[i] >= 0.5;
        if (pred)
            y[i] ? c->tp++ : c->fp++;
        else
            y[i] ? c->fn++ : c->tn++;
    }
    return 0;
}

double metric_accuracy(const double *prob, const int *y, size_t n)
{
    confusion c;
    if (confusion_at_half(prob, y, n, &c))
        return NAN;
    return (double)(c.tp + c.tn) / (double)n;
}

double metric_f1(const double *prob, const int *y, size_t n)
{
    confusion c;
    if (confusion_at_half(prob, y, n, &c))
        return NAN;
    size_t den = 2 * c.tp + c.fp + c.fn;
    return den ? 2.0 * (double)c.tp / (double)den : 0.0;
}

/* One clip's loss, as sklearn 1.2: clip p, complement after clipping, renormalise. */
static double clip_loss(double p, int y)
{
    double pc = fmin(fmax(p, LOG_LOSS_EPS), 1.0 - LOG_LOSS_EPS);
    double qc = 1.0 - pc;
    return -log((y ? pc : qc) / (qc + pc));
}

double metric_log_loss(const double *prob, const int *y, size_t n)
{
    double sum = 0;
    if (n == 0)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        if (isnan(prob[i]) || (y[i] != 0 && y[i] != 1))
            return NAN;
        sum += clip_loss(prob[i], y[i]);
    }
    return sum / (double)n;
}

int metrics_task(const double *prob, const int *y, size_t n, task_metrics *out, mlac_err *err)
{
    *out = (task_metrics){NAN, NAN, NAN, NAN, NAN};
    for (size_t i = 0; i < n; i++)
        if (!(prob[i] >= 0.0 && prob[i] <= 1.0))
            return mlac_errf(err, MLAC_EINVAL, "task metrics: score %zu is %g, outside [0, 1]", i,
                             prob[i]);
    int rc = ranking(prob, y, n, "task metrics", &out->roc_auc, &out->pr_auc, err);
    if (rc)
        return rc;
    out->accuracy = metric_accuracy(prob, y, n);
    out->f1 = metric_f1(prob, y, n);
    out->log_loss = metric_log_loss(prob, y, n);
    return MLAC_OK;
}
