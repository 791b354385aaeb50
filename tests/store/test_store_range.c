/* test_store_range.c — store_read_range on the local back end (pread) and through the fallback
 * every back end without a read_range op gets (a whole read, then cut): the bytes of ranges
 * inside the object, a range past the end an EINVAL naming the file and the range with out
 * unchanged, length 0, a missing file ENOTFOUND, a negative offset refused. */
#include "test.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/mlac-store-range-XXXXXX";
static char data[100000];

/* A back end with only read: store_read_range must read it whole and cut. */
static store *file_store;
static int plain_read(store *s, const char *path, buf *out, mlac_err *err)
{
    (void)s;
    return store_read(file_store, path, out, err);
}
static const struct store_ops plain_ops = {.scheme = "plain", .read = plain_read};

static void check_store(store *s, const char *label)
{
    mlac_err err = {0};
    buf b;
    buf_init(&b, 0);
    static const struct { long long off; size_t len; } ok[] = {{0, 1}, {0, sizeof data}, {99999, 1}, {4096, 50000}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        b.len = 0;
        CHECK(buf_append(&b, "ab", 2, &err) == 0);
        int rc = store_read_range(s, "dir/clip.bin", ok[i].off, ok[i].len, &b, &err);
        CHECK_MSG(rc == 0 && b.len == 2 + ok[i].len && !memcmp(b.data, "ab", 2) &&
                      !memcmp(b.data + 2, data + ok[i].off, ok[i].len),
                  "%s: range %lld+%zu: rc %d len %zu: %s", label, ok[i].off, ok[i].len, rc, b.len, err.msg);
    }
    static const struct { long long off; size_t len; } bad[] = {{99995, 10}, {100000, 1}, {300000, 2}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b.len = 0;
        char want[64];
        snprintf(want, sizeof want, "bytes %lld-%lld", bad[i].off, bad[i].off + (long long)bad[i].len - 1);
        int rc = store_read_range(s, "dir/clip.bin", bad[i].off, bad[i].len, &b, &err);
        CHECK_MSG(rc == MLAC_EINVAL && strstr(err.msg, "dir/clip.bin") && strstr(err.msg, want) &&
                      strstr(err.msg, "past the end") && b.len == 0,
                  "%s: range %lld+%zu: rc %d: %s", label, bad[i].off, bad[i].len, rc, err.msg);
    }
    CHECK(store_read_range(s, "dir/clip.bin", 100000, 0, &b, &err) == 0 && b.len == 0);
    CHECK(store_read_range(s, "dir/clip.bin", -3, 2, &b, &err) == MLAC_EINVAL && strstr(err.msg, "bad range"));
    CHECK_MSG(store_read_range(s, "dir/none.bin", 0, 2, &b, &err) == MLAC_ENOTFOUND, "%s: %s", label, err.msg);
    buf_release(&b);
}

int main(void)
{
    CHECK(mkdtemp(tmpdir) != NULL);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 2654435761u >> 13);
    mlac_err err = {0};
    CHECK(store_open(tmpdir, &file_store, &err) == 0);
    CHECK(store_write(file_store, "dir/clip.bin", data, sizeof data, &err) == 0);
    check_store(file_store, "file");
    store plain = {.ops = &plain_ops};
    snprintf(plain.root, sizeof plain.root, "%s", tmpdir);
    check_store(&plain, "fallback");
    store_free(file_store);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
