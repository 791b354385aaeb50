/* test_task_estimate.c — the plan's time estimate from earlier tasks (task_index_seconds).
 *
 * An index of hand-made ledger lines on machines "a", "b" and one with no "machine" (an older
 * mlac): the estimate uses this machine's lines when it has any, else every other machine's,
 * says which (basis), takes the mean at the nearest measured n scaled linearly with n, and
 * never counts a copied line ("reused_from", or a combined run's repeat of a line), even when
 * the copy is listed before the measurement. The expected values are worked out by hand below.
 */
#include "test.h"
#include "exp/task_reuse.h"

static json_t *line(const char *model, const char *machine, long n, double train, double predict, int reused)
{
    json_t *e = json_pack("{s:s, s:I, s:s, s:f, s:f}", "model", model, "n", (json_int_t)n, "status", "ok",
                          "train_seconds", train, "predict_seconds", predict);
    if (machine)
        json_object_set_new(e, "machine", json_string(machine));
    if (reused)
        json_object_set_new(e, "reused_from", json_string("run-earlier"));
    return e;
}

int main(void)
{
    json_t *lines[] = {
        line("svm", "a", 10, 1.0, 0.0, 0),  line("svm", "a", 10, 1.5, 0.5, 0), line("svm", "a", 10, 2.5, 0.5, 0),
        line("svm", "a", 10, 1000, 0, 1),   /* a copy: never a measurement */
        line("svm", "b", 10, 100, 0, 0),    line("svm", "b", 20, 300, 0, 0),
        line("svm", NULL, 10, 50, 0, 0),    /* written before lines had a machine */
        line("random_forest", "b", 10, 7, 1, 0),
        line("random_forest", "b", 10, 7, 1, 1), /* its copy in a later run, listed first (below) */
        line("random_forest", "b", 10, 7, 1, 0), /* its copy in a combined run: the same times */
    };
    size_t n = sizeof lines / sizeof lines[0];
    task_index ix = {0};
    ix.v = calloc(n, sizeof *ix.v);
    CHECK(ix.v != NULL);
    if (!ix.v)
        TEST_MAIN_END();
    for (size_t i = 0; i < n; i++) {
        snprintf(ix.v[i].key, sizeof ix.v[i].key, "%064zu", i);
        snprintf(ix.v[i].run_id, sizeof ix.v[i].run_id, "run-%zu", i);
        ix.v[i].entry = lines[i];
    }
    /* the last three share a key, in run-id order: the copy ("run-0") first, then the line that
     * measured it ("run-1"), then the combined run's repeat of it ("run-2") */
    for (size_t k = 0; k < 3; k++) {
        snprintf(ix.v[n - 3 + k].key, sizeof ix.v[0].key, "%064d", 7);
        snprintf(ix.v[n - 3 + k].run_id, sizeof ix.v[0].run_id, "run-%zu", k);
    }
    ix.v[n - 3].entry = lines[n - 2], ix.v[n - 2].entry = lines[n - 3]; /* copy first */
    ix.n = ix.cap = n;
    task_time_basis b;

    /* machine a, svm: its own three lines (1, 2, 3 s), mean 2 s at n = 10 */
    CHECK_NEAR(task_index_seconds(&ix, "svm", 10, "a", &b), 2.0, 1e-12);
    CHECK(b.count == 3 && b.elsewhere == 0);
    CHECK_NEAR(task_index_seconds(&ix, "svm", 20, "a", &b), 4.0, 1e-12); /* nearest n = 10, x 20/10 */
    CHECK_NEAR(task_index_seconds(&ix, "svm", 5, "a", &b), 1.0, 1e-12);
    /* machine c, svm: no lines of its own, so every other machine's: a's three, b's two and the old
     * line; at the nearest n = 10 those of a (1, 2, 3 s), b (100 s) and the old one (50 s) */
    CHECK_NEAR(task_index_seconds(&ix, "svm", 10, "c", &b), (1.0 + 2 + 3 + 100 + 50) / 5, 1e-12);
    CHECK(b.count == 6 && b.elsewhere == 2);
    CHECK_NEAR(task_index_seconds(&ix, "svm", 20, "c", &b), 300.0, 1e-12);
    CHECK_NEAR(task_index_seconds(&ix, "svm", 16, "c", &b), 300.0 * 16 / 20, 1e-9); /* 20 is nearer than 10 */
    /* machine b, svm: its own two; n = 15 is as near 10 as 20, and the larger is taken */
    CHECK_NEAR(task_index_seconds(&ix, "svm", 15, "b", &b), 300.0 * 15 / 20, 1e-9);
    CHECK(b.count == 2 && b.elsewhere == 0);
    /* machine a, random_forest: only b's line (7 + 1 s), one other machine */
    CHECK_NEAR(task_index_seconds(&ix, "random_forest", 10, "a", &b), 8.0, 1e-12);
    CHECK(b.count == 1 && b.elsewhere == 1);
    CHECK_NEAR(task_index_seconds(&ix, "random_forest", 5, "b", &b), 4.0, 1e-12);
    CHECK(b.count == 1 && b.elsewhere == 0);
    /* no earlier task of the model anywhere */
    CHECK(task_index_seconds(&ix, "vgg", 10, "a", &b) < 0);
    CHECK(b.count == 0);
    task_index_release(&ix);
    TEST_MAIN_END();
}
