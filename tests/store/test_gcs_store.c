/* test_gcs_store.c — every verb of the gs:// back end against build/gcs_test_server, and each
 * injected fault: the retries seen by the server, the final bucket state, nothing written twice
 * or lost. Also odd object names, paging to the end, resumable uploads (308 + Range, a broken
 * session resumed, an expired session restarted), appends (idempotent parts, concurrent
 * writers), the lease lock (held, expired and taken over, renewed), prefetch + download cache
 * (a second pass makes zero media GETs), ranged reads (206, 416, short answers). The server
 * runs without auth (emulator variable). */
#include "test.h"
#include "store/gcs_testutil.h"
#include "store/store.h"
#include "store/store_settings.h"
#include "core/timeutil.h"

#include <pthread.h>

static test_server srv;
static char tmpdir[] = "/tmp/mlac-gcs-store-XXXXXX";

static store *open_store(const char *uri)
{
    store *s = NULL;
    mlac_err err = {0};
    int rc = store_open(uri, &s, &err);
    CHECK_MSG(rc == 0, "store_open(%s): %s", uri, err.msg);
    return s;
}

static int read_equals(store *s, const char *path, const void *data, size_t n)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    int rc = store_read(s, path, &b, &err);
    int ok = rc == 0 && b.len == n && (n == 0 || !memcmp(b.data, data, n));
    if (!ok)
        fprintf(stderr, "read '%s': rc %d len %zu (want %zu): %s\n", path, rc, b.len, n, err.msg);
    buf_release(&b);
    return ok;
}

static void fill(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (char)(seed >> 16);
    }
}

static void test_verbs(void)
{
    store *s = open_store("gs://bkt/root/");
    if (!s)
        return;
    mlac_err err = {0};
    CHECK(!strcmp(s->root, "gs://bkt/root"));
    const char *names[] = {"a.txt", "dir/b c.wav", "dir/sub/#hash?q=1&x.wav", "\u00fcnic\u00f8de/\u65e5.wav",
                           "x%2Fy"};
    for (int i = 0; i < 5; i++)
        CHECK_MSG(store_write_str(s, names[i], names[i], &err) == 0, "%s: %s", names[i], err.msg);
    for (int i = 0; i < 5; i++)
        CHECK(read_equals(s, names[i], names[i], strlen(names[i])));
    /* the object really is called prefix + "/" + path: look at it with the raw API */
    CHECK(ts_generation(&srv, "bkt", "root%2Fdir%2Fb%20c.wav") > 0);
    CHECK(ts_generation(&srv, "bkt", "root%2Fx%252Fy") > 0);
    strlist l;
    strlist_init(&l);
    CHECK(store_list(s, "", &l, &err) == 0 && l.n == 5);
    int sorted = 1;
    for (size_t i = 1; i < l.n; i++)
        sorted &= strcmp(l.items[i - 1], l.items[i]) < 0;
    CHECK(sorted && !strcmp(l.items[0], "a.txt"));
    strlist_release(&l);
    strlist_init(&l);
    CHECK(store_list(s, "dir", &l, &err) == 0 && l.n == 2 && !strcmp(l.items[0], "dir/b c.wav"));
    strlist_release(&l);
    strlist_init(&l);
    CHECK(store_list(s, "nothing-here", &l, &err) == MLAC_ENOTFOUND && strstr(err.msg, "gs://bkt/root/nothing-here"));
    strlist_release(&l);
    int ex = -1;
    CHECK(store_exists(s, "dir/b c.wav", &ex, &err) == 0 && ex == 1);
    CHECK(store_exists(s, "dir/none", &ex, &err) == 0 && ex == 0);
    buf b;
    buf_init(&b, 0);
    CHECK(store_read(s, "dir/none", &b, &err) == MLAC_ENOTFOUND && strstr(err.msg, "gs://bkt/root/dir/none"));
    buf_release(&b);
    /* overwrite: the second write wins (precondition on the generation this process saw) */
    long long g1 = ts_generation(&srv, "bkt", "root%2Fa.txt");
    CHECK(store_write_str(s, "a.txt", "second", &err) == 0 && read_equals(s, "a.txt", "second", 6));
    CHECK(ts_generation(&srv, "bkt", "root%2Fa.txt") > g1);
    /* another writer changed it behind our back: still overwritten, no error */
    store *other = open_store("gs://bkt/root");
    CHECK(other && store_write_str(other, "a.txt", "third", &err) == 0);
    CHECK(store_write_str(s, "a.txt", "fourth", &err) == 0 && read_equals(s, "a.txt", "fourth", 6));
    store_free(other);
    /* an empty object */
    CHECK(store_write(s, "empty", "", 0, &err) == 0 && read_equals(s, "empty", "", 0));
    CHECK(store_local_path(s, "a.txt", (char[64]){0}, 64) == NULL);
    store_free(s);
}

