/* test_ledger_verify.c — issue 14 items 6, 7 and 9: a finished ledger line is checked against its
 * predictions file (row count, SHA-256, strict parse, recomputed metrics), its fields are named
 * when missing, a later duplicate line is reported and ignored, and a line of an older mlac (no
 * checksum) is accepted as unverified. The predictions hold a clip whose name has a newline, a
 * quote and a comma (item 3). */
#include "core/hash.h"
#include "exp/ledger.h"
#include "exp/task_exec.h"
#include "stats/predictions.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

#define ID "sp/random_forest/n00004/r0/f1"
#define PRED "run-v/predictions/sp/random_forest/n00004_r0_f1.csv"

static store *s;
static mlac_err err;

/* A predictions file of 8 test clips and the ledger line a task would write for it. */
static json_t *make_task(buf *csv)
{
    static const char *paths[8] = {"sp/data/pos/a \"b\",\nc.wav", "sp/data/pos/2.wav", "sp/data/pos/3.wav",
                                   "sp/data/pos/4.wav", "sp/data/neg/1.wav", "sp/data/neg/2.wav",
                                   "sp/data/neg/3.wav", "sp/data/neg/4.wav"};
    double score[8] = {0.9, 0.8, 0.35, 0.6, 0.1, 0.4, 0.7, 0.2}, prob[8];
    int y[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    buf_init(csv, 0);
    buf_puts(csv, PREDICTIONS_HEADER, NULL);
    for (int i = 0; i < 8; i++) {
        prob[i] = score[i] / 3.0; /* not representable in 15 digits: the exact round trip matters */
        predictions_write_row(csv, paths[i], y[i], score[i], prob[i], NULL);
    }
    json_t *m = task_metrics_compute(score, prob, y, 8, 1, &err);
    char hex[65];
    hash_sha256_hex(csv->data, csv->len, hex);
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:o, s:i, s:i, s:s}", "task_id", ID, "species", "sp",
                     "model", "random_forest", "n", 4, "fold", 1, "repeat", 0, "status", "ok", "metrics", m, "n_test",
                     8, "predictions_rows", 8, "predictions_sha256", hex);
}

static void put(const char *rel, const char *text, size_t n)
{
    CHECK_OK(store_write(s, rel, text, n, &err), &err);
}

/* Verifies e; returns its code and checks the message holds want (when the code is not OK). */
static int verify(const json_t *e, const char *want, int *unverified)
{
    mlac_err e2 = {0};
    int rc = ledger_line_verify(s, "run-v", "run-v/tasks.jsonl:7", e, unverified, &e2);
    if (want) {
        CHECK_MSG(rc == MLAC_EFORMAT, "rc %d for '%s'", rc, want);
        CHECK_MSG(strstr(e2.msg, want) && strstr(e2.msg, "run-v/tasks.jsonl:7") && strstr(e2.msg, ID), "'%s' lacks '%s'",
                  e2.msg, want);
    }
    return rc;
}

