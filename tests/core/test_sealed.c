/* test_sealed.c — the sealed container: round trip, explicit little-endian layout, and every way
 * an image can be damaged (wrong magic, truncation at every length, each flipped byte, a short
 * payload, trailing bytes) refused with a message. */
#include "core/hash.h"
#include "core/sealed.h"
#include "test.h"

static int build(buf *out, mlac_err *err)
{
    const double d[3] = {1.5, -2.25, 1e300};
    const float f[2] = {0.5f, -8.0f};
    sealed_writer w;
    sealed_write_begin(&w, "MLACTEST", 7, 0, err);
    sealed_put_u32(&w, 0x01020304u);
    sealed_put_u64(&w, 0x1122334455667788ull);
    sealed_put_f64(&w, 3.0);
    sealed_put_bytes(&w, "abc", 3);
    sealed_put_f64s(&w, d, 3);
    sealed_put_f32s(&w, f, 2);
    return sealed_write_end(&w, out);
}

static void test_round_trip(void)
{
    mlac_err err;
    buf b;
    buf_init(&b, 0);
    CHECK_OK(build(&b, &err), &err);
    size_t want = SEALED_HEADER + 4 + 8 + 8 + 3 + 24 + 8 + SEALED_SUM;
    CHECK(b.len == want);
    const unsigned char *p = (const unsigned char *)b.data;
    /* explicit layout: magic, version 7 little-endian, then the u32 as 04 03 02 01 */
    CHECK(!memcmp(p, "MLACTEST", 8) && p[8] == 7 && p[9] == 0 && p[12] == 4 && p[15] == 1);
    unsigned char sum[32];
    hash_sha256(p, b.len - 32, sum);
    CHECK(!memcmp(sum, p + b.len - 32, 32));

    sealed_reader r;
    uint32_t version = 0;
    CHECK_OK(sealed_read_begin(&r, b.data, b.len, "MLACTEST", &version, "test image", &err), &err);
    CHECK(version == 7);
    CHECK(sealed_get_u32(&r) == 0x01020304u);
    CHECK(sealed_get_u64(&r) == 0x1122334455667788ull);
    CHECK(sealed_get_f64(&r) == 3.0);
    char abc[3];
    sealed_get_bytes(&r, abc, 3);
    CHECK(!memcmp(abc, "abc", 3));
    double d[3];
    float f[2];
    sealed_get_f64s(&r, d, 3);
    sealed_get_f32s(&r, f, 2);
    CHECK(d[0] == 1.5 && d[1] == -2.25 && d[2] == 1e300 && f[0] == 0.5f && f[1] == -8.0f);
    CHECK(sealed_remaining(&r) == 0);
    CHECK_OK(sealed_read_end(&r, "test image", &err), &err);

    /* reading past the end: zeros, a short reader, and an error at the end */
    CHECK(sealed_get_u32(&r) == 0 && r.short_read);
    CHECK(sealed_read_end(&r, "test image", &err) == MLAC_EFORMAT && strstr(err.msg, "test image"));
    buf_release(&b);
}

static void test_damage(void)
{
    mlac_err err;
    buf b;
    buf_init(&b, 0);
    CHECK_OK(build(&b, &err), &err);
    sealed_reader r;
    uint32_t v;
    CHECK(sealed_read_begin(&r, b.data, b.len, "MLACOTHR", &v, "test image", &err) == MLAC_EFORMAT &&
          strstr(err.msg, "bad magic"));
    int refused = 0;
    for (size_t n = 0; n < b.len; n++)
        refused += sealed_read_begin(&r, b.data, n, "MLACTEST", &v, "test image", &err) == MLAC_EFORMAT;
    CHECK(refused == (int)b.len);
    unsigned char *p = (unsigned char *)b.data;
    refused = 0;
    for (size_t i = 8; i < b.len; i++) { /* every byte after the magic, flipped */
        p[i] ^= 0x40;
        refused += sealed_read_begin(&r, b.data, b.len, "MLACTEST", &v, "test image", &err) == MLAC_EFORMAT &&
                   strstr(err.msg, "checksum") != NULL;
        p[i] ^= 0x40;
    }
    CHECK(refused == (int)(b.len - 8));
    /* a valid image with a byte left over after what the reader takes */
    CHECK_OK(sealed_read_begin(&r, b.data, b.len, "MLACTEST", &v, "test image", &err), &err);
    sealed_get_u32(&r);
    CHECK(sealed_read_end(&r, "test image", &err) == MLAC_EFORMAT && strstr(err.msg, "trailing"));
    /* an array longer than what is left: refused without reading past the end */
    double big[64];
    CHECK_OK(sealed_read_begin(&r, b.data, b.len, "MLACTEST", &v, "test image", &err), &err);
    sealed_get_f64s(&r, big, 64);
    CHECK(r.short_read && big[0] == 0.0);
    buf_release(&b);

    /* the writer keeps its first error (a limit) and writes nothing */
    buf out;
    buf_init(&out, 0);
    sealed_writer w;
    sealed_write_begin(&w, "MLACTEST", 1, 16, &err);
    sealed_put_u64(&w, 1);
    sealed_put_u64(&w, 2);
    CHECK(sealed_write_end(&w, &out) == MLAC_ENOMEM && out.len == 0);
    buf_release(&out);
}

int main(void)
{
    test_round_trip();
    test_damage();
    TEST_MAIN_END();
}