static void test_paging(void)
{
    store *s = open_store("gs://bkt/many");
    if (!s)
        return;
    mlac_err err = {0};
    int ok = 1;
    for (int i = 0; i < 1005 && ok; i++) {
        char p[64];
        snprintf(p, sizeof p, "f%04d", i);
        ok = store_write_str(s, p, "x", &err) == 0;
    }
    CHECK_MSG(ok, "%s", err.msg);
    ts_reset_counts(&srv);
    strlist l;
    strlist_init(&l);
    CHECK(store_list(s, "", &l, &err) == 0 && l.n == 1005);
    CHECK(l.n == 1005 && !strcmp(l.items[1004], "f1004"));
    CHECK(ts_count(&srv, "storage.objects.list") == 2); /* 1000 + 5: two pages */
    strlist_release(&l);
    store_free(s);
}

/* Clears any fault list left over (a global test with instructions left would hit later tests). */
static void clear_faults(void)
{
    char url[128], *text = NULL;
    snprintf(url, sizeof url, "%s/retry_test", srv.base);
    if (ts_http("GET", url, NULL, &text) == 200) {
        json_error_t je;
        json_t *j = json_loads(text, 0, &je), *arr = json_is_array(j) ? j : json_object_get(j, "items");
        if (!arr)
            arr = json_object_get(j, "tests");
        size_t i;
        json_t *t;
        json_array_foreach(arr, i, t) {
            const char *id = json_string_value(json_object_get(t, "id"));
            char del[256];
            snprintf(del, sizeof del, "%s/retry_test/%s", srv.base, id ? id : "");
            if (id)
                ts_http("DELETE", del, NULL, NULL);
        }
        json_decref(j);
    }
    free(text);
}

static void test_read_faults(void)
{
    store *s = open_store("gs://bkt/faults");
    if (!s)
        return;
    mlac_err err = {0};
    static char big[300000];
    fill(big, sizeof big, 1);
    CHECK(store_write(s, "big.bin", big, sizeof big, &err) == 0);
    static const struct { const char *faults; long gets; } cases[] = {
        {"[\"return-503\",\"return-503\"]", 3},
        {"[\"return-429\"]", 2},
        {"[\"return-500\",\"return-408\"]", 3},
        {"[\"return-reset-connection\"]", 2},
        {"[\"return-broken-stream-after-64K\"]", 2}, /* resumed with Range from 64 KiB */
        {"[\"stall-for-3s\"]", 2},                   /* the stall timeout (1 s) gives up on it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        store *fresh = open_store("gs://bkt/faults"); /* no metadata or cache from earlier reads */
        ts_reset_counts(&srv);
        CHECK(ts_fault(&srv, "storage.objects.get", cases[i].faults) == 0);
        double t0 = time_now();
        CHECK_MSG(read_equals(fresh, "big.bin", big, sizeof big), "%s", cases[i].faults);
        long gets = ts_count(&srv, "media_get");
        CHECK_MSG(gets == cases[i].gets, "%s: %ld media GETs, want %ld", cases[i].faults, gets, cases[i].gets);
        CHECK(ts_count(&srv, "faults_injected") == cases[i].gets - 1);
        CHECK_MSG(time_now() - t0 < 10, "%s took %.1f s", cases[i].faults, time_now() - t0);
        store_free(fresh);
    }
    /* not transient: 404 and 403 are final at once */
    ts_reset_counts(&srv);
    CHECK(ts_fault(&srv, "storage.objects.get", "[\"return-403\"]") == 0);
    buf b;
    buf_init(&b, 0);
    CHECK(store_read(s, "big.bin", &b, &err) == MLAC_EUNAVAIL);
    CHECK(strstr(err.msg, "gs://bkt/faults/big.bin") && strstr(err.msg, "HTTP 403"));
    CHECK(ts_count(&srv, "media_get") == 1);
    /* transient forever: gives up at the deadline, naming the object and the status */
    char many[2048] = "[";
    for (int i = 0; i < 60; i++)
        strcat(many, i ? ",\"return-503\"" : "\"return-503\"");
    strcat(many, "]");
    CHECK(ts_fault(&srv, "storage.objects.get", many) == 0);
    store_settings ss;
    store_settings_get(&ss);
    store_settings short_deadline = ss;
    short_deadline.retry_deadline = 0.3;
    store_settings_set(&short_deadline);
    store *impatient = open_store("gs://bkt/faults");
    b.len = 0;
    double t0 = time_now();
    CHECK(impatient && store_read(impatient, "big.bin", &b, &err) == MLAC_EIO);
    CHECK_MSG(strstr(err.msg, "gs://bkt/faults/big.bin") && strstr(err.msg, "HTTP 503"), "%s", err.msg);
    CHECK(time_now() - t0 < 5);
    store_free(impatient);
    store_settings_set(&ss);
    clear_faults();
    buf_release(&b);
    store_free(s);
}

