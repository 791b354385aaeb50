/* task_exec.c — executing one task (see task_exec.h). */
#include "exp/task_exec.h"
#include "core/cancel.h"
#include "core/hash.h"
#include "core/timeutil.h"
#include "exp/folds.h"
#include "stats/calibration.h"
#include "stats/metrics.h"
#include "stats/operating.h"
#include "stats/predictions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void task_predictions_path(const grid_task *t, char *out, size_t n)
{
    snprintf(out, n, "predictions/%s/%s/n%05zu_r%d_f%d.csv", t->sp->name, t->kind->name, t->n, t->repeat, t->fold);
}

typedef struct task_data {
    size_t *train_idx; /* (2n,) clip indices */
    size_t *test_idx;  /* (n_clips,) clip indices, first n_test used */
    size_t n_train, n_test;
    float *x_train;    /* (n_train, dim) */
    int *y_train;      /* (n_train,) */
    float *x_test;     /* (n_test, dim) */
    int *y_test;       /* (n_test,) */
    double *prob;      /* (n_test,) */
    double *score;     /* (n_test,) */
} task_data;

static void task_data_release(task_data *d)
{
    free(d->train_idx);
    free(d->test_idx);
    free(d->x_train);
    free(d->y_train);
    free(d->x_test);
    free(d->y_test);
    free(d->prob);
    free(d->score);
}

static int gather(const feature_table *ft, const species_data *sp, const size_t *idx, size_t n, float *x, int *y,
                  mlac_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = feature_table_read(ft, sp->clips[idx[i]].path, x + i * ft->dim, err);
        if (rc == MLAC_ENOTFOUND)
            return mlac_errf(err, MLAC_EINTERNAL, "no features for '%s'", sp->clips[idx[i]].path);
        if (rc)
            return rc;
        y[i] = sp->clips[idx[i]].label;
    }
    return MLAC_OK;
}

