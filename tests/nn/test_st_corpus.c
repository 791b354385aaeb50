/* test_st_corpus.c — replays every file of tests/fixtures/nn/safetensors_corpus/ (the seed
 * corpus and findings of fuzz_safetensors.c; STYLE.md habit 9) through safetensors_parse,
 * safetensors_read_f32 and a non-strict safetensors_load_net.
 *
 * ok_* files must parse, and their "ramp..." tensors read back as 0.25 * i - 1 (values written
 * by tests/fixtures/gen/safetensors_corpus.py with struct, not by mlac); bad_* files must be
 * rejected with MLAC_EFORMAT and a message naming the file; fuzz_* files may do either, but
 * must not crash (the sanitizer build checks memory).
 */
#include "test.h"

#include "core/fsutil.h"
#include "nn/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static nn_net *small_net(void)
{
    nn_net *net = NULL;
    mlac_err err = {0};
    CHECK_OK(nn_net_new(&net, 1, 8, 8, &err), &err);
    int x = nn_conv(net, 0, 4, 3, 1, 1, 1, 1, "features.0");
    x = nn_bn(net, x, "features.1");
    nn_linear(net, nn_gap(net, x), 1, "classifier.3");
    CHECK_OK(nn_net_finish(net, &err), &err);
    return net;
}

static void replay(nn_net *net, const char *dir, const char *file, int *n_ok, int *n_bad)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
        CHECK_MSG(0, "path too long: %s", file);
        return;
    }
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    size_t n = 0;
    char *bytes = read_all(path, &n);
    CHECK_MSG(bytes != NULL, "cannot read %s", path);
    if (!bytes)
        return;
    mlac_err err = {0};
    safetensors st;
    int rc = safetensors_parse(bytes, n, base, &st, &err);
    if (strncmp(base, "ok_", 3) == 0)
        CHECK_MSG(rc == MLAC_OK, "%s: %s", base, err.msg);
    if (strncmp(base, "bad_", 4) == 0) {
        CHECK_MSG(rc == MLAC_EFORMAT, "%s: accepted (rc %d)", base, rc);
        CHECK_MSG(strstr(err.msg, base) != NULL, "%s: message '%s' does not name it", base, err.msg);
    }
    if (rc != MLAC_OK) {
        CHECK_MSG(err.msg[0] != '\0', "%s rejected without a message", base);
        (*n_bad)++;
        free(bytes);
        return;
    }
    (*n_ok)++;
    for (size_t i = 0; i < st.n; i++) {
        const st_tensor *t = &st.t[i];
        CHECK(t->begin <= t->end && t->end <= st.data_len);
        float *v = malloc((t->count ? t->count : 1) * sizeof(float));
        mlac_err e2 = {0};
        int r2 = safetensors_read_f32(&st, t, v, &e2);
        if (r2 != MLAC_OK)
            CHECK_MSG(e2.msg[0] != '\0', "%s: %s read failed without a message", base, t->name);
        if (r2 == MLAC_OK && strncmp(t->name, "ramp", 4) == 0)
            for (size_t j = 0; j < t->count; j++)
                CHECK_MSG(v[j] == (float)(0.25 * (double)j - 1), "%s: %s[%zu] = %g", base, t->name,
                          j, v[j]);
        free(v);
    }
    int loaded = 0;
    err.msg[0] = '\0';
    if (safetensors_load_net(net, &st, 0, &loaded, &err) != MLAC_OK)
        CHECK_MSG(err.msg[0] != '\0', "%s: load failed without a message", base);
    if (strcmp(base, "ok_net_subset.safetensors") == 0)
        CHECK_MSG(loaded == 3, "%s: %d tensors loaded, want 3", base, loaded);
    safetensors_release(&st);
    free(bytes);
}

int main(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_fixture("nn/safetensors_corpus"));
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(dir, &files, &err), &err);
    nn_net *net = small_net();
    int n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < files.n; i++)
        replay(net, dir, files.items[i], &n_ok, &n_bad);
    printf("safetensors corpus: %zu files, %d parsed, %d rejected\n", files.n, n_ok, n_bad);
    CHECK_MSG(files.n >= 20, "corpus %s has only %zu files", dir, files.n);
    nn_net_free(net);
    strlist_release(&files);
    TEST_MAIN_END();
}