/* store_read_range: 206 answers with the right bytes, a range past the end (416, or a short
 * answer when it starts inside) an EINVAL naming the object and the range, a cut ranged GET
 * retried for the same range, a missing object ENOTFOUND, out untouched by a failure. */
static void test_read_range(void)
{
    store *s = open_store("gs://bkt/ranges");
    if (!s)
        return;
    mlac_err err = {0};
    static char data[200000];
    fill(data, sizeof data, 7);
    CHECK(store_write(s, "clip #1.wav", data, sizeof data, &err) == 0);
    static const struct { long long off; size_t len; } ok[] = {
        {0, 10}, {0, sizeof data}, {199990, 10}, {12345, 1}, {65536, 100000}};
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ts_reset_counts(&srv);
        b.len = 0;
        CHECK(buf_append(&b, "xy", 2, &err) == 0); /* appended after what out holds */
        int rc = store_read_range(s, "clip #1.wav", ok[i].off, ok[i].len, &b, &err);
        CHECK_MSG(rc == 0 && b.len == 2 + ok[i].len && !memcmp(b.data, "xy", 2) &&
                      !memcmp(b.data + 2, data + ok[i].off, ok[i].len),
                  "range %lld+%zu: rc %d len %zu: %s", ok[i].off, ok[i].len, rc, b.len, err.msg);
        CHECK_MSG(ts_count(&srv, "media_get") == 1, "range %lld+%zu: %ld media GETs", ok[i].off, ok[i].len,
                  ts_count(&srv, "media_get"));
    }
    /* past the end: starting inside (the server answers 206 with what there is) or outside (416) */
    static const struct { long long off; size_t len; } bad[] = {{199995, 10}, {200000, 1}, {500000, 4}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b.len = 0;
        err = (mlac_err){0};
        int rc = store_read_range(s, "clip #1.wav", bad[i].off, bad[i].len, &b, &err);
        char want[64];
        snprintf(want, sizeof want, "bytes %lld-%lld", bad[i].off, bad[i].off + (long long)bad[i].len - 1);
        CHECK_MSG(rc == MLAC_EINVAL && strstr(err.msg, "gs://bkt/ranges/clip #1.wav") && strstr(err.msg, want) &&
                      strstr(err.msg, "past the end") && b.len == 0,
                  "range %lld+%zu: rc %d len %zu: %s", bad[i].off, bad[i].len, rc, b.len, err.msg);
    }
    CHECK(store_read_range(s, "clip #1.wav", -1, 4, &b, &err) == MLAC_EINVAL);
    /* length 0: nothing read, but the object and offset are checked */
    b.len = 0;
    CHECK(store_read_range(s, "clip #1.wav", 200000, 0, &b, &err) == 0 && b.len == 0);
    CHECK(store_read_range(s, "clip #1.wav", 200001, 0, &b, &err) == MLAC_EINVAL);
    CHECK(store_read_range(s, "absent.wav", 0, 0, &b, &err) == MLAC_ENOTFOUND);
    CHECK(store_read_range(s, "absent.wav", 0, 5, &b, &err) == MLAC_ENOTFOUND &&
          strstr(err.msg, "gs://bkt/ranges/absent.wav") && strstr(err.msg, "404"));
    /* a cut ranged GET is asked again for the same range; a 503 retried */
    static const char *faults[] = {"[\"return-broken-stream-after-64K\"]", "[\"return-503\"]"};
    for (int i = 0; i < 2; i++) {
        ts_reset_counts(&srv);
        CHECK(ts_fault(&srv, "storage.objects.get", faults[i]) == 0);
        b.len = 0;
        int rc = store_read_range(s, "clip #1.wav", 1000, 150000, &b, &err);
        CHECK_MSG(rc == 0 && b.len == 150000 && !memcmp(b.data, data + 1000, 150000), "%s: rc %d len %zu: %s",
                  faults[i], rc, b.len, err.msg);
        CHECK_MSG(ts_count(&srv, "media_get") == 2, "%s: %ld media GETs", faults[i], ts_count(&srv, "media_get"));
    }
    clear_faults();
    buf_release(&b);
    store_free(s);
}

