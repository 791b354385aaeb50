/* test_spec_dataset.c — data layouts (aliases, labels.csv, data_5s twins, negatives from other
 * species, wrong layouts) and spec validation errors that name the field. */
#include "exp/settings.h"
#include "core/fsutil.h"
#include "exp/grid.h"
#include "exp/spec.h"
#include "test.h"

#include <stdlib.h>

static char root[64];

static void touch(const char *rel)
{
    char path[512];
    mlac_err err;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_OK(fs_write_atomic(path, "x", 1, &err), &err);
}

static void write_text(const char *rel, const char *text)
{
    char path[512];
    mlac_err err;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_OK(fs_write_atomic(path, text, strlen(text), &err), &err);
}

static void build_layout(void)
{
    char rel[256];
    for (int i = 0; i < 6; i++) {
        snprintf(rel, sizeof rel, "coyote/data/pos/c%d.wav", i), touch(rel);
        snprintf(rel, sizeof rel, "coyote/data/negative/n%d.flac", i), touch(rel);
        snprintf(rel, sizeof rel, "coyote/data_5s/pos/c%d.wav", i), touch(rel);
        snprintf(rel, sizeof rel, "frog/data/1/f%d.wav", i), touch(rel); /* no negatives of its own */
        snprintf(rel, sizeof rel, "voice/data/v%d.wav", i), touch(rel);
    }
    touch("coyote/data_5s/pos/orphan.wav"); /* a data_5s clip without a twin */
    touch("coyote/data/pos/notes.txt");     /* not audio: ignored */
    write_text("voice/data/labels.csv", "file,label\nv0.wav,1\nv1.wav,pos\nv2.wav,1\nv3.wav,0\nv4.wav,neg\nv5.wav,absent\n");
}

static void test_scan(void)
{
    mlac_err err = {0};
    store *s;
    dataset d;
    CHECK_OK(store_open(root, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_AUTO, &d, &err), &err);
    CHECK(d.n == 3);
    const species_data *c = dataset_find(&d, "coyote"), *f = dataset_find(&d, "frog"), *v = dataset_find(&d, "voice");
    CHECK(c && f && v);
    if (c && f && v) {
        CHECK(c->n_pos == 6 && c->n_neg == 6 && !c->negatives_from_others);
        CHECK(c->n_5s == 7 && c->n_5s_unpaired == 1);
        CHECK(c->clips[0].path5s && !strcmp(c->clips[0].path5s, "coyote/data_5s/pos/c0.wav"));
        /* frog has no negatives: auto takes the other species' positives (6 coyote + 3 voice) */
        CHECK(f->n_pos == 6 && f->n_neg == 9 && f->negatives_from_others);
        CHECK(v->from_labels_csv && v->n_pos == 3 && v->n_neg == 3);
    }
    char fp[65];
    memcpy(fp, d.fingerprint, sizeof fp);
    dataset_release(&d);
    /* same data, same fingerprint; "folder" refuses a species without negatives */
    CHECK_OK(dataset_scan(s, NEG_AUTO, &d, &err), &err);
    CHECK(!strcmp(fp, d.fingerprint));
    dataset_release(&d);
    CHECK(dataset_scan(s, NEG_FOLDER, &d, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "frog") != NULL);
    CHECK_OK(dataset_scan(s, NEG_OTHERS, &d, &err), &err);
    CHECK(dataset_find(&d, "coyote")->n_neg == 6 + 3); /* others: frog + voice positives */
    dataset_release(&d);
    store_free(s);

    /* a wrong layout shows the expected one */
    char empty[80];
    snprintf(empty, sizeof empty, "%s/coyote/data_5s", root);
    CHECK_OK(store_open(empty, &s, &err), &err);
    CHECK(dataset_scan(s, NEG_AUTO, &d, &err) == MLAC_ENOTFOUND);
    CHECK(strstr(err.msg, "expected layout") != NULL);
    store_free(s);
    CHECK_OK(store_open("/nonexistent/mlac", &s, &err), &err);
    CHECK(dataset_scan(s, NEG_AUTO, &d, &err) != MLAC_OK);
    CHECK(strstr(err.msg, "/nonexistent/mlac") != NULL);
    store_free(s);
}

