/* ledger_verify.c — checking a finished task's ledger line against its predictions file
 * (see ledger_line_verify in ledger.h).
 *
 * Order of the checks: the line's own fields (present, of the right type, agreeing with the
 * task id, so no path is built from a missing field), then the file (present, SHA-256, strict
 * parse, row count), then the metrics recomputed from the file's rows with the task's own
 * function (task_metrics_compute). Predictions are written with digits enough to read back exactly, so the
 * recomputed metrics of an untouched file are the very doubles of the line; a line of an older
 * mlac (9 digits, no checksum) is compared within METRIC_TOLERANCE_OLD.
 */
#include "exp/ledger.h"
#include "core/hash.h"
#include "exp/task_exec.h"
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
