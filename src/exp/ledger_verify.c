/* ledger_verify.c — checking a finished task's ledger line against its predictions file
 * (see ledger_line_verify in ledger.h).
 *
 * Order of the checks: the line's own fields (present, of the right type, agreeing with the
 * task id, so no path is built from a missing field), then the file (present, SHA-256, strict
 * parse, row count), then the metrics recomputed from the file's rows with the task's own
 * function (task_metrics_compute), and group_roc_auc from them and the line's group_check
 * (task_group_auc), external_roc_auc from its external_check (external.h). Predictions are written with digits enough to read back exactly, so the
 * recomputed metrics of an untouched file are the very doubles of the line; a line of an older
 * mlac (9 digits, no checksum) is compared within METRIC_TOLERANCE_OLD.
 */
#include "exp/ledger.h"
#include "core/hash.h"
#include "exp/task_exec.h"
#include "stats/metrics.h"
#include "stats/predictions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRIC_TOLERANCE 1e-12
#define METRIC_TOLERANCE_OLD 1e-6
#define PREDICTIONS_MAX ((size_t)256 << 20)

static int bad(mlac_err *err, const char *where, const char *id, const char *what)
{
    return mlac_errf(err, MLAC_EFORMAT, "%s: task '%s': %s", where, id && *id ? id : "?", what);
}

/* The fields a path and a task id are made of; "" when all are there and agree. */
static void check_fields(const json_t *e, char *why, size_t n, char *rel, size_t rel_n)
{
    static const char *strings[] = {"task_id", "species", "model", "status"};
    static const char *ints[] = {"n", "fold", "repeat"};
    why[0] = '\0';
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        const char *v = json_string_value(json_object_get(e, strings[i]));
        if (!v || !*v) {
            snprintf(why, n, "the line has no '%s' (a text field)", strings[i]);
            return;
        }
    }
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        json_t *v = json_object_get(e, ints[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000000) {
            snprintf(why, n, "the line has no '%s' (a whole number)", ints[i]);
            return;
        }
    }
    if (!json_is_object(json_object_get(e, "metrics"))) {
        snprintf(why, n, "the line has no 'metrics'");
        return;
    }
    const char *sp = json_string_value(json_object_get(e, "species"));
    const char *model = json_string_value(json_object_get(e, "model"));
    long long tn = json_integer_value(json_object_get(e, "n"));
    int fold = (int)json_integer_value(json_object_get(e, "fold"));
    int rep = (int)json_integer_value(json_object_get(e, "repeat"));
    char id[1200];
    snprintf(id, sizeof id, "%s/%s/n%05lld/r%d/f%d", sp, model, tn, rep, fold);
    if (strcmp(id, json_string_value(json_object_get(e, "task_id")))) {
        snprintf(why, n, "its fields (species, model, n, repeat, fold) make the task id '%.300s'", id);
        return;
    }
    snprintf(rel, rel_n, "predictions/%s/%s/n%05lld_r%d_f%d.csv", sp, model, tn, rep, fold);
}

static int same_metric(const json_t *a, const json_t *b, double tol)
{
    if (json_is_null(a) || !a)
        return json_is_null(b);
    if (!json_is_number(a) || !json_is_number(b))
        return 0;
    double x = json_number_value(a), y = json_number_value(b);
    return fabs(x - y) <= tol * fmax(1.0, fabs(x));
}

static void metric_text(const json_t *v, char *out, size_t n)
{
    if (json_is_number(v))
        snprintf(out, n, "%.9g", json_number_value(v));
    else
        snprintf(out, n, "%s", v ? "null" : "missing");
}

/* group_roc_auc recomputed from the predictions' scores and labels and the line's group_check
 * (task_exec.h); into *auc. "" or why it cannot be. */
