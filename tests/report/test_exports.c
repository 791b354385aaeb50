/* test_exports.c — report/ exports of the basic fixture run: summary.csv parses back (with a
 * plain split, as pandas would without options) to the numbers of summary.json; tasks.csv has one
 * row per ledger line with the ledger's metric values exactly; significance.csv and curves.csv
 * are copied byte for byte; every chart file and index.html exist. Plus the CSV reader itself. */
#include "core/csv.h"
#include "report/report.h"
#include "report_testutil.h"
#include "test.h"

#include <jansson.h>
#include <math.h>

/* Splits text into lines and each line at commas (no quoting: summary.csv needs none). */
static size_t split_fields(char *line, char **f, size_t max)
{
    size_t k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < max; p++)
        if (*p == ',') {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

static int col_of(char **head, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(head[i], name))
            return (int)i;
    return -1;
}

static void check_number(const char *field, json_t *v, const char *what, size_t row)
{
    if (json_is_null(v) || !v) {
        CHECK_MSG(field[0] == '\0', "row %zu %s: '%s' for null", row, what, field);
        return;
    }
    char *end;
    double x = strtod(field, &end);
    CHECK_MSG(*end == '\0' && field[0], "row %zu %s: '%s' is not a number", row, what, field);
    CHECK_MSG(x == json_number_value(v), "row %zu %s: %s != %.17g", row, what, field, json_number_value(v));
}

static void check_summary(const char *run)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/report/summary.csv", run);
    char *csv = tu_read(path);
    snprintf(path, sizeof path, "%s/summary.json", run);
    char *js = tu_read(path);
    json_t *doc = js ? json_loads(js, 0, NULL) : NULL;
    json_t *rows = json_object_get(doc, "rows");
    CHECK(csv && json_array_size(rows) > 0);
    if (!csv || !rows) {
        free(csv), free(js), json_decref(doc);
        return;
    }
    char *save = NULL, *line = strtok_r(csv, "\n", &save);
    char *head[32];
    size_t nh = split_fields(line, head, 32);
    CHECK(nh == 16);
    static const char *const nums[] = {"mean", "std", "ci_low", "ci_high", "pooled_auc", "delong_low", "delong_high"};
    size_t row = 0;
    for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save), row++) {
        char *f[32];
        size_t nf = split_fields(line, f, 32);
        CHECK_MSG(nf == nh, "row %zu has %zu fields", row, nf);
        json_t *j = json_array_get(rows, row);
        if (!j || nf != nh)
            continue;
        CHECK(!strcmp(f[col_of(head, nh, "species")], json_string_value(json_object_get(j, "species"))));
        CHECK(!strcmp(f[col_of(head, nh, "model")], json_string_value(json_object_get(j, "model"))));
        CHECK(!strcmp(f[col_of(head, nh, "metric")], json_string_value(json_object_get(j, "metric"))));
        CHECK(!strcmp(f[col_of(head, nh, "ci_method")], json_string_value(json_object_get(j, "ci_method"))));
        CHECK(atol(f[col_of(head, nh, "n")]) == json_integer_value(json_object_get(j, "n")));
        CHECK(atol(f[col_of(head, nh, "count")]) == json_integer_value(json_object_get(j, "count")));
        CHECK(atol(f[col_of(head, nh, "failed")]) == json_integer_value(json_object_get(j, "failed")));
        CHECK(atol(f[col_of(head, nh, "n_requested")]) ==
              json_integer_value(json_array_get(json_object_get(j, "n_requested"), 0)));
        CHECK(!strcmp(f[col_of(head, nh, "capped")], json_is_true(json_object_get(j, "capped")) ? "true" : "false"));
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
            check_number(f[col_of(head, nh, nums[k])], json_object_get(j, nums[k]), nums[k], row);
    }
    CHECK_MSG(row == json_array_size(rows), "%zu csv rows, %zu json rows", row, json_array_size(rows));
    free(csv), free(js), json_decref(doc);
}

