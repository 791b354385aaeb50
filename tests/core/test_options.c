/* test_options.c — option tables: defaults, types (an integer option refuses 2.7), ranges, words
 * and null, enums, lists, unknown keys naming the known ones, and the --help text. Also the
 * models' own tables: the embedding head's patience: 2.7 is refused (it was taken as 2). */
#include "core/options.h"
#include "ml/model.h"
#include "test.h"

#include <stddef.h>

typedef struct demo {
    int n, mode, flag;
    double x;
    int items[4];
    size_t n_items;
} demo;

static const char *const modes[] = {"fast", "slow", NULL};
static const double default_items[] = {1, 2};

static const option_spec table[] = {
    {.key = "n", .type = OPTION_INT, .offset = offsetof(demo, n), .lo = 1, .hi = 10, .dflt = 3,
     .token = "auto", .token_value = 0, .help = "a count"},
    {.key = "x", .type = OPTION_NUM, .offset = offsetof(demo, x), .lo = 0, .lo_open = 1, .hi = 1, .dflt = 0.5,
     .null_ok = 1, .null_value = -1, .help = "a share"},
    {.key = "mode", .type = OPTION_ENUM, .offset = offsetof(demo, mode), .choices = modes, .dflt = 1,
     .help = "how"},
    {.key = "flag", .type = OPTION_BOOL, .offset = offsetof(demo, flag), .dflt = 1, .help = "whether"},
    {.key = "items", .type = OPTION_INT_LIST, .offset = offsetof(demo, items), .lo = 0, .hi = 100,
     .max_items = 4, .count_offset = offsetof(demo, n_items), .dflt_items = default_items, .dflt_count = 2,
     .help = "some numbers"},
    OPTION_END,
};

static int parse(const char *text, demo *d, mlac_err *err)
{
    json_t *j = json_loads(text, 0, NULL);
    int rc = options_parse("demo", table, j, d, err);
    json_decref(j);
    return rc;
}

int main(void)
{
    demo d;
    mlac_err err;
    CHECK_OK(parse("{}", &d, &err), &err);
    CHECK(d.n == 3 && d.x == 0.5 && d.mode == 1 && d.flag == 1 && d.n_items == 2 && d.items[1] == 2);
    CHECK_OK(parse("{\"n\": \"auto\", \"x\": null, \"mode\": \"fast\", \"flag\": false, \"items\": [7, 8, 9]}", &d,
                   &err), &err);
    CHECK(d.n == 0 && d.x == -1 && d.mode == 0 && d.flag == 0 && d.n_items == 3 && d.items[2] == 9);
    CHECK(parse("{\"n\": 2.7}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "demo option 'n' must be an integer"));
    CHECK(parse("{\"n\": 11}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "<= 10"));
    CHECK(parse("{\"x\": 0}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "> 0"));
    CHECK(parse("{\"x\": \"big\"}", &d, &err) == MLAC_EINVAL);
    CHECK(parse("{\"mode\": \"medium\"}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "\"fast\", \"slow\""));
    CHECK(parse("{\"flag\": 1}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "true or false"));
    CHECK(parse("{\"items\": [1, 2, 3, 4, 5]}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "1 to 4 items"));
    CHECK(parse("{\"items\": [1, 2.5]}", &d, &err) == MLAC_EINVAL && strstr(err.msg, "each item"));
    CHECK(parse("{\"nn\": 1}", &d, &err) == MLAC_EINVAL &&
          strstr(err.msg, "demo has no option 'nn' (known: n, x, mode, flag, items)"));
    CHECK(parse("[1]", &d, &err) == MLAC_EINVAL && strstr(err.msg, "JSON object"));

    buf help;
    buf_init(&help, 0);
    CHECK_OK(options_help(table, &help, &err), &err);
    CHECK(strstr(help.data, "n ") && strstr(help.data, "(default 3)") && strstr(help.data, "(default [1, 2])") &&
          strstr(help.data, "(default slow)") && strstr(help.data, "or \"auto\""));
    buf_release(&help);

    /* every registered model's options: the table parses its own defaults, and the head refuses
     * a fractional integer */
    for (const struct model_kind *const *k = model_all(); *k; k++) {
        model_config cfg = {0};
        cfg.n_threads = 1;
        model *m = NULL;
        CHECK_MSG((*k)->create(&cfg, &m, &err) == MLAC_OK, "%s: %s", (*k)->name, err.msg);
        if (m)
            (*k)->free(m);
    }
    const struct model_kind *birdnet = model_find("birdnet");
    json_t *o = json_pack("{s:s, s:f}", "head", "mlp", "patience", 2.7);
    model_config cfg = {0};
    cfg.options = o;
    model *m = NULL;
    CHECK(birdnet->create(&cfg, &m, &err) == MLAC_EINVAL && strstr(err.msg, "'patience' must be an integer"));
    json_decref(o);
    TEST_MAIN_END();
}