static const char *group_recompute(const json_t *e, const predictions *p, double *auc)
{
    const json_t *gc = json_object_get(e, "group_check");
    const char *how = json_string_value(json_object_get(gc, "score"));
    const json_t *gids = json_object_get(gc, "gids"), *ng = json_object_get(gc, "n_groups");
    if (!json_is_object(gc))
        return "the line has no 'group_check' to recompute it from";
    if (!how || (strcmp(how, "max") && strcmp(how, "mean")) || !json_is_integer(ng) ||
        json_integer_value(ng) < 1 || json_integer_value(ng) > 100000000 || json_array_size(gids) != p->n)
        return "the line's 'group_check' is not valid (score max|mean, n_groups, one group per predictions row)";
    int *gid = malloc((p->n ? p->n : 1) * sizeof *gid);
    if (!gid)
        return "out of memory";
    for (size_t i = 0; i < p->n; i++) {
        const json_t *g = json_array_get(gids, i);
        if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) >= json_integer_value(ng)) {
            free(gid);
            return "the line's 'group_check' has a group outside 0..n_groups-1";
        }
        gid[i] = (int)json_integer_value(g);
    }
    int rc = task_group_auc(p->score, p->label, gid, p->n, (size_t)json_integer_value(ng), !strcmp(how, "max") ? 1 : 2,
                            auc);
    free(gid);
    return rc ? "out of memory" : "";
}

/* external_roc_auc recomputed from the line's external_check (external.h); "" or why not. */
static const char *external_recompute(const json_t *e, double *auc)
{
    const json_t *ec = json_object_get(e, "external_check");
    const json_t *sc = json_object_get(ec, "scores"), *lb = json_object_get(ec, "labels");
    if (!json_is_object(ec))
        return "the line has no 'external_check' to recompute it from";
    size_t n = json_array_size(sc);
    if (!n || json_array_size(lb) != n)
        return "the line's 'external_check' is not valid (as many scores as labels)";
    double *s = malloc(n * sizeof *s);
    int *y = malloc(n * sizeof *y);
    const char *why = s && y ? "" : "out of memory";
    for (size_t i = 0; !why[0] && i < n; i++) {
        const json_t *v = json_array_get(sc, i), *l = json_array_get(lb, i);
        if ((!json_is_number(v) && !json_is_null(v)) || !json_is_integer(l) || json_integer_value(l) < 0 ||
            json_integer_value(l) > 1)
            why = "the line's 'external_check' holds a score that is not a number or a label not 0/1";
        else
            s[i] = json_is_null(v) ? NAN : json_number_value(v), y[i] = (int)json_integer_value(l);
    }
    if (!why[0] && metric_roc_auc_err(s, y, n, auc, NULL) == MLAC_ENOMEM)
        why = "out of memory";
    free(s), free(y);
    return why;
}

/* A metric the line holds and recompute gives again from what the line keeps for it. */
static int check_extra(const json_t *e, const char *key, const char *from, const char *(*recompute)(const json_t *, const predictions *,
                       double *), const predictions *p, const char *where, const char *id, mlac_err *err)
{
    json_t *was = json_object_get(json_object_get(e, "metrics"), key);
    if (!was)
        return MLAC_OK;
    double auc = NAN;
    const char *why = recompute(e, p, &auc);
    if (json_is_null(was) && why[0] && strstr(why, "has no")) /* not measured (no test data, one group) */
        return MLAC_OK;
    json_t *now = isfinite(auc) ? json_real(auc) : json_null();
    char what[400], a[64], b[64];
    metric_text(was, a, sizeof a);
    metric_text(now, b, sizeof b);
    if (why[0])
        snprintf(what, sizeof what, "'%s' cannot be checked: %s", key, why);
    else
        snprintf(what, sizeof what, "'%s' is %s in the line but %s from %s (an edited line?)", key, a, b, from);
    int rc = why[0] || !same_metric(now, was, METRIC_TOLERANCE) ? bad(err, where, id, what) : MLAC_OK;
    json_decref(now);
    return rc;
}

static const char *external_recompute_p(const json_t *e, const predictions *p, double *auc)
{
    (void)p;
    return external_recompute(e, auc);
}