int main(void)
{
    char dir[] = "/tmp/mlac-verify-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK_OK(store_open(dir, &s, &err), &err);
    buf csv;
    json_t *e = make_task(&csv);
    CHECK(e != NULL);
    put(PRED, csv.data, csv.len);

    /* the untouched pair verifies, and the hostile clip name reads back whole */
    int unverified = -1;
    CHECK_OK(ledger_line_verify(s, "run-v", "x", e, &unverified, &err), &err);
    CHECK(unverified == 0);
    predictions p = {0};
    CHECK_OK(predictions_parse(csv.data, csv.len, "p.csv", &p, &err), &err);
    CHECK(p.n == 8 && !strcmp(p.path[0], "sp/data/pos/a \"b\",\nc.wav") && p.label[0] == 1);
    CHECK(p.prob[2] == 0.35 / 3.0); /* the very double written */
    predictions_release(&p);

    /* item 6: damaged predictions, one way at a time */
    put(PRED, csv.data, csv.len - 10); /* truncated */
    verify(e, "does not match the line's SHA-256", NULL);
    put(PRED, "", 0); /* emptied */
    verify(e, "does not match the line's SHA-256", NULL);
    put(PRED, "\x7f" "ELF garbage\n", 12);
    verify(e, "does not match the line's SHA-256", NULL);
    {
        char full[600];
        snprintf(full, sizeof full, "%s/%s", dir, PRED);
        CHECK(unlink(full) == 0);
        verify(e, "is missing", NULL);
    }
    /* a file consistent with its checksum but with a NaN score is still refused (parse) */
    {
        buf bad;
        buf_init(&bad, 0);
        buf_printf(&bad, NULL, "%s", csv.data);
        char *nan_at = strstr(bad.data, "sp/data/pos/2.wav,1,");
        CHECK(nan_at != NULL);
        memcpy(nan_at + strlen("sp/data/pos/2.wav,1,"), "nan", 3);
        json_t *e2 = json_deep_copy(e);
        char hex[65];
        hash_sha256_hex(bad.data, bad.len, hex);
        json_object_set_new(e2, "predictions_sha256", json_string(hex));
        put(PRED, bad.data, bad.len);
        verify(e2, "is not a finite number", NULL);
        json_decref(e2);
        buf_release(&bad);
    }
    put(PRED, csv.data, csv.len);
    CHECK_OK(ledger_line_verify(s, "run-v", "x", e, NULL, &err), &err);

    /* row count: the line says 9 */
    json_t *e3 = json_deep_copy(e);
    json_object_set_new(e3, "predictions_rows", json_integer(9));
    verify(e3, "has 8 rows, the line says 9", NULL);
    json_decref(e3);

    /* item 7: an edited metric is refused, naming the metric */
    e3 = json_deep_copy(e);
    json_object_set_new(json_object_get(e3, "metrics"), "roc_auc", json_real(0.99));
    verify(e3, "'roc_auc' is 0.99 in the line", NULL);
    json_decref(e3);
    e3 = json_deep_copy(e);
    json_object_set_new(json_object_get(e3, "metrics"), "brier", json_null());
    verify(e3, "'brier' is null in the line", NULL);
    json_decref(e3);

    /* item 9: missing fields and fields that disagree with the task id are named */
    static const char *fields[] = {"species", "model", "n", "fold", "repeat", "metrics"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        e3 = json_deep_copy(e);
        json_object_del(e3, fields[i]);
        char want[64];
        snprintf(want, sizeof want, "no '%s'", fields[i]);
        verify(e3, want, NULL);
        json_decref(e3);
    }
    e3 = json_deep_copy(e);
    json_object_set_new(e3, "fold", json_integer(2));
    verify(e3, "make the task id 'sp/random_forest/n00004/r0/f2'", NULL);
    json_decref(e3);

    /* a line of an older mlac (no checksum): checked by n_test and metrics, reported unverified */
    e3 = json_deep_copy(e);
    json_object_del(e3, "predictions_sha256");
    json_object_del(e3, "predictions_rows");
    CHECK_OK(ledger_line_verify(s, "run-v", "x", e3, &unverified, &err), &err);
    CHECK(unverified == 1);
    json_object_set_new(e3, "n_test", json_integer(7));
    verify(e3, "has 8 rows, the line says 7", NULL);
    json_decref(e3);

    /* item 7: a later duplicate of a finished line is counted and ignored; failed -> ok replaces */
    {
        char *line = json_dumps(e, JSON_COMPACT);
        json_t *edited = json_deep_copy(e);
        json_object_set_new(json_object_get(edited, "metrics"), "roc_auc", json_real(0.99));
        char *line2 = json_dumps(edited, JSON_COMPACT);
        buf text;
        buf_init(&text, 0);
        buf_printf(&text, NULL, "{\"task_id\":\"sp/x/n00004/r0/f0\",\"status\":\"failed\"}\n%s\n%s\n"
                                "{\"task_id\":\"sp/x/n00004/r0/f0\",\"status\":\"ok\"}\n{\"no_id\":1}\n",
                   line, line2);
        ledger l;
        ledger_init(&l, s, "run-v/tasks.jsonl");
        CHECK_OK(ledger_parse(text.data, text.len, "run-v/tasks.jsonl", &l, &err), &err);
        CHECK(l.n == 2 && l.duplicates == 1 && l.torn_lines == 1);
        json_t *kept = ledger_find(&l, ID, 0);
        CHECK(kept && json_number_value(json_object_get(json_object_get(kept, "metrics"), "roc_auc")) != 0.99);
        CHECK(ledger_find(&l, "sp/x/n00004/r0/f0", 0) != NULL);
        char where[600];
        ledger_where(&l, kept, where, sizeof where);
        CHECK_MSG(!strcmp(where, "run-v/tasks.jsonl:2"), "%s", where);
        ledger_remove(&l, ID);
        CHECK(l.n == 1 && !ledger_find(&l, ID, 1));
        ledger_release(&l);
        buf_release(&text);
        free(line), free(line2);
        json_decref(edited);
    }

    json_decref(e);
    buf_release(&csv);
    store_free(s);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
