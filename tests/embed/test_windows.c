/* test_windows.c — model specs, the window layout of a clip, pooling, and the embedding
 * settings read from the configuration.
 *
 * Window counts are checked against the rule written in embed.h, worked out by hand here
 * (e.g. a 10 s birdnet clip: 3 whole 3 s windows cover 9 s, the 1 s left is under half a
 * window, so 3; at 50 % overlap: starts 0, 1.5, ..., 6 s = 5 whole windows covering 9 s, the
 * 1 s left is under half a window, so 5). Pooling is checked against sums done by hand.
 */
#include "core/config.h"
#include "embed/embed.h"
#include "embed/embed_settings.h"
#include "exp/embed_table.h"
#include "test.h"

static void test_specs(void)
{
    const embed_model_spec *b = embed_spec_find("birdnet", NULL);
    CHECK(b && b->rate == 48000 && b->window_s == 3.0 && b->dim == 1024 && !b->use_5s);
    const embed_model_spec *p = embed_spec_find("perch", NULL);
    CHECK(p && p->rate == 32000 && p->window_s == 5.0 && p->dim == 1280 && p->use_5s && !strcmp(p->version, "1"));
    const embed_model_spec *p2 = embed_spec_find("perch", "2");
    CHECK(p2 && p2->dim == 1536);
    CHECK(embed_spec_find("perch", "9") == NULL);
    CHECK(embed_spec_find("svm", NULL) == NULL);
    CHECK(embed_spec_find(NULL, NULL) == NULL);
}

static void test_layout(void)
{
    size_t win, hop;
    mlac_err err = {0};
    CHECK_OK(embed_window_layout(48000, 3.0, 0.0, &win, &hop, &err), &err);
    CHECK(win == 144000 && hop == 144000);
    CHECK_OK(embed_window_layout(48000, 3.0, 0.5, &win, &hop, &err), &err);
    CHECK(win == 144000 && hop == 72000);
    CHECK_OK(embed_window_layout(32000, 5.0, 0.9, &win, &hop, &err), &err);
    CHECK(win == 160000 && hop == 16000);
    CHECK(embed_window_layout(48000, 3.0, 0.95, &win, &hop, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "embed_overlap"));
    CHECK(embed_window_layout(48000, 3.0, -0.1, &win, &hop, &err) == MLAC_EINVAL);
    CHECK(embed_window_layout(0, 3.0, 0, &win, &hop, &err) == MLAC_EINVAL);
    CHECK(embed_window_layout(48000, 0.0, 0, &win, &hop, &err) == MLAC_EINVAL);
}

static void test_counts(void)
{
    const size_t W = 144000, R = 48000;
    CHECK(embed_window_count(1, W, W) == 1);          /* shorter than a window: one, padded */
    CHECK(embed_window_count(W, W, W) == 1);          /* exactly one */
    CHECK(embed_window_count(W + 1, W, W) == 1);      /* 1 sample left: dropped */
    CHECK(embed_window_count(W + W / 2, W, W) == 2);  /* half a window left: kept, padded */
    CHECK(embed_window_count(W + W / 2 - 1, W, W) == 1);
    CHECK(embed_window_count(10 * R, W, W) == 3);     /* 10 s: 3 whole, 1 s left < 1.5 s */
    CHECK(embed_window_count(11 * R, W, W) == 4);     /* 11 s: 3 whole, 2 s left >= 1.5 s */
    CHECK(embed_window_count(10 * R, W, W / 2) == 5); /* starts 0..6 s, 1 s left */
    CHECK(embed_window_count(12 * R, W, W / 2) == 7); /* starts 0..9 s, nothing left */
    CHECK(embed_window_count(5 * 32000, 160000, 160000) == 1); /* a data_5s clip for perch */
}