static int prepare(const task_input *in, task_data *d, mlac_err *err)
{
    const grid_task *t = in->task;
    const species_data *sp = t->sp;
    size_t dim = in->features->dim;
    d->n_train = 2 * t->n;
    d->train_idx = malloc(d->n_train * sizeof *d->train_idx);
    d->test_idx = malloc(sp->n_clips * sizeof *d->test_idx);
    if (!d->train_idx || !d->test_idx)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for task '%s'", t->id);
    int rc = folds_training_set(sp, in->fold_of, t->fold, t->n, in->master_seed, t->repeat, d->train_idx, err);
    if (rc)
        return rc;
    folds_test_set(sp, in->fold_of, t->fold, d->test_idx, &d->n_test);
    d->x_train = malloc(d->n_train * dim * sizeof(float));
    d->y_train = malloc(d->n_train * sizeof(int));
    d->x_test = malloc((d->n_test ? d->n_test : 1) * dim * sizeof(float));
    d->y_test = malloc((d->n_test ? d->n_test : 1) * sizeof(int));
    d->prob = malloc((d->n_test ? d->n_test : 1) * sizeof(double));
    d->score = malloc((d->n_test ? d->n_test : 1) * sizeof(double));
    if (!d->x_train || !d->y_train || !d->x_test || !d->y_test || !d->prob || !d->score)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for task '%s'", t->id);
    rc = gather(in->features, sp, d->train_idx, d->n_train, d->x_train, d->y_train, err);
    if (!rc)
        rc = gather(in->features, sp, d->test_idx, d->n_test, d->x_test, d->y_test, err);
    return rc;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int write_predictions(const task_input *in, const task_data *d, buf *out, mlac_err *err)
{
    int rc = buf_puts(out, PREDICTIONS_HEADER, err);
    for (size_t i = 0; !rc && i < d->n_test; i++)
        rc = predictions_write_row(out, in->task->sp->clips[d->test_idx[i]].path, d->y_test[i], d->score[i],
                                   d->prob[i], err);
    return rc;
}

/* The SVM's prob is a fixed sigmoid of its margin, not a fitted probability: calibration
 * metrics are reported for it only after Platt scaling. */
static int scores_are_probabilities(const struct model_kind *k)
{
    return task_model_is_probabilistic(k->name);
}

int task_model_is_probabilistic(const char *model)
{
    return strcmp(model, "svm") != 0;
}

#define PLATT_FOLDS 3

/* Platt scaling fitted on the training set only: the margins of PLATT_FOLDS inner stratified
 * folds (each scored by a model fitted on the other training clips; the training rows are
 * already in seeded order, so row i of each class goes to inner fold i % PLATT_FOLDS) are
 * pooled and the sigmoid fitted on them, as scikit-learn's
 * CalibratedClassifierCV(method="sigmoid", ensemble=False); the test probabilities are the
 * sigmoid of the full model's margins. */
static int platt_calibrate(const task_input *in, task_data *d, json_t *res, mlac_err *err)
{
    const grid_task *t = in->task;
    size_t dim = in->features->dim, n = t->n, N = d->n_train;
    if (n < PLATT_FOLDS) {
        json_object_set_new(res, "calibration", json_pack("{s:s, s:s}", "method", "none", "why",
                                                          "platt needs at least 3 training clips per class"));
        return MLAC_OK;
    }
    float *xf = malloc(N * dim * sizeof *xf), *xh = malloc(N * dim * sizeof *xh);
    int *yf = malloc(N * sizeof *yf), *yoof = malloc(N * sizeof *yoof);
    double *oof = malloc(N * sizeof *oof), *pr = malloc(N * sizeof *pr), *sc = malloc(N * sizeof *sc);
    int rc = (!xf || !xh || !yf || !yoof || !oof || !pr || !sc) ? mlac_errf(err, MLAC_ENOMEM, "out of memory for platt")
                                                               : MLAC_OK;
    size_t n_oof = 0;
    for (int k = 0; !rc && k < PLATT_FOLDS; k++) {
        size_t nf = 0, nh = 0;
        for (size_t i = 0; i < N; i++) {
            size_t within = i < n ? i : i - n; /* rows: n positives then n negatives */
            int held = (int)(within % PLATT_FOLDS) == k;
            memcpy((held ? xh + nh * dim : xf + nf * dim), d->x_train + i * dim, dim * sizeof(float));
            if (held)
                yoof[n_oof + nh++] = d->y_train[i];
            else
                yf[nf++] = d->y_train[i];
        }
        model_config cfg = {.seed = grid_task_seed(t, in->master_seed) + 1 + (unsigned long long)k,
                            .n_threads = in->n_threads, .options = in->options};
        model *m = NULL;
        rc = t->kind->create(&cfg, &m, err);
        if (!rc)
            rc = t->kind->fit(m, xf, yf, nf, dim, err);
        if (!rc)
            rc = t->kind->score(m, xh, nh, dim, pr, sc, err);
        for (size_t i = 0; !rc && i < nh; i++)
            oof[n_oof + i] = sc[i];
        n_oof += nh;
        if (m)
            t->kind->free(m);
    }
    double a = 0, b = 0;
    if (!rc)
        rc = calib_platt_fit(oof, yoof, n_oof, &a, &b, err);
    if (!rc) {
        for (size_t i = 0; i < d->n_test; i++)
            d->prob[i] = calib_platt_apply(d->score[i], a, b);
        json_object_set_new(res, "calibration", json_pack("{s:s, s:f, s:f, s:i}", "method", "platt", "a", a, "b", b,
                                                          "inner_folds", PLATT_FOLDS));
    }
    free(xf), free(xh), free(yf), free(yoof), free(oof), free(pr), free(sc);
    return rc;
}

static int run_model(const task_input *in, task_data *d, json_t *res, mlac_err *err)
{
    const grid_task *t = in->task;
    size_t dim = in->features->dim;
    model_config cfg = {.seed = grid_task_seed(t, in->master_seed), .n_threads = in->n_threads, .options = in->options};
    model *m = NULL;
    int rc = t->kind->create(&cfg, &m, err);
    if (rc)
        return rc;
    double t0 = time_now();
    rc = t->kind->fit(m, d->x_train, d->y_train, d->n_train, dim, err);
    double t1 = time_now();
    if (!rc)
        rc = t->kind->score(m, d->x_test, d->n_test, dim, d->prob, d->score, err);
    double t2 = time_now();
    if (!rc) {
        json_object_set_new(res, "train_seconds", json_real(t1 - t0));
        json_object_set_new(res, "predict_seconds", json_real(t2 - t1));
        json_t *info = json_object();
        if (t->kind->describe)
            t->kind->describe(m, info);
        json_object_set_new(res, "model_info", info);
    }
    if (!rc && in->external) {
        double auc;
        json_t *check = json_object();
        rc = check ? external_score(in->external, t->sp->name, t->kind, m, &auc, check, err)
                   : mlac_errf(err, MLAC_ENOMEM, "out of memory scoring the test data");
        if (!rc)
            json_object_set_new(res, "external_roc_auc", num(auc));
        if (!rc && json_object_size(check)) /* what the ledger's check recomputes it from */
            json_object_set(res, "external_check", check);
        json_decref(check);
    }
    t->kind->free(m);
    if (!rc && in->calibrate_platt && !scores_are_probabilities(t->kind))
        rc = platt_calibrate(in, d, res, err);
    return rc;
}

/* Operating points (from the ranking score) and, for probabilities, Brier score and ECE. */
static void add_operating(const double *score, const double *prob, const int *y, size_t n, int probabilistic,
                          json_t *metrics)
{
    static const struct { const char *pr, *rp; double target; } ops[] = {
        {"precision_at_recall_80", "recall_at_precision_80", 0.8},
        {"precision_at_recall_90", "recall_at_precision_90", 0.9},
        {"precision_at_recall_95", "recall_at_precision_95", 0.95}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        json_object_set_new(metrics, ops[i].pr, num(op_precision_at_recall(score, y, n, ops[i].target)));
        json_object_set_new(metrics, ops[i].rp, num(op_recall_at_precision(score, y, n, ops[i].target)));
    }
    json_object_set_new(metrics, "brier", probabilistic ? num(calib_brier(prob, y, n)) : json_null());
    json_object_set_new(metrics, "ece", probabilistic ? num(calib_ece(prob, y, n)) : json_null());
}

json_t *task_metrics_compute(const double *score, const double *prob, const int *y, size_t n, int probabilistic,
                             mlac_err *err)
{
    task_metrics tm;
    if (metrics_task(prob, y, n, &tm, err))
        return NULL;
    /* ranking metrics from the model's score (an SVM's margin keeps ties a sigmoid would make) */
    mlac_err why = {0};
    if (metric_ranking_err(score, y, n, &tm.roc_auc, &tm.pr_auc, &why) == MLAC_ENOMEM) {
        mlac_errf(err, MLAC_ENOMEM, "out of memory computing ROC-AUC (%s)", why.msg);
        return NULL; /* not an AUC of NaN */
    }
    json_t *m = json_pack("{s:o, s:o, s:o, s:o, s:o}", "roc_auc", num(tm.roc_auc), "pr_auc", num(tm.pr_auc),
                          "accuracy", num(tm.accuracy), "f1", num(tm.f1), "log_loss", num(tm.log_loss));
    if (!m) {
        mlac_errf(err, MLAC_ENOMEM, "out of memory for metrics");
        return NULL;
    }
    add_operating(score, prob, y, n, probabilistic, m);
    return m;
}

int task_group_auc(const double *score, const int *y, const int *gid, size_t n, size_t n_groups, int how,
                   double *auc_out)
{
    size_t G = n_groups;
    double *s = calloc(G ? G : 1, sizeof *s), *gs = malloc((G ? G : 1) * sizeof *gs);
    size_t *cnt = calloc(G ? G : 1, sizeof *cnt);
    int *lab = calloc(G ? G : 1, sizeof *lab), *gl = malloc((G ? G : 1) * sizeof *gl);
    double auc = NAN;
    int rc = !G || (s && gs && cnt && lab && gl) ? MLAC_OK : MLAC_ENOMEM;
    if (G && !rc) {
        for (size_t i = 0; i < n; i++) {
            size_t g = (size_t)gid[i];
            double v = score[i];
            s[g] = cnt[g] == 0 ? v : how == 1 ? fmax(s[g], v) : s[g] + v;
            cnt[g]++;
            lab[g] |= y[i];
        }
        size_t m = 0;
        for (size_t g = 0; g < G; g++)
            if (cnt[g]) {
                gs[m] = how == 2 ? s[g] / (double)cnt[g] : s[g];
                gl[m++] = lab[g];
            }
        if (metric_roc_auc_err(gs, gl, m, &auc, NULL) == MLAC_ENOMEM)
            rc = MLAC_ENOMEM;
    }
    free(s), free(gs), free(cnt), free(lab), free(gl);
    *auc_out = rc ? NAN : auc;
    return rc;
}

/* ROC-AUC over the test fold's groups (recordings); res gets "group_check" (how, and each
 * test row's group in predictions order), from which the ledger's check recomputes it. */
static int group_auc(const task_input *in, const task_data *d, json_t *res, double *auc, mlac_err *err)
{
    const species_data *sp = in->task->sp;
    int *gid = malloc((d->n_test ? d->n_test : 1) * sizeof *gid);
    json_t *gids = json_array(), *check = json_object();
    int rc = gid && gids && check ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "out of memory for the group ROC-AUC");
    for (size_t i = 0; !rc && i < d->n_test; i++) {
        gid[i] = sp->clips[d->test_idx[i]].gid;
        if (json_array_append_new(gids, json_integer(gid[i])))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the group ROC-AUC");
    }
    if (!rc) {
        if (task_group_auc(d->score, d->y_test, gid, d->n_test, sp->n_groups, in->group_score, auc))
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the group ROC-AUC");
    }
    if (!rc) {
        json_object_set_new(check, "score", json_string(in->group_score == 1 ? "max" : "mean"));
        json_object_set_new(check, "n_groups", json_integer((json_int_t)sp->n_groups));
        json_object_set(check, "gids", gids);
        json_object_set(res, "group_check", check);
    }
    json_decref(gids);
    json_decref(check);
    free(gid);
    return rc;
}

