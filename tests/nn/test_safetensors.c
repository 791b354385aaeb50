/* test_safetensors.c — the safetensors reader/writer: a file written by the fixture script
 * (F32, F64, F16, I64 tensors, a wrong-shaped and an unknown tensor) loads by name and shape
 * into a vgg (transfer learning); strict loading refuses it; a network round-trips exactly;
 * hostile files (every truncation, huge/overlapping/out-of-range offsets, bad dtypes and shapes,
 * shape overflow, malformed headers) fail cleanly with MLAC_EFORMAT.
 */
#include "test.h"
#include "nn_testutil.h"

#include "core/fsutil.h"
#include "nn/nets.h"
#include "nn/safetensors.h"

static nn_net *vgg32(void)
{
    nn_arch_params ap = {.arch = NN_ARCH_VGG, .in_ch = 1, .size = 32, .n_out = 1, .dropout = 0.5f};
    nn_net *net = NULL;
    mlac_err err = {0};
    CHECK_OK(nn_build(&net, &ap, &err), &err);
    return net;
}

/* The whole file (core's fs_read_file), or NULL; the caller frees it. */
static char *read_all(const char *path, size_t *n)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err;
    char *data = fs_read_file(path, &b, 0, &err) ? NULL : buf_detach(&b, n);
    buf_release(&b);
    return data;
}

static void test_torch_file(void)
{
    size_t n = 0;
    char *bytes = read_all(test_fixture("nn/weights.safetensors"), &n);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    safetensors st;
    mlac_err err = {0};
    CHECK_OK(safetensors_parse(bytes, n, "weights.safetensors", &st, &err), &err);
    CHECK(st.n == 6);
    CHECK(st.metadata && strcmp(json_string_value(json_object_get(st.metadata, "format")), "pt") == 0);
    nn_net *net = vgg32();
    int loaded = -1;
    CHECK_OK(safetensors_load_net(net, &st, 0, &loaded, &err), &err);
    CHECK(loaded == 3);
    float want[288];
    tu_hfill(want, 288, "st.conv0", -1, 1);
    float *w = net->params + net->pinfo[nn_param_find(net, "features.0.weight")].off;
    CHECK(memcmp(w, want, sizeof want) == 0);
    tu_hfill(want, 32, "st.rv", 0.5, 1.5); /* stored as float64 of these float32 values */
    w = net->params + net->pinfo[nn_param_find(net, "features.1.running_var")].off;
    CHECK(memcmp(w, want, 32 * sizeof(float)) == 0);
    tu_hfill(want, 32, "st.g", 0.5, 1.5); /* stored as float16 */
    w = net->params + net->pinfo[nn_param_find(net, "features.1.weight")].off;
    CHECK(tu_relerr_ff(w, want, 32) < 1e-3);
    float *fc = net->params + net->pinfo[nn_param_find(net, "classifier.3.weight")].off;
    CHECK(fc[0] == 0.0f); /* wrong shape: not loaded */
    CHECK(safetensors_load_net(net, &st, 1, NULL, &err) == MLAC_EFORMAT);
    safetensors_release(&st);
    nn_net_free(net);
    free(bytes);
}

static void test_roundtrip(buf *out)
{
    nn_net *a = vgg32(), *b = vgg32();
    rng r;
    rng_seed(&r, 3);
    nn_net_init_params(a, &r);
    mlac_err err = {0};
    json_t *meta = json_pack("{s:s}", "arch", "vgg");
    CHECK_OK(safetensors_write_net(out, a, meta, &err), &err);
    json_decref(meta);
    safetensors st;
    CHECK_OK(safetensors_parse(out->data, out->len, "roundtrip", &st, &err), &err);
    CHECK_OK(safetensors_load_net(b, &st, 1, NULL, &err), &err);
    CHECK(memcmp(a->params, b->params, a->n_floats * sizeof(float)) == 0);
    CHECK(strcmp(json_string_value(json_object_get(st.metadata, "arch")), "vgg") == 0);
    safetensors_release(&st);
    nn_net_free(a);
    nn_net_free(b);
}

/* Issue 14 item 11: BatchNorm running statistics that are negative, NaN or Inf are refused,
 * naming the tensor; a negative running mean is a valid statistic and loads. */
