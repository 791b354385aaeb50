/* predictions.c — the predictions CSV (see predictions.h). */
#include "stats/predictions.h"
#include "core/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest of %.15g, %.16g, %.17g that reads back as v (0.53, not 0.53000000000000003). */
static void exact(double v, char *out, size_t n)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, n, "%.*g", digits, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

int predictions_write_row(buf *b, const char *path, int label, double score, double prob, mlac_err *err)
{
    char s[40], p[40];
    exact(score, s, sizeof s);
    exact(prob, p, sizeof p);
    int rc = csv_quote(b, path, err);
    return rc ? rc : buf_printf(b, err, ",%d,%s,%s\n", label, s, p);
}

static int push(predictions *p, const char *path, int label, double score, double prob, mlac_err *err)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        char **a = realloc(p->path, cap * sizeof *a);
        if (a)
            p->path = a;
        int *l = realloc(p->label, cap * sizeof *l);
        if (l)
            p->label = l;
        double *s = realloc(p->score, cap * sizeof *s);
        if (s)
            p->score = s;
        double *q = realloc(p->prob, cap * sizeof *q);
        if (q)
            p->prob = q;
        if (!a || !l || !s || !q)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory reading predictions");
        p->cap = cap;
    }
    if (!(p->path[p->n] = strdup(path)))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading predictions");
    p->label[p->n] = label, p->score[p->n] = score, p->prob[p->n] = prob;
    p->n++;
    return MLAC_OK;
}

static int number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return -1;
    *v = strtod(s, &end);
    return *end || !isfinite(*v) ? -1 : 0;
}

int predictions_parse(const char *text, size_t len, const char *name, predictions *p, mlac_err *err)
{
    csv_reader r;
    csv_reader_init(&r, text ? text : "", text ? len : 0, name);
    strlist f;
    strlist_init(&f);
    int rc = MLAC_OK, got = 0, header = 1;
    while (!rc && !(rc = csv_next(&r, &f, &got, err)) && got) {
        char **x = f.items;
        if (header) {
            header = 0;
            if (f.n != 4 || strcmp(x[0], "path") || strcmp(x[1], "label") || strcmp(x[2], "score") ||
                strcmp(x[3], "prob"))
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line 1: expected the header path,label,score,prob", name);
            continue;
        }
        double score, prob;
        if (f.n != 4)
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %zu fields, expected path,label,score,prob", name,
                           r.record_line, f.n);
        else if (strcmp(x[1], "0") && strcmp(x[1], "1"))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: label '%.20s' is not 0 or 1", name, r.record_line, x[1]);
        else if (number(x[2], &score))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: score '%.40s' is not a finite number", name,
                           r.record_line, x[2]);
        else if (number(x[3], &prob) || prob < 0 || prob > 1)
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: prob '%.40s' is not a number in [0, 1]", name,
                           r.record_line, x[3]);
        else
            rc = push(p, x[0], x[1][0] - '0', score, prob, err);
    }
    if (!rc && header)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is empty (no header row)", name);
    strlist_release(&f);
    return rc;
}

void predictions_release(predictions *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->path && i < p->n; i++)
        free(p->path[i]);
    free(p->path);
    free(p->label);
    free(p->score);
    free(p->prob);
    memset(p, 0, sizeof *p);
}