static int add_metrics(const task_input *in, const task_data *d, json_t *res, mlac_err *err)
{
    const char *cm = json_string_value(json_object_get(json_object_get(res, "calibration"), "method"));
    int platt = cm && !strcmp(cm, "platt");
    json_t *m = task_metrics_compute(d->score, d->prob, d->y_test, d->n_test,
                                     scores_are_probabilities(in->task->kind) || platt, err);
    if (!m)
        return err && err->code ? err->code : MLAC_EINVAL;
    json_object_set_new(res, "metrics", m);
    json_t *ext = json_object_get(res, "external_roc_auc"); /* with the metrics, to be aggregated */
    if (ext)
        json_object_set(m, "external_roc_auc", ext), json_object_del(res, "external_roc_auc");
    if (in->group_score && in->task->sp->n_groups) {
        double auc = NAN;
        int rc = group_auc(in, d, res, &auc, err);
        if (rc)
            return rc;
        json_object_set_new(m, "group_roc_auc", num(auc));
    }
    return MLAC_OK;
}

/* A score that is not a finite number (or a probability outside [0, 1]) fails the task: its
 * predictions would not read back (stats/predictions.h) and its metrics would mean nothing. */
static int check_scores(const task_input *in, const task_data *d, mlac_err *err)
{
    for (size_t i = 0; i < d->n_test; i++)
        if (!isfinite(d->score[i]) || !isfinite(d->prob[i]) || d->prob[i] < 0 || d->prob[i] > 1)
            return mlac_errf(err, MLAC_EINTERNAL, "model '%s' gave test clip '%s' a score of %g (probability %g), "
                             "not a finite number", in->task->kind->name,
                             in->task->sp->clips[d->test_idx[i]].path, d->score[i], d->prob[i]);
    return MLAC_OK;
}

