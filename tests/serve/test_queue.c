/* test_queue.c — the service's pieces without HTTP: the SQLite queue's state machine (ordering by
 * priority then submission, scheduled rows only when due, idempotent insert and conflict, cancel,
 * crash recovery, paging), constant-time token equality, id syntax, root containment (.., symlinks,
 * URIs), RFC 3339 parsing and the JSON depth guard.
 */
#include "test.h"
#include "serve/serve_internal.h"
#include "serve/submit.h"
#include "core/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *state_of(queue *q, const char *id)
{
    static char s[32];
    json_t *row = NULL;
    mlac_err err = {0};
    s[0] = '\0';
    if (!queue_get(q, id, &row, &err))
        snprintf(s, sizeof s, "%s", json_string_value(json_object_get(row, "state")));
    json_decref(row);
    return s;
}

static void insert(queue *q, const char *sub, const char *hash, const char *run, long prio, double when, char id[80],
                   int *result)
{
    queue_new n = {.submission_id = sub, .body_hash = hash, .spec = "{}", .run_id = run, .output_dir = "/r",
                   .priority = prio, .scheduled_at = when};
    json_t *row = NULL;
    mlac_err err = {0};
    CHECK_OK(queue_insert(q, &n, result, &row, &err), &err);
    snprintf(id, 80, "%s", row ? json_string_value(json_object_get(row, "id")) : "");
    json_decref(row);
}

static void test_queue(const char *dir)
{
    queue *q = NULL;
    mlac_err err = {0};
    CHECK_OK(queue_open(dir, &q, &err), &err);
    if (!q)
        return;
    char a[80], b[80], c[80], d[80], again[80];
    int r;
    double now = time_wall();
    insert(q, "a", "h1", "run-a", 0, 0, a, &r);
    CHECK(r == QUEUE_CREATED);
    insert(q, "b", "h2", "run-b", 5, 0, b, &r);
    insert(q, "c", "h3", "run-c", 0, now + 3600, c, &r);
    CHECK(!strcmp(state_of(q, c), "scheduled"));
    insert(q, "d", "h4", "run-a", 9, 0, d, &r); /* the same run folder as a */
    insert(q, "a", "h1", "run-a", 0, 0, again, &r);
    CHECK(r == QUEUE_EXISTING && !strcmp(again, a));
    insert(q, "a", "other", "run-a", 0, 0, again, &r);
    CHECK(r == QUEUE_CONFLICT);

    queue_job j;
    int got;
    double due;
    CHECK_OK(queue_claim(q, now, &j, &got, &due, &err), &err);
    CHECK(got && !strcmp(j.id, d)); /* highest priority first */
    queue_job_release(&j);
    CHECK_OK(queue_claim(q, now, &j, &got, &due, &err), &err);
    CHECK(got && !strcmp(j.id, b)); /* a waits: its run folder is being run by d */
    queue_job_release(&j);
    CHECK_OK(queue_claim(q, now, &j, &got, &due, &err), &err);
    CHECK(!got && due > now + 3500); /* c is not due; the next due time is c's */
    CHECK_OK(queue_finish(q, d, QS_SUCCEEDED, NULL, &err), &err);
    CHECK_OK(queue_claim(q, now, &j, &got, &due, &err), &err);
    CHECK(got && !strcmp(j.id, a));
    queue_job_release(&j);
    CHECK_OK(queue_claim(q, now + 3601, &j, &got, &due, &err), &err);
    CHECK(got && !strcmp(j.id, c)); /* due now */
    queue_job_release(&j);

    int prev;
    CHECK_OK(queue_cancel(q, b, &prev, &err), &err);
    CHECK(prev == QS_RUNNING && !strcmp(state_of(q, b), "running")); /* running: only requested */
    CHECK_OK(queue_cancel(q, d, &prev, &err), &err);
    CHECK(prev == QS_SUCCEEDED && !strcmp(state_of(q, d), "succeeded"));
    CHECK(queue_cancel(q, "exp-none", &prev, &err) == MLAC_ENOTFOUND);
    CHECK_OK(queue_progress(q, a, 10, 2, 3, 1, now, &err), &err);
    queue_free(q);

    /* a crash: reopen; running rows resume (b, cancel requested, becomes cancelled) */
    q = NULL;
    CHECK_OK(queue_open(dir, &q, &err), &err);
    int resumed = -1;
    CHECK_OK(queue_recover(q, &resumed, &err), &err);
    CHECK(resumed == 2);
    CHECK(!strcmp(state_of(q, a), "queued") && !strcmp(state_of(q, c), "queued"));
    CHECK(!strcmp(state_of(q, b), "cancelled"));
    json_t *row = NULL;
    CHECK_OK(queue_get(q, a, &row, &err), &err);
    json_t *t = json_object_get(row, "tasks");
    CHECK(json_integer_value(json_object_get(t, "done")) == 5 && json_integer_value(json_object_get(t, "total")) == 10);
    CHECK(json_integer_value(json_object_get(row, "resumes")) == 1);
    json_decref(row);
    long counts[QS_N];
    CHECK_OK(queue_counts(q, counts, &err), &err);
    CHECK(counts[QS_QUEUED] == 2 && counts[QS_SUCCEEDED] == 1 && counts[QS_CANCELLED] == 1);
    /* paging: 4 rows, 3 per page */
    json_t *rows;
    long long next;
    CHECK_OK(queue_list(q, -1, 0, 3, &rows, &next, &err), &err);
    CHECK(json_array_size(rows) == 3 && next > 0);
    json_decref(rows);
    CHECK_OK(queue_list(q, -1, next, 3, &rows, &next, &err), &err);
    CHECK(json_array_size(rows) == 1 && next == 0);
    json_decref(rows);
    CHECK_OK(queue_list(q, QS_QUEUED, 0, 10, &rows, &next, &err), &err);
    CHECK(json_array_size(rows) == 2);
    json_decref(rows);
    CHECK_OK(queue_check_writable(q, &err), &err);
    queue_free(q);
}

