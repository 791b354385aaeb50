/* test_ledger.c — tasks.jsonl: append, reload, torn last line, replacement of a failed task; a shard's
 * ledger at its own path; a merged ledger built in memory and saved in id order; appends from
 * several threads at once (the group commit): every line whole, every one synced. */
#include "core/fsutil.h"
#include "exp/ledger.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

enum { APPENDERS = 4, APPENDS = 100 };

typedef struct appender {
    ledger *l;
    int id, failures;
} appender;

static void *append_many(void *arg)
{
    appender *a = arg;
    for (int i = 0; i < APPENDS; i++) {
        char id[64];
        snprintf(id, sizeof id, "sp/m/n%05d/r0/f%d", i, a->id);
        json_t *e = json_pack("{s:s, s:s, s:i}", "task_id", id, "status", "ok", "pad", i * a->id);
        mlac_err err = {0};
        a->failures += ledger_append(a->l, e, &err) != MLAC_OK;
        json_decref(e);
    }
    return NULL;
}

static void test_concurrent_appends(store *s)
{
    ledger l;
    mlac_err err = {0};
    CHECK_OK(ledger_open(s, "run-c", &l, &err), &err);
    pthread_t t[APPENDERS];
    appender a[APPENDERS];
    for (int i = 0; i < APPENDERS; i++) {
        a[i] = (appender){&l, i, 0};
        CHECK(pthread_create(&t[i], NULL, append_many, &a[i]) == 0);
    }
    for (int i = 0; i < APPENDERS; i++) {
        pthread_join(t[i], NULL);
        CHECK(a[i].failures == 0);
    }
    CHECK(l.n == APPENDERS * APPENDS);
    CHECK_MSG(l.written == APPENDERS * APPENDS && l.synced == l.written, "written %lu, synced %lu", l.written,
              l.synced);
    ledger_release(&l);
    CHECK_OK(ledger_open(s, "run-c", &l, &err), &err);
    CHECK_MSG(l.n == APPENDERS * APPENDS && l.torn_lines == 0 && l.duplicates == 0, "reloaded %zu, torn %zu", l.n,
              l.torn_lines);
    ledger_release(&l);
}

int main(void)
{
    char dir[] = "/tmp/mlac-ledger-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    mlac_err err = {0};
    store *s = NULL;
    CHECK_OK(store_open(dir, &s, &err), &err);
    ledger l;
    CHECK_OK(ledger_open(s, "run-a", &l, &err), &err);
    CHECK(l.n == 0);
    json_t *b = json_pack("{s:s, s:s}", "task_id", "sp/m/n00010/r0/f1", "status", "ok");
    json_t *a = json_pack("{s:s, s:s, s:s}", "task_id", "sp/m/n00010/r0/f0", "status", "failed", "error", "boom");
    CHECK_OK(ledger_append(&l, b, &err), &err);
    CHECK_OK(ledger_append(&l, a, &err), &err);
    CHECK(l.n == 2);
    CHECK(!strcmp(json_string_value(json_object_get(l.entries[0], "task_id")), "sp/m/n00010/r0/f0"));
    CHECK(ledger_find(&l, "sp/m/n00010/r0/f0", 0) == NULL); /* failed tasks are not finished */
    CHECK(ledger_find(&l, "sp/m/n00010/r0/f0", 1) != NULL);
    ledger_release(&l);

    /* a torn last line (killed mid-write) is skipped on reload */
    char path[512];
    snprintf(path, sizeof path, "%s/run-a/tasks.jsonl", dir);
    const char *torn = "{\"task_id\":\"sp/m/n00010/r0/f2\",\"sta";
    CHECK_OK(fs_append_sync(path, torn, strlen(torn), &err), &err);
    CHECK_OK(ledger_open(s, "run-a", &l, &err), &err);
    CHECK(l.n == 2);
    CHECK(l.torn_lines == 1);
    CHECK(ledger_find(&l, "sp/m/n00010/r0/f1", 0) != NULL);
    /* a rerun that succeeds replaces the failed entry */
    json_t *a2 = json_pack("{s:s, s:s}", "task_id", "sp/m/n00010/r0/f0", "status", "ok");
    CHECK_OK(ledger_append(&l, a2, &err), &err);
    CHECK(l.n == 2);
    CHECK(ledger_find(&l, "sp/m/n00010/r0/f0", 0) != NULL);
    ledger_release(&l);
    CHECK_OK(ledger_open(s, "run-a", &l, &err), &err);
    CHECK(l.n == 2 && ledger_find(&l, "sp/m/n00010/r0/f0", 0) != NULL);
    ledger_release(&l);

    /* a shard's ledger lives at its own path; a merged one is built in memory and saved sorted */
    CHECK_OK(ledger_open_path(s, "run-a/shards/1-of-3.jsonl", &l, &err), &err);
    CHECK(l.n == 0);
    CHECK_OK(ledger_append(&l, b, &err), &err);
    ledger_release(&l);
    ledger merged;
    ledger_init(&merged, s, "run-a/merged.jsonl");
    CHECK_OK(ledger_insert(&merged, b, &err), &err);
    CHECK_OK(ledger_insert(&merged, a2, &err), &err);
    CHECK_OK(ledger_insert(&merged, a, &err), &err); /* same id as a2: replaces it */
    CHECK(merged.n == 2);
    CHECK_OK(ledger_save(&merged, &err), &err);
    ledger_release(&merged);
    buf text;
    buf_init(&text, 0);
    snprintf(path, sizeof path, "%s/run-a/merged.jsonl", dir);
    CHECK_OK(fs_read_file(path, &text, 0, &err), &err);
    const char *want = "{\"error\":\"boom\",\"status\":\"failed\",\"task_id\":\"sp/m/n00010/r0/f0\"}\n"
                       "{\"status\":\"ok\",\"task_id\":\"sp/m/n00010/r0/f1\"}\n";
    CHECK(text.len == strlen(want) && !memcmp(text.data, want, text.len));
    buf_release(&text);
    CHECK_OK(ledger_open_path(s, "run-a/shards/1-of-3.jsonl", &l, &err), &err);
    CHECK(l.n == 1 && ledger_find(&l, "sp/m/n00010/r0/f1", 0) != NULL);
    ledger_release(&l);
    json_decref(a), json_decref(b), json_decref(a2);
    test_concurrent_appends(s);
    store_free(s);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
