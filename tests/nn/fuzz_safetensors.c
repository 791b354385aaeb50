/* fuzz_safetensors.c — libFuzzer target for the safetensors parser: safetensors_parse, then on
 * success safetensors_find and safetensors_read_f32 on every tensor and a non-strict
 * safetensors_load_net into a small network.
 *
 * Not a CTest test (the name does not start with test_); its seed corpus is
 * tests/fixtures/nn/safetensors_corpus/ (made by tests/fixtures/gen/safetensors_corpus.py),
 * which test_st_corpus.c replays on every test run. Findings are added there as
 * fuzz_<what>.safetensors so they are replayed forever after.
 * Invariant checked: no crash, no sanitizer report, no hang; a failure has a message; a parsed
 * tensor lies inside the data section.
 *
 * Build and run (clang 14 from Debian):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fopenmp -Wno-pass-failed -Isrc \
 *     -I/usr/include/oneapi \
 *     tests/nn/fuzz_safetensors.c src/nn/[a-z]*.c src/core/[a-z]*.c \
 *     $(pkg-config --libs jansson openssl yaml-0.1) -ldnnl -lm -o fuzz_safetensors
 *   mkdir -p /tmp/st-fuzz && ./fuzz_safetensors -max_len=65536 -timeout=10 -max_total_time=600 \
 *     /tmp/st-fuzz tests/fixtures/nn/safetensors_corpus
 */
#include "nn/safetensors.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nn_net *small_net(void)
{
    nn_net *net = NULL;
    mlac_err err = {0};
    if (nn_net_new(&net, 1, 8, 8, &err))
        return NULL;
    int x = nn_conv(net, 0, 4, 3, 1, 1, 1, 1, "features.0");
    x = nn_bn(net, x, "features.1");
    nn_linear(net, nn_gap(net, x), 1, "classifier.3");
    if (nn_net_finish(net, &err)) {
        nn_net_free(net);
        return NULL;
    }
    return net;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nn_net *net;
    if (!net && !(net = small_net()))
        abort();
    mlac_err err = {0};
    safetensors st;
    if (safetensors_parse(data, size, "fuzz.safetensors", &st, &err) != MLAC_OK) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < st.n; i++) {
        const st_tensor *t = &st.t[i];
        if (t->begin > t->end || t->end > st.data_len || safetensors_find(&st, t->name) == NULL)
            abort();
        float *dst = malloc((t->count ? t->count : 1) * sizeof(float));
        if (!dst)
            abort();
        err.msg[0] = '\0';
        if (safetensors_read_f32(&st, t, dst, &err) != MLAC_OK && err.msg[0] == '\0')
            abort();
        free(dst);
    }
    int n_loaded = 0;
    err.msg[0] = '\0';
    if (safetensors_load_net(net, &st, 0, &n_loaded, &err) != MLAC_OK && err.msg[0] == '\0')
        abort();
    safetensors_release(&st);
    return 0;
}