/* A model whose test scores are all equal ranks nothing (its ROC-AUC is 0.5 by ties alone): the
 * task stays "ok" (its predictions are what the model said) but the ledger line carries
 * "constant_scores": true and a "warning", which the runner logs and the report lists. */
static void flag_constant(const task_data *d, json_t *res)
{
    if (d->n_test < 2)
        return;
    for (size_t i = 1; i < d->n_test; i++)
        if (d->score[i] != d->score[0])
            return;
    char msg[256];
    snprintf(msg, sizeof msg,
             "constant scores: all %zu test clips scored %.9g, so the model ranks nothing (ROC-AUC 0.5 by ties)",
             d->n_test, d->score[0]);
    json_object_set_new(res, "constant_scores", json_true());
    json_object_set_new(res, "warning", json_string(msg));
}

json_t *task_execute(const task_input *in, buf *predictions)
{
    const grid_task *t = in->task;
    json_t *res = json_object();
    json_t *req = json_array();
    for (size_t i = 0; i < t->n_requested; i++)
        json_array_append_new(req, json_integer((json_int_t)t->requested[i]));
    json_object_set_new(res, "task_id", json_string(t->id));
    json_object_set_new(res, "species", json_string(t->sp->name));
    json_object_set_new(res, "model", json_string(t->kind->name));
    json_object_set_new(res, "n", json_integer((json_int_t)t->n));
    json_object_set_new(res, "n_effective", json_integer((json_int_t)t->n));
    json_object_set_new(res, "n_requested", req);
    json_object_set_new(res, "capped", json_boolean(t->requested[t->n_requested - 1] > t->n));
    json_object_set_new(res, "fold", json_integer(t->fold));
    json_object_set_new(res, "repeat", json_integer(t->repeat));
    json_object_set_new(res, "seed", json_integer((json_int_t)(grid_task_seed(t, in->master_seed) >> 1)));
    task_data d = {0};
    mlac_err err = {0};
    int rc = in->features_error ? mlac_errf(&err, MLAC_EUNAVAIL, "%s", in->features_error) : prepare(in, &d, &err);
    if (!rc) {
        json_object_set_new(res, "n_train", json_integer((json_int_t)d.n_train));
        json_object_set_new(res, "n_test", json_integer((json_int_t)d.n_test));
        rc = run_model(in, &d, res, &err);
    }
    if (!rc)
        rc = check_scores(in, &d, &err);
    if (!rc)
        rc = add_metrics(in, &d, res, &err);
    if (!rc)
        flag_constant(&d, res);
    if (!rc)
        rc = write_predictions(in, &d, predictions, &err);
    if (!rc) { /* what the ledger's check of this line verifies the predictions file against */
        char hex[65];
        hash_sha256_hex(predictions->data ? predictions->data : "", predictions->len, hex);
        json_object_set_new(res, "predictions_rows", json_integer((json_int_t)d.n_test));
        json_object_set_new(res, "predictions_sha256", json_string(hex));
    }
    json_object_set_new(res, "peak_rss_kb", json_integer(mem_peak_rss_kb()));
    json_object_set_new(res, "status", json_string(rc == MLAC_ECANCEL && cancel_requested() ? "cancelled" : rc ? "failed" : "ok"));
    if (rc)
        json_object_set_new(res, "error", json_string(err.msg));
    task_data_release(&d);
    return res;
}