static void check_tasks(const char *run)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/tasks.jsonl", run);
    char *ledger = tu_read(path);
    snprintf(path, sizeof path, "%s/report/tasks.csv", run);
    char *csv = tu_read(path);
    CHECK(ledger && csv);
    if (!ledger || !csv) {
        free(ledger), free(csv);
        return;
    }
    json_t *by_id = json_object();
    size_t lines = 0;
    char *save = NULL;
    for (char *l = strtok_r(ledger, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *e = json_loads(l, 0, NULL);
        if (e) {
            json_object_set_new(by_id, json_string_value(json_object_get(e, "task_id")), e);
            lines++;
        }
    }
    csv_table t;
    mlac_err err = {0};
    CHECK_OK(csv_parse(csv, strlen(csv), "tasks.csv", &t, &err), &err);
    CHECK_MSG(t.n_rows == lines && lines == 54, "%zu rows for %zu ledger lines", t.n_rows, lines);
    int c_id = csv_col(&t, "task_id"), c_auc = csv_col(&t, "roc_auc"), c_status = csv_col(&t, "status");
    int c_err = csv_col(&t, "error"), c_depth = csv_col(&t, "info_max_depth"), c_train = csv_col(&t, "train_seconds");
    CHECK(c_id == 0 && c_auc > 0 && c_status > 0 && c_err > 0 && c_depth > 0 && c_train > 0);
    CHECK(csv_col(&t, "info_history") < 0); /* nested values stay out of the flat table */
    size_t failed = 0;
    for (size_t i = 0; i < t.n_rows; i++) {
        json_t *e = json_object_get(by_id, csv_get(&t, i, c_id));
        CHECK_MSG(e != NULL, "row %zu: unknown task '%s'", i, csv_get(&t, i, c_id));
        if (!e)
            continue;
        CHECK(!strcmp(csv_get(&t, i, c_status), json_string_value(json_object_get(e, "status"))));
        json_t *auc = json_object_get(json_object_get(e, "metrics"), "roc_auc");
        if (auc)
            CHECK_MSG(csv_num(&t, i, c_auc) == json_number_value(auc), "row %zu roc_auc %s", i, csv_get(&t, i, c_auc));
        else {
            failed++;
            CHECK(!strcmp(csv_get(&t, i, c_err), json_string_value(json_object_get(e, "error"))));
            CHECK(!strcmp(csv_get(&t, i, c_auc), ""));
        }
        json_t *secs = json_object_get(e, "train_seconds");
        if (secs)
            CHECK(csv_num(&t, i, c_train) == json_number_value(secs));
    }
    CHECK(failed == 1);
    /* the error text holds a comma and quotes: quoted with doubled quotes, as RFC 4180 says */
    CHECK(strstr(csv, ",\"libsvm: 'x,\"\"y\"\"' <b>cannot</b> train & gave up\",") != NULL);
    csv_release(&t);
    json_decref(by_id);
    free(ledger), free(csv);
}

static void check_copies(const char *run)
{
    static const char *const names[] = {"significance.csv", "curves.csv"};
    for (size_t i = 0; i < 2; i++) {
        char a[2200], b[2200];
        snprintf(a, sizeof a, "%s/%s", run, names[i]);
        snprintf(b, sizeof b, "%s/report/%s", run, names[i]);
        char *x = tu_read(a), *y = tu_read(b);
        CHECK_MSG(x && y && !strcmp(x, y), "report/%s differs from the run's", names[i]);
        free(x), free(y);
    }
    static const char *const files[] = {"index.html", "coyote_roc_auc.svg", "coyote_roc_auc.png",
                                        "bullfrog_roc_auc.svg", "bullfrog_roc_auc.png", "summary.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[2200];
        snprintf(p, sizeof p, "%s/report/%s", run, files[i]);
        CHECK_MSG(fs_exists(p), "missing report/%s", files[i]);
    }
}

static void check_csv_reader(void)
{
    const char *text = "a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",\n3\n\n4,,last";
    csv_table t;
    mlac_err err = {0};
    CHECK_OK(csv_parse(text, strlen(text), "t.csv", &t, &err), &err);
    CHECK(t.n_cols == 3 && t.n_rows == 4);
    CHECK(!strcmp(csv_get(&t, 0, 1), "x,y"));
    CHECK(!strcmp(csv_get(&t, 0, 2), "say \"hi\""));
    CHECK(!strcmp(csv_get(&t, 1, 1), "two\nlines"));
    CHECK(!strcmp(csv_get(&t, 1, 2), ""));
    CHECK(!strcmp(csv_get(&t, 2, 0), "3") && !strcmp(csv_get(&t, 2, 2), "")); /* short row padded */
    CHECK(!strcmp(csv_get(&t, 3, 2), "last"));
    CHECK(csv_col(&t, "c") == 2 && csv_col(&t, "d") == -1);
    CHECK(isnan(csv_num(&t, 2, 1)) && csv_num(&t, 0, 0) == 1);
    csv_release(&t);
    CHECK(csv_parse("a,b\n1,2,3\n", 10, "long.csv", &t, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "long.csv") != NULL);
    CHECK(csv_parse("a,b\n\"open,2\n", 12, "q.csv", &t, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "never closed") != NULL);
    CHECK(csv_parse("", 0, "empty.csv", &t, &err) == MLAC_EFORMAT);
}

int main(void)
{
    char tmp[1024], run[1100];
    CHECK(tu_fixture_copy("basic", tmp, sizeof tmp) == 0);
    snprintf(run, sizeof run, "%s/run1", tmp);
    mlac_err err = {0};
    CHECK_OK(report_write_run(tmp, "run1", &err), &err);
    check_summary(run);
    check_tasks(run);
    check_copies(run);
    check_csv_reader();
    tu_rm_tree(tmp);
    TEST_MAIN_END();
}