static void test_auth_ids(void)
{
    CHECK(auth_token_equal("secret", 6, "secret"));
    CHECK(!auth_token_equal("secre", 5, "secret"));
    CHECK(!auth_token_equal("secretx", 7, "secret"));
    CHECK(!auth_token_equal("Secret", 6, "secret"));
    CHECK(!auth_token_equal("", 0, ""));
    CHECK(id_valid("exp-0a1b", 79) && id_valid("c-1.x_y", 128));
    CHECK(!id_valid("..", 79) && !id_valid("a/b", 79) && !id_valid(".hidden", 79) && !id_valid("a..b", 79));
    CHECK(!id_valid("", 79) && !id_valid("a b", 79) && !id_valid("aaaa", 3));
}

static void test_roots(const char *dir)
{
    char root[4200], inside[4300], link[4300], cmd[9000];
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(inside, sizeof inside, "%s/sub/x", root);
    snprintf(link, sizeof link, "%s/link", root);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/sub' '%s/out' && ln -s '%s/out' '%s'", root, dir, dir, link);
    CHECK(system(cmd) == 0);
    CHECK(roots_contains(root, root));
    CHECK(roots_contains(root, inside)); /* need not exist yet */
    CHECK(!roots_contains(root, dir));
    CHECK(!roots_contains(root, link));   /* a symlink pointing out */
    char dots[4400];
    snprintf(dots, sizeof dots, "%s/sub/../../out", root);
    CHECK(!roots_contains(root, dots));
    snprintf(dots, sizeof dots, "%sx", root); /* a sibling sharing the prefix */
    CHECK(!roots_contains(root, dots));
    CHECK(roots_contains("gs://bk/data", "gs://bk/data/coyote"));
    CHECK(!roots_contains("gs://bk/data", "gs://bk/database"));
    CHECK(!roots_contains("gs://bk/data", "/etc"));
    CHECK(!roots_contains("gs://bk/data", "gs://bk/data/../x"));
}

static void test_parsers(void)
{
    double t; /* 1796160600 = `date -u -d 2026-12-01T21:30:00Z +%s` */
    CHECK(submit_parse_time("2026-12-01T21:30:00Z", &t) == 0 && t == 1796160600.0);
    CHECK(submit_parse_time("2026-12-01T23:30:00+02:00", &t) == 0 && t == 1796160600.0);
    CHECK(submit_parse_time("2026-12-01T21:30:00.5Z", &t) == 0 && t == 1796160600.5);
    CHECK(submit_parse_time("2026-12-01 21:30:00", &t) != 0); /* no zone */
    CHECK(submit_parse_time("tomorrow", &t) != 0 && submit_parse_time("2026-13-01T00:00:00Z", &t) != 0);
    CHECK(submit_json_depth("{\"a\":[1,{\"b\":2}]}", 15) == 3);
    CHECK(submit_json_depth("{\"a\":\"[[[[\"}", 11) == 1); /* brackets inside strings do not count */
    CHECK(submit_json_depth("{\"a\":\"\\\"[[\"}", 12) == 1);
}

int main(void)
{
    char dir[] = "/tmp/mlac-serve-test-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_queue(dir);
    test_auth_ids();
    test_roots(dir);
    test_parsers();
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        test_failed++;
    TEST_MAIN_END();
}
