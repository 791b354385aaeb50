/* test_config.c — precedence flag > environment > YAML > default, provenance (file:line, $VAR,
 * --flag), YAML errors, and the typed readers checking values against their table row. */
#include "core/config.h"
#include "exp/settings.h"
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

/* A table of this test's own: config.c knows no key; the rows say type, range and words. */
static int check_even(const char *value, char *why, size_t n)
{
    if (strlen(value) % 2 == 0)
        return 0;
    snprintf(why, n, "odd length");
    return 1;
}

static const config_key rows[] = {
    {"count", CONFIG_INT, {"TEST_COUNT", NULL, NULL}, "3", 1, 10, NULL, 0, NULL, NULL, "a count"},
    {"ratio", CONFIG_NUM, {NULL, NULL, NULL}, "auto", 0, 1, "auto", 1, NULL, NULL, "a ratio or auto"},
    {"mode", CONFIG_WORDS, {NULL, NULL, NULL}, "fast", 0, 0, "fast|slow|exact", 0, NULL, NULL, "a mode"},
    {"on", CONFIG_BOOL, {NULL, NULL, NULL}, "no", 0, 0, NULL, 0, NULL, NULL, "a flag"},
    {"pair", CONFIG_TEXT, {NULL, NULL, NULL}, "ab", 0, 0, NULL, 0, check_even, NULL, "even text"},
    {NULL, 0, {NULL, NULL, NULL}, NULL, 0, 0, NULL, 0, NULL, NULL, NULL},
};

static void test_rows(void)
{
    static const config_table table = {"test", rows};
    static const config_table *const one[] = {&table, NULL}, *const twice[] = {&table, &table, NULL};
    mlac_err err = {0};
    config c;
    long v;
    double d;
    int w;
    CHECK(config_init(&c, twice, &err) == MLAC_EINTERNAL && strstr(err.msg, "'count' is declared twice"));
    CHECK_OK(config_init(&c, one, &err), &err);
    CHECK(c.n == 5 && !config_find(&c, "seed")); /* only the given tables' keys */
    CHECK_OK(config_int(&c, "count", &v, &err), &err);
    CHECK(v == 3);
    CHECK_OK(config_word(&c, "mode", &w, &err), &err);
    CHECK(w == 0);
    CHECK(config_num(&c, "ratio", &d, &err) != MLAC_OK); /* "auto" is valid but not a number to read */
    CHECK_OK(config_check(config_find(&c, "ratio"), &err), &err);
    /* integers are integers: 2.7 and 5.5 are refused, naming the key, its source and the range */
    CHECK_OK(config_set(&c, "count", "2.7", SRC_FLAG, "--count", &err), &err);
    CHECK(config_int(&c, "count", &v, &err) == MLAC_EINVAL &&
          strstr(err.msg, "'count' (from --count) must be an integer from 1 to 10, got '2.7'"));
    CHECK_OK(config_set(&c, "count", "11", SRC_FLAG, "--count", &err), &err);
    CHECK(config_int(&c, "count", &v, &err) == MLAC_EINVAL);
    CHECK_OK(config_set(&c, "ratio", "0.25", SRC_FLAG, "--ratio", &err), &err);
    CHECK_OK(config_num(&c, "ratio", &d, &err), &err);
    CHECK(d == 0.25);
    CHECK_OK(config_set(&c, "ratio", "1.5", SRC_FLAG, "--ratio", &err), &err);
    CHECK(config_num(&c, "ratio", &d, &err) == MLAC_EINVAL && strstr(err.msg, "from 0 to 1 or auto"));
    CHECK_OK(config_set(&c, "mode", "exact", SRC_FLAG, "--mode", &err), &err);
    CHECK_OK(config_word(&c, "mode", &w, &err), &err);
    CHECK(w == 2);
    CHECK_OK(config_set(&c, "mode", "exac", SRC_FLAG, "--mode", &err), &err);
    CHECK(config_word(&c, "mode", &w, &err) == MLAC_EINVAL &&
          strstr(err.msg, "mode: expected fast, slow or exact, got 'exac' (from --mode)"));
    CHECK_OK(config_set(&c, "on", "yes", SRC_FLAG, "--on", &err), &err);
    CHECK_OK(config_flag(&c, "on", &w, &err), &err);
    CHECK(w == 1);
    CHECK_OK(config_set(&c, "on", "maybe", SRC_FLAG, "--on", &err), &err);
    CHECK(config_flag(&c, "on", &w, &err) == MLAC_EINVAL && strstr(err.msg, "'on' (from --on) must be true or false"));
    CHECK_OK(config_set(&c, "pair", "abc", SRC_FLAG, "--pair", &err), &err);
    CHECK(config_check(config_find(&c, "pair"), &err) == MLAC_EINVAL && strstr(err.msg, "pair (from --pair): odd length"));
    /* the typed reader must match the row's type */
    CHECK(config_int(&c, "mode", &v, &err) == MLAC_EINTERNAL);
    config_release(&c);
}

int main(void)
{
    mlac_err err = {0};
    config c;
    unsetenv("RANDOM_SEED"), unsetenv("MLAC_SEED"), unsetenv("DEFAULT_CV_FOLDS"), unsetenv("MLAC_CV_FOLDS");
    CHECK_OK(settings_init(&c, &err), &err);
    long v;
    CHECK_OK(config_long(&c, "seed", 0, 1L << 40, &v, &err), &err);
    CHECK(v == 42 && config_find(&c, "seed")->source == SRC_DEFAULT);

    const char *yaml = write_yaml("seed: 7\ncv_folds: 3\nmodels: [random_forest, svm]\ntraining-sizes:\n  - 10\n  - 20\n");
    CHECK_OK(config_load_yaml(&c, yaml, &err), &err);
    CHECK(!strcmp(config_str(&c, "models"), "random_forest,svm"));
    CHECK(!strcmp(config_str(&c, "training_sizes"), "10,20"));
    CHECK(!strcmp(config_str(&c, "seed"), "7") && config_find(&c, "seed")->source == SRC_FILE);
    /* a file's values say file:line; list values the line of their key */
    char where[128];
    snprintf(where, sizeof where, "%s:1", yaml);
    CHECK(!strcmp(config_find(&c, "seed")->origin, where));
    snprintf(where, sizeof where, "%s:4", yaml);
    CHECK(!strcmp(config_find(&c, "training_sizes")->origin, where));

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

    /* integers are integers in the real tables too: seed 2.7 and cv_folds 5.5 name their key */
    CHECK_OK(config_set(&c, "seed", "2.7", SRC_FLAG, "--seed", &err), &err);
    CHECK(config_int(&c, "seed", &v, &err) == MLAC_EINVAL && strstr(err.msg, "'seed' (from --seed) must be an integer"));
    CHECK_OK(config_set(&c, "cv_folds", "5.5", SRC_FLAG, "--cv-folds", &err), &err);
    CHECK(config_int(&c, "cv_folds", &v, &err) == MLAC_EINVAL && strstr(err.msg, "'cv_folds' (from --cv-folds)"));

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
    test_rows();
    TEST_MAIN_END();
}