static long count_objects(const char *prefix)
{
    char url[512], *text = NULL;
    snprintf(url, sizeof url, "%s/storage/v1/b/bkt/o?prefix=%s", srv.base, prefix);
    long n = -1;
    if (ts_http("GET", url, NULL, &text) == 200) {
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        n = (long)json_array_size(json_object_get(j, "items"));
        json_decref(j);
    }
    free(text);
    return n;
}

static void test_write_faults(void)
{
    clear_faults();
    store *s = open_store("gs://bkt/wf");
    if (!s)
        return;
    mlac_err err = {0};
    /* a create-only single-request upload is retried: one object, right bytes */
    ts_reset_counts(&srv);
    CHECK(ts_fault(&srv, "storage.objects.insert", "[\"return-503\",\"return-reset-connection\"]") == 0);
    CHECK(store_write_str(s, "one.txt", "hello", &err) == 0);
    CHECK(ts_count(&srv, "storage.objects.insert") == 3);
    CHECK(read_equals(s, "one.txt", "hello", 5) && count_objects("wf%2F") == 1);
    /* a response lost after the server stored the object: the retry gets 412 and the write
     * recognises its own bytes (same MD5) instead of failing or writing again */
    long long g = ts_generation(&srv, "bkt", "wf%2Fone.txt");
    store *fresh = open_store("gs://bkt/wf"); /* believes the object is new: ifGenerationMatch=0 */
    CHECK(fresh && store_write_str(fresh, "one.txt", "hello", &err) == 0);
    CHECK(ts_generation(&srv, "bkt", "wf%2Fone.txt") == g); /* not written twice */
    store_free(fresh);
    /* resumable uploads: 1.3 MB in 256 KiB chunks */
    static char big[1300000];
    fill(big, sizeof big, 2);
    ts_reset_counts(&srv);
    CHECK(store_write(s, "big.bin", big, sizeof big, &err) == 0);
    long puts_ok = ts_count(&srv, "storage.objects.insert");
    CHECK_MSG(puts_ok == 1 + 5, "%ld upload requests (want a session + 5 chunks)", puts_ok); /* POST + 5 PUTs */
    CHECK(read_equals(s, "big.bin", big, sizeof big));
    /* a chunk cut mid-way (the server keeps what arrived), a 503, then a session the server
     * forgot: the status query finds the offset, the expired session starts over */
    static const char *faults[] = {
        "[\"stall-for-0s\",\"return-broken-stream-after-100K\"]",
        "[\"stall-for-0s\",\"stall-for-0s\",\"return-503\"]",
        "[\"stall-for-0s\",\"stall-for-0s\",\"expire-upload-session\"]",
    };
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "big%d.bin", i);
        fill(big, sizeof big, 10 + (unsigned)i);
        clear_faults();
        ts_reset_counts(&srv);
        CHECK(ts_fault(&srv, "storage.objects.insert", faults[i]) == 0);
        int rc = store_write(s, path, big, sizeof big, &err);
        CHECK_MSG(rc == 0, "%s: %s", faults[i], err.msg);
        CHECK_MSG(ts_count(&srv, "faults_injected") == (i == 0 ? 2 : 3), "%s: %ld faults", faults[i],
                  ts_count(&srv, "faults_injected"));
        /* the status query (or the new session) adds requests beyond the 6 of a clean upload */
        CHECK_MSG(ts_count(&srv, "storage.objects.insert") > 6, "%s", faults[i]);
        CHECK_MSG(read_equals(s, path, big, sizeof big), "%s", faults[i]);
    }
    clear_faults();
    CHECK(count_objects("wf%2F") == 1 + 1 + 3);
    store_free(s);
}

