/* test_config.c — precedence flag > environment > YAML > default, provenance, YAML errors. */
#include "core/config.h"
#include "core/fsutil.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static const char *write_yaml(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mlac-config-%d.yaml", (int)getpid());
    mlac_err err;
    fs_write_atomic(path, text, strlen(text), &err);
    return path;
}

int main(void)
{
    mlac_err err = {0};
    config c;
    unsetenv("RANDOM_SEED"), unsetenv("MLAC_SEED"), unsetenv("DEFAULT_CV_FOLDS"), unsetenv("MLAC_CV_FOLDS");
    CHECK_OK(config_init(&c, &err), &err);
    long v;
    CHECK_OK(config_long(&c, "seed", 0, 1L << 40, &v, &err), &err);
    CHECK(v == 42 && config_find(&c, "seed")->source == SRC_DEFAULT);

    const char *yaml = write_yaml("seed: 7\ncv_folds: 3\nmodels: [random_forest, svm]\ntraining-sizes:\n  - 10\n  - 20\n");
    CHECK_OK(config_load_yaml(&c, yaml, &err), &err);
    CHECK(!strcmp(config_str(&c, "models"), "random_forest,svm"));
    CHECK(!strcmp(config_str(&c, "training_sizes"), "10,20"));
    CHECK(!strcmp(config_str(&c, "seed"), "7") && config_find(&c, "seed")->source == SRC_FILE);

    /* the original platform's names and MLAC_* both work; MLAC_* wins */
    setenv("RANDOM_SEED", "11", 1);
    setenv("DEFAULT_CV_FOLDS", "4", 1);
    setenv("MLAC_CV_FOLDS", "6", 1);
    CHECK_OK(config_load_env(&c, &err), &err);
    CHECK(!strcmp(config_str(&c, "seed"), "11") && !strcmp(config_find(&c, "seed")->origin, "$RANDOM_SEED"));
    CHECK(!strcmp(config_str(&c, "cv_folds"), "6"));

    /* a flag beats everything; a later YAML load cannot override env or flags */
    CHECK_OK(config_set(&c, "seed", "99", SRC_FLAG, "--seed", &err), &err);
    CHECK_OK(config_load_yaml(&c, yaml, &err), &err);
    CHECK(!strcmp(config_str(&c, "seed"), "99") && config_find(&c, "seed")->source == SRC_FLAG);
    CHECK(!strcmp(config_str(&c, "cv_folds"), "6"));

    /* bad values name the key and where they came from */
    setenv("AUDIO_SAMPLE_RATE", "fast", 1);
    CHECK_OK(config_load_env(&c, &err), &err);
    CHECK(config_long(&c, "sample_rate", 1000, 384000, &v, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "sample_rate") && strstr(err.msg, "$AUDIO_SAMPLE_RATE") && strstr(err.msg, "fast"));

    /* YAML errors name the file and line */
    CHECK(config_load_yaml(&c, write_yaml("seed: 1\nwarp_drive: on\n"), &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "warp_drive") && strstr(err.msg, "line 2"));
    CHECK(config_load_yaml(&c, write_yaml("seed: [1\n"), &err) == MLAC_EFORMAT);
    CHECK(config_load_yaml(&c, write_yaml("- a\n- b\n"), &err) != MLAC_OK);
    CHECK(config_load_yaml(&c, write_yaml("a: {b: 1}\n"), &err) != MLAC_OK);
    CHECK(config_load_yaml(&c, "/nonexistent.yaml", &err) == MLAC_ENOTFOUND);
    /* duplicate keys and several documents are refused, not last-wins */
    CHECK(config_load_yaml(&c, write_yaml("seed: 1\nseed: 2\n"), &err) == MLAC_EINVAL &&
          strstr(err.msg, "'seed' is given twice") && strstr(err.msg, "line 2"));
    CHECK(config_load_yaml(&c, write_yaml("seed: 1\n---\nseed: 2\n"), &err) == MLAC_EFORMAT &&
          strstr(err.msg, "one YAML document"));
    /* an environment value past the limit is an error naming it, not silently ignored */
    char *long_value = malloc(CONFIG_VALUE_MAX + 10);
    memset(long_value, 'x', CONFIG_VALUE_MAX + 9);
    long_value[CONFIG_VALUE_MAX + 9] = '\0';
    setenv("MLAC_MODEL_OPTIONS", long_value, 1);
    CHECK(config_load_env(&c, &err) == MLAC_EINVAL && strstr(err.msg, "model_options") &&
          strstr(err.msg, "$MLAC_MODEL_OPTIONS") && strstr(err.msg, "too long"));
    unsetenv("MLAC_MODEL_OPTIONS");
    free(long_value);
    CHECK(config_set(&c, "nope", "1", SRC_FLAG, "--nope", &err) == MLAC_EINVAL);
    unlink(yaml);
    config_release(&c);
    TEST_MAIN_END();
}
