/* test_pretrained.c — transfer learning through the model interface: a vgg saved by mlac (a
 * safetensors file with torchvision names) loads into a new vgg via the "pretrained" option, every
 * tensor matched by name and shape; a file for another architecture matches nothing and is refused;
 * a missing file is named. */
#include "core/fsutil.h"
#include "core/rng.h"
#include "ml/model.h"
#include "test.h"

#include <unistd.h>

static json_t *opts(const char *pretrained)
{
    json_t *o = json_pack("{s:i, s:i, s:i}", "epochs", 1, "input_size", 32, "batch_size", 4);
    if (pretrained)
        json_object_set_new(o, "pretrained", json_string(pretrained));
    return o;
}

static int fit_one(const char *name, json_t *o, model **out, mlac_err *err)
{
    const struct model_kind *k = model_find(name);
    model_config cfg = {.seed = 7, .n_threads = 1, .options = o};
    static float x[16 * 32 * 32];
    static int y[16];
    rng r;
    rng_seed(&r, 3);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)rng_normal(&r);
    for (int i = 0; i < 16; i++)
        y[i] = i % 2;
    int rc = k->create(&cfg, out, err);
    if (!rc)
        rc = k->fit(*out, x, y, 16, 32 * 32, err);
    return rc;
}

int main(void)
{
    mlac_err err = {0};
    char vgg_path[64], resnet_path[64];
    snprintf(vgg_path, sizeof vgg_path, "/tmp/mlac-pretrained-vgg-%d.safetensors", (int)getpid());
    snprintf(resnet_path, sizeof resnet_path, "/tmp/mlac-pretrained-resnet-%d.safetensors", (int)getpid());

    /* a trained vgg, saved */
    model *a = NULL;
    json_t *o = opts(NULL);
    CHECK_OK(fit_one("vgg", o, &a, &err), &err);
    buf saved;
    buf_init(&saved, 0);
    CHECK_OK(a->kind->save(a, &saved, &err), &err);
    CHECK_OK(fs_write_atomic(vgg_path, saved.data, saved.len, &err), &err);
    a->kind->free(a);
    json_decref(o);
    buf_release(&saved);

    /* loaded as pretrained weights: every parameter tensor matched */
    model *b = NULL;
    o = opts(vgg_path);
    CHECK_OK(fit_one("vgg", o, &b, &err), &err);
    json_t *info = json_object();
    if (b) {
        b->kind->describe(b, info);
        b->kind->free(b);
    }
    json_int_t matched = json_integer_value(json_object_get(info, "pretrained_tensors"));
    CHECK_MSG(matched >= 26, "vgg pretrained tensors matched: %lld", (long long)matched); /* 8 convs + 8 BNs + 2 FCs */
    json_decref(info);
    json_decref(o);

    /* weights of another architecture match nothing: refused, naming the file */
    model *c = NULL;
    o = json_pack("{s:i, s:i, s:i}", "epochs", 1, "input_size", 32, "batch_size", 4);
    CHECK_OK(fit_one("resnet", o, &c, &err), &err);
    buf_init(&saved, 0);
    CHECK_OK(c->kind->save(c, &saved, &err), &err);
    CHECK_OK(fs_write_atomic(resnet_path, saved.data, saved.len, &err), &err);
    c->kind->free(c);
    json_decref(o);
    buf_release(&saved);
    model *d = NULL;
    o = opts(resnet_path);
    CHECK(fit_one("vgg", o, &d, &err) != MLAC_OK && strstr(err.msg, resnet_path) && strstr(err.msg, "no tensor matches"));
    if (d)
        d->kind->free(d);
    json_decref(o);

    model *e = NULL;
    o = opts("/nonexistent/weights.safetensors");
    CHECK(fit_one("vgg", o, &e, &err) != MLAC_OK && strstr(err.msg, "/nonexistent/weights.safetensors"));
    if (e)
        e->kind->free(e);
    json_decref(o);
    unlink(vgg_path);
    unlink(resnet_path);
    TEST_MAIN_END();
}