struct appender {
    store *s;
    int id, failures;
};

static void *append_main(void *arg)
{
    struct appender *a = arg;
    for (int i = 0; i < 20; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"task_id\":\"w%d-%02d\"}\n", a->id, i);
        mlac_err err = {0};
        if (store_append(a->s, "run/tasks.jsonl", line, strlen(line), &err))
            a->failures++;
    }
    return NULL;
}

static void test_append(void)
{
    store *s = open_store("gs://bkt/ap");
    if (!s)
        return;
    mlac_err err = {0};
    int ex = -1;
    CHECK(store_exists(s, "run/tasks.jsonl", &ex, &err) == 0 && ex == 0);
    CHECK(store_append(s, "run/tasks.jsonl", "a\n", 2, &err) == 0);
    CHECK(store_append(s, "run/tasks.jsonl", "a\n", 2, &err) == 0); /* a retried append: no duplicate */
    CHECK(read_equals(s, "run/tasks.jsonl", "a\n", 2));
    CHECK(store_exists(s, "run/tasks.jsonl", &ex, &err) == 0 && ex == 1);
    /* an append whose first attempt got a 503 (and one that got a reset) */
    CHECK(ts_fault(&srv, "storage.objects.insert", "[\"return-503\",\"return-reset-connection\"]") == 0);
    CHECK(store_append(s, "run/tasks.jsonl", "b\n", 2, &err) == 0);
    buf b;
    buf_init(&b, 0);
    CHECK(store_read(s, "run/tasks.jsonl", &b, &err) == 0 && b.len == 4);
    CHECK(b.len == 4 && (!memcmp(b.data, "a\nb\n", 4) || !memcmp(b.data, "b\na\n", 4)));
    buf_release(&b);
    strlist l;
    strlist_init(&l);
    CHECK(store_list(s, "run", &l, &err) == 0 && l.n == 1 && !strcmp(l.items[0], "run/tasks.jsonl"));
    strlist_release(&l);
    /* four writers (separate stores, as separate processes would be) never lose a line */
    struct appender w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct appender){open_store("gs://bkt/ap2"), i, 0};
        pthread_create(&t[i], NULL, append_main, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].failures == 0);
        store_free(w[i].s);
    }
    store *r = open_store("gs://bkt/ap2");
    buf_init(&b, 0);
    CHECK(r && store_read(r, "run/tasks.jsonl", &b, &err) == 0);
    int lines = 0;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    CHECK_MSG(lines == 80, "%d lines", lines);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 20; k++) {
            char id[32];
            snprintf(id, sizeof id, "\"w%d-%02d\"", i, k);
            CHECK(b.data && strstr(b.data, id));
        }
    buf_release(&b);
    store_free(r);
    store_free(s);
}