/* Builds a spec through the configuration, as the CLI does, then validates it. */
static int try_spec(const char *key, const char *value, mlac_err *err)
{
    config cfg;
    exp_spec spec;
    store *s;
    dataset d;
    settings_init(&cfg, err);
    config_set(&cfg, "data", root, SRC_FLAG, "test", err);
    config_set(&cfg, "species", "coyote,voice", SRC_FLAG, "test", err);
    config_set(&cfg, "cv_folds", "3", SRC_FLAG, "test", err);
    if (key)
        config_set(&cfg, key, value, SRC_FLAG, "--test", err);
    int rc = spec_from_config(&cfg, &spec, err);
    if (!rc) {
        store_open(root, &s, err);
        rc = dataset_scan(s, spec.negatives, &d, err);
        if (!rc)
            rc = spec_validate(&spec, &d, err);
        if (!rc) {
            grid_task *t;
            size_t n;
            rc = grid_build(&spec, &d, &t, &n, err);
            free(t);
        }
        dataset_release(&d);
        store_free(s);
        spec_release(&spec);
    }
    config_release(&cfg);
    return rc;
}

static void test_bad_specs(void)
{
    mlac_err err;
    CHECK_OK(try_spec(NULL, NULL, &err), &err);
    static const struct { const char *key, *value, *expect; } bad[] = {
        {"models", "random_forest,deep_magic", "models: unknown model 'deep_magic'"},
        {"models", "svm,svm", "listed twice"},
        {"species", "coyote,wolf", "species: 'wolf' is not in"},
        {"training_sizes", "10,0", "training_sizes: '0'"},
        {"training_sizes", "ten", "training_sizes: 'ten'"},
        {"cv_folds", "1", "'cv_folds' (from --test) must be an integer from 2"},
        {"cv_folds", "4", "cv_folds: 4 folds need at least 4 clips per class"},
        {"repeats", "0", "'repeats'"},
        {"negatives", "maybe", "negatives: expected auto, folder or others"},
        {"n_fft", "1000", "n_fft"},
        {"seed", "-3", "'seed'"},
        {"clip_seconds", "nan", "'clip_seconds'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = try_spec(bad[i].key, bad[i].value, &err);
        CHECK_MSG(rc == MLAC_EINVAL && strstr(err.msg, bad[i].expect), "%s=%s gave rc %d '%s'", bad[i].key,
                  bad[i].value, rc, err.msg);
    }
}

static void test_grid_caps(void)
{
    mlac_err err = {0};
    config cfg;
    exp_spec spec;
    store *s;
    dataset d;
    settings_init(&cfg, &err);
    config_set(&cfg, "data", root, SRC_FLAG, "t", &err);
    config_set(&cfg, "species", "coyote", SRC_FLAG, "t", &err);
    config_set(&cfg, "models", "svm", SRC_FLAG, "t", &err);
    config_set(&cfg, "cv_folds", "3", SRC_FLAG, "t", &err);
    config_set(&cfg, "training_sizes", "2 3 50 100", SRC_FLAG, "t", &err);
    CHECK_OK(spec_from_config(&cfg, &spec, &err), &err);
    CHECK_OK(store_open(root, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_AUTO, &d, &err), &err);
    grid_task *t = NULL;
    size_t n = 0;
    CHECK_OK(grid_build(&spec, &d, &t, &n, &err), &err);
    /* 6 per class, 3 folds: pools of 4; sizes 2, 3 stay, 50 and 100 collapse onto one task of 4 */
    CHECK(n == 3 * 3);
    size_t capped = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].n == 4) {
            capped++;
            CHECK(t[i].n_requested == 2 && t[i].requested[0] == 50 && t[i].requested[1] == 100);
        }
    CHECK(capped == 3);
    for (size_t i = 1; i < n; i++)
        CHECK(strcmp(t[i - 1].id, t[i].id) < 0);
    free(t);
    dataset_release(&d);
    store_free(s);
    spec_release(&spec);
    config_release(&cfg);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/mlac-layout-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    build_layout();
    test_scan();
    test_bad_specs();
    test_grid_caps();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
