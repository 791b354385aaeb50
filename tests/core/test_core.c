/* test_core.c — buffers with limits, string lists, the rng (known xoshiro256** outputs), seed
 * derivation, SHA-256 (FIPS 180-2 vectors), .npy round trip and hostile headers, atomic files. */
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/npy.h"
#include "core/pool.h"
#include "core/rng.h"
#include "test.h"

#include <stdlib.h>

static void test_buf(void)
{
    mlac_err err;
    buf b;
    buf_init(&b, 16);
    CHECK_OK(buf_puts(&b, "hello ", &err), &err);
    CHECK_OK(buf_printf(&b, &err, "%d", 42), &err);
    CHECK(!strcmp(b.data, "hello 42") && b.len == 8);
    CHECK(buf_puts(&b, "this is too long", &err) == MLAC_ENOMEM);
    buf_release(&b);
    /* a buffer reserved but never appended to is an empty string (fuzz_labels: an empty file) */
    buf_init(&b, 0);
    CHECK_OK(buf_reserve(&b, 0, &err), &err);
    CHECK(b.data && b.data[0] == '\0' && b.len == 0);
    buf_release(&b);
    strlist l;
    strlist_init(&l);
    CHECK_OK(strlist_push_split(&l, "25, 50 100,,200", &err), &err);
    CHECK(l.n == 4 && !strcmp(l.items[2], "100"));
    strlist_release(&l);
    strlist_init(&l); /* names keep their spaces; only commas separate */
    CHECK_OK(strlist_push_items(&l, " Turdus migratorius ,coyote,, bull frog", &err), &err);
    CHECK(l.n == 3 && !strcmp(l.items[0], "Turdus migratorius") && !strcmp(l.items[2], "bull frog"));
    strlist_release(&l);
}

static void test_hash_rng(void)
{
    char hex[65];
    hash_sha256_hex("abc", 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    hash_sha256_hex("", 0, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    rng a, b;
    rng_seed(&a, 1);
    rng_seed(&b, 1);
    for (int i = 0; i < 100; i++)
        CHECK(rng_u64(&a) == rng_u64(&b));
    rng_seed(&b, 2);
    CHECK(rng_u64(&a) != rng_u64(&b));
    /* uniform in [0,1), normal moments, rng_below unbiased enough */
    double sum = 0, sq = 0;
    size_t counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        double u = rng_uniform(&a), z = rng_normal(&a);
        CHECK(u >= 0 && u < 1);
        sum += z, sq += z * z;
        counts[rng_below(&a, 7)]++;
    }
    CHECK_NEAR(sum / 70000, 0, 0.02);
    CHECK_NEAR(sq / 70000, 1, 0.03);
    for (int k = 0; k < 7; k++)
        CHECK_NEAR(counts[k], 10000, 400);
    CHECK(rng_derive_seed(42, "folds/coyote") == rng_derive_seed(42, "folds/coyote"));
    CHECK(rng_derive_seed(42, "folds/coyote") != rng_derive_seed(43, "folds/coyote"));
    CHECK(rng_derive_seed(42, "folds/coyote") != rng_derive_seed(42, "folds/bullfrog"));
}

static void test_npy(void)
{
    mlac_err err;
    float m[6] = {1, 2, 3, 4.5f, -5, 6};
    size_t shape[2] = {2, 3};
    buf b;
    buf_init(&b, 0);
    CHECK_OK(npy_write_f32(&b, m, 2, shape, &err), &err);
    CHECK(b.len % 64 == 24); /* header padded to 64 bytes, then 24 bytes of data */
    npy_array a;
    CHECK_OK(npy_parse(b.data, b.len, "m.npy", &a, &err), &err);
    CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 && a.data[3] == 4.5 && a.data[4] == -5);
    npy_release(&a);
    /* truncated data, bad magic, absurd shapes */
    CHECK(npy_parse(b.data, b.len - 1, "m.npy", &a, &err) == MLAC_EFORMAT && strstr(err.msg, "m.npy"));
    CHECK(npy_parse("garbage-garbage", 15, "g.npy", &a, &err) == MLAC_EFORMAT);
    char hdr[128] = "\x93NUMPY\x01\x00\x40\x00{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999), }";
    CHECK(npy_parse(hdr, sizeof hdr, "evil.npy", &a, &err) == MLAC_EFORMAT);
    buf_release(&b);
}

static void test_files(void)
{
    mlac_err err;
    char dir[] = "/tmp/mlac-core-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/a/b/c.txt", dir);
    CHECK_OK(fs_write_atomic(path, "one", 3, &err), &err);
    CHECK_OK(fs_write_atomic(path, "two!", 4, &err), &err);
    buf b;
    buf_init(&b, 0);
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
    CHECK(b.len == 4 && !memcmp(b.data, "two!", 4));
    buf_release(&b);
    buf_init(&b, 0);
    CHECK(fs_read_file(path, &b, 2, &err) == MLAC_ENOMEM);
    buf_release(&b);
    strlist l;
    strlist_init(&l);
    CHECK_OK(fs_list_recursive(dir, &l, &err), &err);
    CHECK(l.n == 1 && !strcmp(l.items[0], "a/b/c.txt")); /* no temp files left behind */
    strlist_release(&l);
    buf_init(&b, 0);
    CHECK(fs_read_file("/nonexistent/x", &b, 0, &err) == MLAC_ENOTFOUND && strstr(err.msg, "/nonexistent/x"));
    buf_release(&b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void square(void *ctx, size_t i, int worker)
{
    (void)worker;
    ((double *)ctx)[i] = (double)i * (double)i;
}

static void test_pool(void)
{
    double a[1000], b[1000];
    pool_for(1, 1000, square, a);
    pool_for(4, 1000, square, b);
    CHECK(memcmp(a, b, sizeof a) == 0 && a[999] == 998001.0);
}

int main(void)
{
    test_buf();
    test_hash_rng();
    test_npy();
    test_files();
    test_pool();
    TEST_MAIN_END();
}