static void test_lock(void)
{
    setenv("MLAC_GCS_LOCK_LEASE", "1.5", 1);
    store *a = open_store("gs://bkt/lk"), *b = open_store("gs://bkt/lk");
    if (!a || !b)
        return;
    mlac_err err = {0};
    int ha = -1, hb = -1;
    CHECK(store_lock(a, "run/.lock", &ha, &err) == 0 && ha >= 0);
    long long g0 = ts_generation(&srv, "bkt", "lk%2Frun%2F.lock");
    CHECK(store_lock(b, "run/.lock", &hb, &err) == MLAC_EUNAVAIL && strstr(err.msg, "gs://bkt/lk/run/.lock"));
    /* renewed in the background: outlives its 1.5 s lease */
    struct timespec ts = {2, 500000000};
    nanosleep(&ts, NULL);
    CHECK(ts_generation(&srv, "bkt", "lk%2Frun%2F.lock") > g0);
    CHECK(store_lock(b, "run/.lock", &hb, &err) == MLAC_EUNAVAIL);
    store_unlock(a, ha);
    CHECK(ts_generation(&srv, "bkt", "lk%2Frun%2F.lock") == -1); /* released = deleted */
    CHECK(store_lock(b, "run/.lock", &hb, &err) == 0);
    store_unlock(b, hb);
    /* a crashed owner's lock (expired, never renewed) is taken over */
    CHECK(store_write_str(a, "run2/.lock", "{\"owner\":\"host:1:dead\",\"expires_at\":1000,\"lease_s\":60}", &err) == 0);
    CHECK(store_lock(b, "run2/.lock", &hb, &err) == 0);
    buf lb;
    buf_init(&lb, 0);
    CHECK(store_read(a, "run2/.lock", &lb, &err) == 0 && lb.data && !strstr(lb.data, "dead"));
    buf_release(&lb);
    store_unlock(b, hb);
    store_free(a);
    store_free(b);
    unsetenv("MLAC_GCS_LOCK_LEASE");
}

static void test_prefetch_cache(void)
{
    store_settings ss, keep;
    store_settings_get(&keep);
    ss = keep;
    snprintf(ss.download_cache_dir, sizeof ss.download_cache_dir, "%s/dl", tmpdir);
    ss.download_cache_max = 64 << 20;
    ss.max_transfers = 8;
    store *w = open_store("gs://bkt/clips"); /* writes with no cache (it would keep what it wrote) */
    store_settings_set(&ss);
    if (!w)
        return;
    mlac_err err = {0};
    static char clip[50000];
    const char *paths[40];
    char names[40][32];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "sp/data/pos/c%02d.wav", i);
        paths[i] = names[i];
        fill(clip, sizeof clip, 100 + (unsigned)i);
        CHECK(store_write(w, names[i], clip, sizeof clip, &err) == 0);
    }
    store_free(w);
    for (int pass = 0; pass < 2; pass++) {
        ts_reset_counts(&srv);
        store *s = open_store("gs://bkt/clips");
        strlist l;
        strlist_init(&l);
        CHECK(store_list(s, "", &l, &err) == 0 && l.n == 40); /* generations come with the listing */
        strlist_release(&l);
        store_prefetch(s, paths, 40);
        int ok = 1;
        for (int i = 39; i >= 0; i--) { /* read in another order than the prefetch */
            fill(clip, sizeof clip, 100 + (unsigned)i);
            ok &= read_equals(s, names[i], clip, sizeof clip);
        }
        CHECK(ok);
        store_free(s);
        long gets = ts_count(&srv, "media_get");
        CHECK_MSG(gets == (pass == 0 ? 40 : 0), "pass %d: %ld media GETs", pass, gets);
    }
    store_settings_set(&keep);
}

int main(void)
{
    setenv("MLAC_GCS_RETRY_INITIAL", "0.01", 1);
    setenv("MLAC_GCS_RETRY_MAX", "0.05", 1);
    setenv("MLAC_GCS_STALL_TIMEOUT", "1", 1);
    setenv("MLAC_GCS_UPLOAD_THRESHOLD", "500000", 1);
    setenv("MLAC_GCS_CHUNK_SIZE", "262144", 1);
    setenv("MLAC_DOWNLOAD_CACHE_MAX", "0", 1);
    setenv("MLAC_GCS_RETRY_DEADLINE", "30", 1);
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    unsetenv("MLAC_GCS_ENDPOINT");
    if (!mkdtemp(tmpdir) || ts_start(&srv, NULL) || ts_bucket(&srv, "bkt")) {
        fprintf(stderr, "cannot start the GCS test server\n");
        ts_stop(&srv);
        return 1;
    }
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", srv.port);
    setenv("STORAGE_EMULATOR_HOST", host, 1);
    test_verbs();
    test_paging();
    test_read_faults();
    test_read_range();
    test_write_faults();
    test_append();
    test_lock();
    test_prefetch_cache();
    ts_stop(&srv);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