static int check_metrics(const json_t *e, const predictions *p, int old, const char *where, const char *id,
                         mlac_err *err)
{
    const char *model = json_string_value(json_object_get(e, "model"));
    const char *cm = json_string_value(json_object_get(json_object_get(e, "calibration"), "method"));
    int probabilistic = task_model_is_probabilistic(model) || (cm && !strcmp(cm, "platt"));
    mlac_err merr = {0};
    json_t *now = task_metrics_compute(p->score, p->prob, p->label, p->n, probabilistic, &merr);
    if (!now) {
        char what[400];
        snprintf(what, sizeof what, "its predictions give no metrics (%.300s)", merr.msg);
        return bad(err, where, id, what);
    }
    json_t *line = json_object_get(e, "metrics");
    const char *key;
    json_t *v;
    int rc = MLAC_OK;
    json_object_foreach(now, key, v) {
        json_t *was = json_object_get(line, key);
        if (!same_metric(v, was, old ? METRIC_TOLERANCE_OLD : METRIC_TOLERANCE)) {
            char what[400], a[64], b[64];
            metric_text(was, a, sizeof a);
            metric_text(v, b, sizeof b);
            snprintf(what, sizeof what, "'%s' is %s in the line but %s from its predictions (an edited line?)", key,
                     a, b);
            rc = bad(err, where, id, what);
            break;
        }
    }
    json_decref(now);
    if (!rc && !old)
        rc = check_extra(e, "group_roc_auc", "its predictions and 'group_check'", group_recompute, p, where, id, err);
    if (!rc && !old)
        rc = check_extra(e, "external_roc_auc", "the line's 'external_check'", external_recompute_p, p, where, id, err);
    return rc;
}

int ledger_line_verify(store *out, const char *run_id, const char *where, const json_t *entry, int *unverified,
                       mlac_err *err)
{
    const char *id = json_string_value(json_object_get(entry, "task_id"));
    char why[512], rel[1100], path[1400], what[1700];
    if (unverified)
        *unverified = 0;
    check_fields(entry, why, sizeof why, rel, sizeof rel);
    if (why[0])
        return bad(err, where, id, why);
    json_t *sha = json_object_get(entry, "predictions_sha256");
    json_t *nrows = json_object_get(entry, "predictions_rows");
    int old = !sha && !nrows;
    if (old)
        nrows = json_object_get(entry, "n_test");
    if ((!old && (!json_is_string(sha) || strlen(json_string_value(sha)) != 64)) || !json_is_integer(nrows) ||
        json_integer_value(nrows) < 1)
        return bad(err, where, id, old ? "the line has no 'n_test'"
                                       : "the line's 'predictions_sha256' or 'predictions_rows' is not valid");
    snprintf(path, sizeof path, "%s/%s", run_id, rel);
    buf b;
    buf_init(&b, PREDICTIONS_MAX);
    mlac_err rerr = {0};
    int exists = 0;
    int rc = store_exists(out, path, &exists, &rerr);
    if (!rc && !exists) {
        snprintf(what, sizeof what, "its predictions file '%s' is missing", path);
        rc = bad(err, where, id, what);
        goto out;
    }
    if (!rc)
        rc = store_read(out, path, &b, &rerr);
    if (rc) {
        if (err)
            *err = rerr;
        goto out;
    }
    if (!old) {
        char hex[65];
        hash_sha256_hex(b.data ? b.data : "", b.len, hex);
        if (strcmp(hex, json_string_value(sha))) {
            snprintf(what, sizeof what, "its predictions file '%s' does not match the line's SHA-256 (damaged or "
                     "edited)", path);
            rc = bad(err, where, id, what);
            goto out;
        }
    }
    predictions p = {0};
    rc = predictions_parse(b.data, b.len, path, &p, &rerr);
    if (rc) {
        snprintf(what, sizeof what, "%.1600s", rerr.msg);
        rc = bad(err, where, id, what);
    } else if ((json_int_t)p.n != json_integer_value(nrows)) {
        snprintf(what, sizeof what, "its predictions file '%s' has %zu rows, the line says %lld", path, p.n,
                 (long long)json_integer_value(nrows));
        rc = bad(err, where, id, what);
    } else {
        rc = check_metrics(entry, &p, old, where, id, err);
    }
    predictions_release(&p);
    if (!rc && unverified)
        *unverified = old;
out:
    buf_release(&b);
    return rc;
}