static void test_bad_bn_stats(void)
{
    static const struct {
        const char *tensor;
        float value;
        const char *says;
    } cases[] = {
        {"features.1.running_var", -0.25f, "negative BatchNorm running variance"},
        {"features.1.running_var", NAN, "non-finite"},
        {"features.1.running_var", INFINITY, "non-finite"},
        {"features.1.running_mean", NAN, "non-finite"},
        {"features.1.running_mean", -3.0f, NULL},
        {"features.1.running_var", 0.0f, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_net *a = vgg32(), *b = vgg32();
        rng r;
        rng_seed(&r, 5);
        nn_net_init_params(a, &r);
        int k = nn_param_find(a, cases[i].tensor);
        CHECK(k >= 0);
        if (k < 0)
            continue;
        a->params[a->pinfo[k].off + 7] = cases[i].value;
        buf out;
        buf_init(&out, 0);
        mlac_err err = {0};
        CHECK_OK(safetensors_write_net(&out, a, NULL, &err), &err);
        safetensors st;
        CHECK_OK(safetensors_parse(out.data, out.len, "bad_bn", &st, &err), &err);
        int rc = safetensors_load_net(b, &st, 1, NULL, &err);
        if (cases[i].says)
            CHECK_MSG(rc == MLAC_EFORMAT && strstr(err.msg, cases[i].tensor) && strstr(err.msg, cases[i].says),
                      "case %zu: rc %d: %s", i, rc, err.msg);
        else
            CHECK_MSG(rc == MLAC_OK, "case %zu: %s", i, err.msg);
        safetensors_release(&st);
        buf_release(&out);
        nn_net_free(a);
        nn_net_free(b);
    }
}

/* A file with the given header text and data_len zero bytes of data. */
static int parse_header(const char *header, size_t data_len, mlac_err *err)
{
    size_t hl = strlen(header), n = 8 + hl + data_len;
    unsigned char *b = calloc(1, n);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, header, hl);
    safetensors st;
    int rc = safetensors_parse(b, n, "hostile", &st, err);
    if (!rc)
        safetensors_release(&st);
    free(b);
    return rc;
}

static void test_hostile(const buf *good)
{
    mlac_err err = {0};
    safetensors st;
    /* every truncation of a valid file fails (the data no longer covers the offsets) */
    int ok = 0;
    for (size_t n = 0; n < good->len; n += (n < 4096 ? 1 : 997))
        if (safetensors_parse(good->data, n, "truncated", &st, &err) == MLAC_OK) {
            ok++;
            safetensors_release(&st);
        }
    CHECK(ok == 0);
    /* header length beyond the file, and enormous */
    unsigned char big[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    CHECK(safetensors_parse(big, sizeof big, "big", &st, &err) == MLAC_EFORMAT);
    const struct {
        const char *header;
        size_t data;
    } bad[] = {
        {"[]", 0},
        {"{\"a\":", 0},
        {"{\"a\": 5}", 4},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 4},  /* past end */
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 8},  /* size */
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 8},  /* reversed */
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 8},
        {"{\"a\": {\"dtype\": \"X9\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 8},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 8},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776, 1099511627776], "
         "\"data_offsets\": [0, 4]}}", 8},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 8},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
         "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8},    /* overlap */
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
         "\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8},    /* dup */
        {"{\"__metadata__\": 3}", 0},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 8},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = parse_header(bad[i].header, bad[i].data, &err);
        CHECK_MSG(rc == MLAC_EFORMAT, "hostile header %zu accepted (rc %d)", i, rc);
    }
    /* a good minimal file parses; NaN weights are refused on load */
    CHECK(parse_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]}}", 8,
                       &err) == MLAC_OK);
    /* nested arrays deeper than jansson's limit */
    char *deep = malloc(20010);
    strcpy(deep, "{\"a\": ");
    for (int i = 0; i < 10000; i++)
        deep[6 + i] = '[', deep[7 + i] = 0;
    CHECK(parse_header(deep, 0, &err) == MLAC_EFORMAT);
    free(deep);
}

int main(void)
{
    test_torch_file();
    buf good;
    buf_init(&good, 0);
    test_roundtrip(&good);
    test_bad_bn_stats();
    test_hostile(&good);
    buf_release(&good);
    TEST_MAIN_END();
}
