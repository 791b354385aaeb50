/* test_alloc_fail_aggregate.c — allocation-failure injection (tests/alloc_sweep.h) over the
 * aggregation of a small finished run through the file store: 2 models x 2 training sizes x
 * 3 folds of one species, each task a ledger line with its predictions file (row count and
 * SHA-256); aggregate_run verifies every line against its file and writes summary.csv/json,
 * significance.csv and curves.csv. Each failed allocation must give an error with a message or
 * the unfailed files; every output file is either absent or byte-identical to the unfailed
 * run's, and no temp file remains. Paths with many allocations are sampled with a stride.
 */
#include "alloc_sweep.h"
#include "core/hash.h"
#include "core/json_alloc.h"
#include "core/log.h"
#include "core/rng.h"
#include "exp/aggregate.h"
#include "exp/ledger.h"
#include "exp/task_exec.h"
#include "stats/predictions.h"

#include <jansson.h>

#define RUN "run-a"
#define NCLIPS 10

typedef struct agg_ctx {
    store *s;
    char root[256];
    char out_dir[300];  /* root/run-a, where the tables go */
    ledger led;
    dir_snapshot inputs; /* the predictions files, left alone by aggregation */
    dir_snapshot ref;    /* the whole folder after the unfailed run */
} agg_ctx;

/* One task's predictions file and ledger line (its metrics computed as a task does). */
static void add_task(agg_ctx *c, const char *model, int n, int fold, rng *r)
{
    mlac_err err = {0};
    double score[NCLIPS], prob[NCLIPS];
    int y[NCLIPS];
    buf csv;
    buf_init(&csv, 0);
    buf_puts(&csv, PREDICTIONS_HEADER, NULL);
    for (int i = 0; i < NCLIPS; i++) {
        char path[64];
        y[i] = i < NCLIPS / 2;
        snprintf(path, sizeof path, "sp/data/%s/f%d_%d.wav", y[i] ? "pos" : "neg", fold, i);
        score[i] = rng_uniform(r) + (y[i] ? 0.3 * n / 8.0 : 0.0);
        prob[i] = score[i] / 2.0;
        predictions_write_row(&csv, path, y[i], score[i], prob[i], NULL);
    }
    char id[128], rel[256], hex[65];
    snprintf(id, sizeof id, "sp/%s/n%05d/r0/f%d", model, n, fold);
    snprintf(rel, sizeof rel, RUN "/predictions/sp/%s/n%05d_r0_f%d.csv", model, n, fold);
    CHECK_OK(store_write(c->s, rel, csv.data, csv.len, &err), &err);
    hash_sha256_hex(csv.data, csv.len, hex);
    json_t *m = task_metrics_compute(score, prob, y, NCLIPS, task_model_is_probabilistic(model), &err);
    json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:o, s:i, s:i, s:i, s:s}", "task_id", id, "species",
                          "sp", "model", model, "n", n, "fold", fold, "repeat", 0, "status", "ok", "metrics", m,
                          "n_test", NCLIPS, "n_train", 2 * n, "predictions_rows", NCLIPS, "predictions_sha256", hex);
    CHECK(e != NULL);
    CHECK_OK(ledger_insert(&c->led, e, &err), &err);
    json_decref(e);
    buf_release(&csv);
}

/* The ledger read back (ledger_open): every line, equal to what was written. */
static int run_ledger_read(void *vctx, int reference, mlac_err *err)
{
    agg_ctx *c = vctx;
    (void)reference;
    ledger l;
    int rc = ledger_open(c->s, RUN, &l, err); /* l is released on an error too */
    if (!rc) {
        int same = l.n == c->led.n;
        for (size_t i = 0; same && i < l.n; i++)
            same = json_equal(l.entries[i], c->led.entries[i]);
        CHECK_MSG(same, "a ledger read that returned success holds other lines (%zu of %zu)", l.n, c->led.n);
    }
    ledger_release(&l);
    return rc;
}

static int run_aggregate(void *vctx, int reference, mlac_err *err)
{
    agg_ctx *c = vctx;
    (void)reference; /* the files are compared by after_aggregate */
    return aggregate_run(c->s, RUN, &c->led, err);
}

static int after_aggregate(void *vctx, int rc)
{
    agg_ctx *c = vctx;
    int bad = 0;
    if (!c->ref.n) {
        dir_snapshot_take(c->root, &c->ref);
        bad = c->ref.n != c->inputs.n + 4 || c->ref.overflow; /* the four tables */
    } else if (!rc) {
        dir_snapshot now;
        dir_snapshot_take(c->root, &now);
        bad = now.n != c->ref.n; /* a success writes every table */
        if (bad)
            fprintf(stderr, "  a success left %zu files, the unfailed run %zu\n", now.n, c->ref.n);
        dir_snapshot_release(&now);
    }
    bad |= dir_check_subset(c->root, &c->ref);
    static const char *tables[] = {"summary.csv", "summary.json", "significance.csv", "curves.csv"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s/%s", c->out_dir, tables[i]);
        unlink(p);
    }
    return bad;
}

int main(void)
{
    log_init(LOG_OFF, 0);
    mlac_err err = {0};
    agg_ctx c;
    memset(&c, 0, sizeof c);
    dir_make_temp(c.root, sizeof c.root, "allocagg");
    snprintf(c.out_dir, sizeof c.out_dir, "%s/" RUN, c.root);
    CHECK_OK(store_open(c.root, &c.s, &err), &err);
    ledger_init(&c.led, c.s, RUN "/tasks.jsonl");
    rng r;
    rng_seed(&r, 3);
    static const char *models[] = {"random_forest", "svm"};
    for (int mi = 0; mi < 2; mi++)
        for (int n = 4; n <= 8; n += 4)
            for (int f = 0; f < 3; f++)
                add_task(&c, models[mi], n, f, &r);
    CHECK_OK(ledger_save(&c.led, &err), &err);
    dir_snapshot_take(c.root, &c.inputs);

    json_alloc_install(); /* jansson's allocations fail as well, and say so (core/json_alloc.h) */
    alloc_path read = {"ledger read (tasks.jsonl)", run_ledger_read, NULL, &c, 0};
    CHECK(alloc_sweep(&read) >= 3);
    alloc_path p = {"aggregation (verify lines -> summaries, significance, curves)", run_aggregate, after_aggregate,
                    &c, 500};
    CHECK(alloc_sweep(&p) >= 50);

    ledger_release(&c.led);
    dir_snapshot_release(&c.inputs);
    dir_snapshot_release(&c.ref);
    store_free(c.s);
    dir_remove(c.root);
    TEST_MAIN_END();
}