static void test_copy(void)
{
    float x[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, out[4];
    /* win 4, hop 3: windows start at 0, 3, 6; the last is 6,7,8,9 */
    CHECK(embed_window_count(10, 4, 3) == 3);
    embed_window_copy(x, 10, 4, 3, 1, out);
    CHECK(out[0] == 3 && out[3] == 6);
    embed_window_copy(x, 10, 4, 3, 2, out);
    CHECK(out[0] == 6 && out[3] == 9);
    /* win 4, hop 4 on 10 samples: 2 whole windows, 2 left = half a window: a padded third */
    CHECK(embed_window_count(10, 4, 4) == 3);
    embed_window_copy(x, 10, 4, 4, 2, out);
    CHECK(out[0] == 8 && out[1] == 9 && out[2] == 0 && out[3] == 0);
    /* a clip shorter than the window */
    embed_window_copy(x, 2, 4, 4, 0, out);
    CHECK(out[0] == 0 && out[1] == 1 && out[2] == 0 && out[3] == 0);
}

static void test_pool(void)
{
    const float rows[3 * 2] = {1, -4, 2, 8, 6, -1}; /* (3, 2) */
    float out[2];
    embed_pool(rows, 3, 2, EMBED_POOL_MEAN, out);
    CHECK_NEAR(out[0], 3.0, 1e-7);
    CHECK_NEAR(out[1], 1.0, 1e-7);
    embed_pool(rows, 3, 2, EMBED_POOL_MAX, out);
    CHECK(out[0] == 6 && out[1] == 8);
    embed_pool(rows, 1, 2, EMBED_POOL_MEAN, out);
    CHECK(out[0] == 1 && out[1] == -4);
    enum embed_pooling p;
    mlac_err err = {0};
    CHECK(embed_pooling_parse("max", &p, &err) == 0 && p == EMBED_POOL_MAX);
    CHECK(embed_pooling_parse("median", &p, &err) == MLAC_EINVAL && strstr(err.msg, "embed_pooling"));
}

static void test_settings(void)
{
    config c;
    mlac_err err = {0};
    static const config_table *const tables[] = {&embed_config_table, NULL};
    CHECK_OK(config_init(&c, tables, &err), &err);
    embed_settings s, d;
    /* the table's defaults hold, and embed_settings_default gives the same */
    CHECK_OK(embed_settings_read(&c, &s, &err), &err);
    CHECK(s.pooling == EMBED_POOL_MEAN && s.overlap == 0 && !s.head_cv && !s.head_mlp && s.batch_windows == 256);
    CHECK(s.timeout_s == 600);
    embed_settings_default(&d);
    CHECK(!memcmp(&s, &d, sizeof s));
    CHECK(!strcmp(embed_settings_embedder(&s, "birdnet"), ""));
    CHECK(embed_check_available(&s, "birdnet", &err) == MLAC_EUNAVAIL);
    CHECK(strstr(err.msg, "embedder_birdnet") && strstr(err.msg, "docs/EMBEDDERS.md") &&
          strstr(err.msg, "--skip-unavailable"));
    CHECK(embed_check_available(&s, "svm", &err) == MLAC_EINVAL);
    CHECK_OK(config_set(&c, "embed_pooling", "max", SRC_FLAG, "--embed-pooling", &err), &err);
    CHECK_OK(config_set(&c, "embed_overlap", "0.5", SRC_FLAG, "--embed-overlap", &err), &err);
    CHECK_OK(config_set(&c, "embed_head", "mlp", SRC_FLAG, "--embed-head", &err), &err);
    CHECK_OK(embed_settings_read(&c, &s, &err), &err);
    CHECK(s.pooling == EMBED_POOL_MAX && s.overlap == 0.5 && s.head_mlp);
    CHECK_OK(config_set(&c, "embed_overlap", "0.95", SRC_FLAG, "--embed-overlap", &err), &err);
    CHECK(embed_settings_read(&c, &s, &err) != MLAC_OK && strstr(err.msg, "embed_overlap"));
    CHECK_OK(config_set(&c, "embed_overlap", "0", SRC_FLAG, "--embed-overlap", &err), &err);
    /* integers are integers: 2.5 windows is refused, naming the key and its source */
    CHECK_OK(config_set(&c, "embed_batch", "2.5", SRC_FLAG, "--embed-batch", &err), &err);
    CHECK(embed_settings_read(&c, &s, &err) == MLAC_EINVAL && strstr(err.msg, "'embed_batch' (from --embed-batch)"));
    CHECK_OK(config_set(&c, "embed_batch", "8", SRC_FLAG, "--embed-batch", &err), &err);
    CHECK_OK(config_set(&c, "embed_pooling", "median", SRC_FLAG, "--embed-pooling", &err), &err);
    CHECK(embed_settings_read(&c, &s, &err) == MLAC_EINVAL && strstr(err.msg, "embed_pooling: expected mean or max"));
    snprintf(s.perch, sizeof s.perch, "import:/x");
    CHECK_OK(embed_check_available(&s, "perch", &err), &err);
    json_t *j = embed_settings_to_json(&s, "perch");
    CHECK(j && !strcmp(json_string_value(json_object_get(j, "embedder")), "import:/x"));
    json_decref(j);
    config_release(&c);
}

int main(void)
{
    test_specs();
    test_layout();
    test_counts();
    test_copy();
    test_pool();
    test_settings();
    TEST_MAIN_END();
}
