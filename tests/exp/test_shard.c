/* test_shard.c — the task-to-shard assignment and where a process's shard comes from.
 *
 * Every task of a real grid falls in exactly one shard for every N from 1 to tasks + 3; the hash
 * matches an independent SHA-256 (coreutils sha256sum, values below); a task keeps its shard when
 * the grid grows; --shard, JOB_COMPLETION_INDEX and SLURM_ARRAY_* resolve as documented, and bad
 * values are refused naming the flag or variable.
 */
#include "test.h"
#include "exp_testutil.h"
#include "exp/grid.h"
#include "exp/shard.h"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *const *g_env;

static const char *fake_getenv(const char *name)
{
    for (const char *const *p = g_env; p && p[0]; p += 2)
        if (!strcmp(p[0], name))
            return p[1];
    return NULL;
}

static void make_spec(exp_spec *spec, const char *const *species, size_t n_species)
{
    memset(spec, 0, sizeof *spec);
    strlist_init(&spec->models);
    strlist_init(&spec->species);
    mlac_err err;
    strlist_push(&spec->models, "random_forest", &err);
    strlist_push(&spec->models, "svm", &err);
    for (size_t i = 0; i < n_species; i++)
        strlist_push(&spec->species, species[i], &err);
    spec->sizes[0] = 2, spec->sizes[1] = 4, spec->sizes[2] = 8;
    spec->n_sizes = 3;
    spec->folds = 3;
    spec->repeats = 2;
}

static void test_partition(void)
{
    species_data sp[3];
    make_species(&sp[0], "bullfrog", 9, 9);
    make_species(&sp[1], "coyote", 12, 12);
    make_species(&sp[2], "wolf", 15, 15);
    dataset d = {.species = sp, .n = 2};
    static const char *const names[] = {"bullfrog", "coyote", "wolf"};
    exp_spec spec;
    make_spec(&spec, names, 2);
    mlac_err err = {0};
    grid_task *t = NULL;
    size_t n = 0;
    CHECK_OK(grid_build(&spec, &d, &t, &n, &err), &err);
    CHECK(n == 2 * 2 * 3 * 3 * 2);
    int *owner = malloc(n * sizeof *owner);
    for (int count = 1; count <= (int)n + 3; count++) {
        size_t total = 0, bad = 0;
        for (size_t i = 0; i < n; i++)
            owner[i] = -1;
        for (int index = 0; index < count; index++)
            for (size_t i = 0; i < n; i++)
                if (shard_of(t[i].id, count) == index) {
                    bad += owner[i] != -1; /* in two shards */
                    owner[i] = index;
                    total++;
                }
        for (size_t i = 0; i < n; i++)
            bad += owner[i] < 0; /* in none */
        CHECK_MSG(total == n && bad == 0, "N=%d: %zu assignments of %zu tasks, %zu bad", count, total, n, bad);
    }
    /* three shards of 72 tasks: none is empty or holds more than half */
    size_t per[3] = {0};
    for (size_t i = 0; i < n; i++)
        per[shard_of(t[i].id, 3)]++;
    for (int k = 0; k < 3; k++)
        CHECK_MSG(per[k] > 0 && per[k] < n / 2, "shard %d of 3 holds %zu of %zu", k, per[k], n);

    /* a bigger grid (one more species) leaves every old task in its shard */
    exp_spec big;
    make_spec(&big, names, 3);
    d.n = 3;
    grid_task *t2 = NULL;
    size_t n2 = 0;
    CHECK_OK(grid_build(&big, &d, &t2, &n2, &err), &err);
    CHECK(n2 > n);
    size_t moved = 0, found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n2; j++)
            if (!strcmp(t[i].id, t2[j].id)) {
                found++;
                moved += shard_of(t[i].id, 5) != shard_of(t2[j].id, 5);
            }
    CHECK(found == n && moved == 0);
    free(owner);
    free(t);
    free(t2);
    spec_release(&spec);
    spec_release(&big);
    for (int k = 0; k < 3; k++)
        free_species(&sp[k]);
}

static void test_hash_reference(void)
{
    /* printf '%s' ID | sha256sum: 0fdf6298774ec9dc... and 9440953eabc70940... (first 8 bytes) */
    CHECK(shard_of("coyote/svm/n00004/r0/f1", 3) == (int)(0x0fdf6298774ec9dcULL % 3));
    CHECK(shard_of("coyote/svm/n00004/r0/f1", 1000) == 556);
    CHECK(shard_of("coyote/svm/n00004/r0/f1", 7) == 6);
    CHECK(shard_of("bullfrog/random_forest/n00008/r1/f2", 1000) == 456);
    CHECK(shard_of("bullfrog/random_forest/n00008/r1/f2", 1) == 0);
}

static void test_parse(void)
{
    shard_sel s;
    mlac_err err = {0};
    CHECK_OK(shard_parse("0/1", &s, &err), &err);
    CHECK(s.index == 0 && s.count == 1);
    CHECK_OK(shard_parse("7/12", &s, &err), &err);
    CHECK(s.index == 7 && s.count == 12);
    static const char *bad[] = {"3/3", "-1/3", "1/0", "a/b", "1/2x", " 1/2", "1/ 2", "12", "", "/4", "1/+2",
                                "0/99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = shard_parse(bad[i], &s, &err);
        CHECK_MSG(rc == MLAC_EINVAL && strstr(err.msg, "--shard"), "'%s' gave %d '%s'", bad[i], rc, err.msg);
    }
    int i, n;
    CHECK(shard_parse_ledger_name("2-of-3.jsonl", &i, &n) == 0 && i == 2 && n == 3);
    CHECK(shard_parse_ledger_name("3-of-3.jsonl", &i, &n) != 0);
    CHECK(shard_parse_ledger_name("02-of-3.jsonl", &i, &n) != 0);
    CHECK(shard_parse_ledger_name("2-of-3.lock", &i, &n) != 0);
    CHECK(shard_parse_ledger_name("2-of-3.jsonl.tmp", &i, &n) != 0);
    char path[256];
    shard_ledger_path("run-1", 2, 3, path, sizeof path);
    CHECK(!strcmp(path, "run-1/shards/2-of-3.jsonl"));
}

/* Resolves with a fake environment; returns the status and fills s. */
static int resolve(const char *flag, long count, const char *const *env, shard_sel *s, mlac_err *err)
{
    g_env = env;
    return shard_resolve(flag, count, fake_getenv, s, err);
}

static void test_resolve(void)
{
    shard_sel s;
    mlac_err err = {0};
    static const char *const none[] = {NULL};
    CHECK_OK(resolve(NULL, 0, none, &s, &err), &err);
    CHECK(s.count == 0);
    static const char *const only_count[] = {"MLAC_SHARDS", "4", NULL};
    CHECK_OK(resolve(NULL, 0, only_count, &s, &err), &err);
    CHECK(s.count == 0); /* a count alone is not a shard */
    CHECK(resolve(NULL, 4, none, &s, &err) == MLAC_EINVAL && strstr(err.msg, "--shards 4 needs a shard index"));

    static const char *const k8s[] = {"JOB_COMPLETION_INDEX", "2", "MLAC_SHARDS", "4", NULL};
    CHECK_OK(resolve(NULL, 0, k8s, &s, &err), &err);
    CHECK(s.index == 2 && s.count == 4 && strstr(s.source, "JOB_COMPLETION_INDEX"));
    CHECK_OK(resolve(NULL, 5, k8s, &s, &err), &err); /* --shards wins over MLAC_SHARDS */
    CHECK(s.index == 2 && s.count == 5);
    CHECK_OK(resolve("1/3", 0, k8s, &s, &err), &err); /* --shard wins over the environment */
    CHECK(s.index == 1 && s.count == 3 && !strcmp(s.source, "--shard"));
    CHECK(resolve("1/3", 4, none, &s, &err) == MLAC_EINVAL && strstr(err.msg, "disagree"));
    static const char *const k8s_no_count[] = {"JOB_COMPLETION_INDEX", "0", NULL};
    CHECK(resolve(NULL, 0, k8s_no_count, &s, &err) == MLAC_EINVAL && strstr(err.msg, "MLAC_SHARDS") &&
          strstr(err.msg, "completions"));
    CHECK(resolve(NULL, 2, k8s, &s, &err) == MLAC_EINVAL && strstr(err.msg, "JOB_COMPLETION_INDEX 2"));
    static const char *const k8s_bad[] = {"JOB_COMPLETION_INDEX", "x1", "MLAC_SHARDS", "4", NULL};
    CHECK(resolve(NULL, 0, k8s_bad, &s, &err) == MLAC_EINVAL && strstr(err.msg, "JOB_COMPLETION_INDEX"));
    static const char *const bad_count[] = {"JOB_COMPLETION_INDEX", "1", "MLAC_SHARDS", "0", NULL};
    CHECK(resolve(NULL, 0, bad_count, &s, &err) == MLAC_EINVAL && strstr(err.msg, "MLAC_SHARDS"));

    static const char *const slurm[] = {"SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "4",
                                        "SLURM_ARRAY_TASK_COUNT", "3", NULL};
    CHECK_OK(resolve(NULL, 0, slurm, &s, &err), &err);
    CHECK(s.index == 1 && s.count == 3 && strstr(s.source, "SLURM_ARRAY_TASK_ID=5"));
    static const char *const slurm_step[] = {"SLURM_ARRAY_TASK_ID", "7", "SLURM_ARRAY_TASK_MIN", "1",
                                             "SLURM_ARRAY_TASK_STEP", "2", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
    CHECK_OK(resolve(NULL, 0, slurm_step, &s, &err), &err);
    CHECK(s.index == 3 && s.count == 4);
    static const char *const slurm_off[] = {"SLURM_ARRAY_TASK_ID", "6", "SLURM_ARRAY_TASK_MIN", "1",
                                            "SLURM_ARRAY_TASK_STEP", "2", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
    CHECK(resolve(NULL, 0, slurm_off, &s, &err) == MLAC_EINVAL && strstr(err.msg, "SLURM_ARRAY_TASK_ID 6"));
    static const char *const slurm_no_count[] = {"SLURM_ARRAY_TASK_ID", "0", NULL};
    CHECK(resolve(NULL, 0, slurm_no_count, &s, &err) == MLAC_EINVAL && strstr(err.msg, "SLURM_ARRAY_TASK_COUNT"));
    CHECK_OK(resolve(NULL, 8, slurm_no_count, &s, &err), &err);
    CHECK(s.index == 0 && s.count == 8);
    static const char *const slurm_over[] = {"SLURM_ARRAY_TASK_ID", "9", "SLURM_ARRAY_TASK_COUNT", "3", NULL};
    CHECK(resolve(NULL, 0, slurm_over, &s, &err) == MLAC_EINVAL && strstr(err.msg, "only 3 shards"));
    /* Kubernetes' variable wins when both are set */
    static const char *const both[] = {"JOB_COMPLETION_INDEX", "0", "MLAC_SHARDS", "2", "SLURM_ARRAY_TASK_ID", "1",
                                       "SLURM_ARRAY_TASK_COUNT", "2", NULL};
    CHECK_OK(resolve(NULL, 0, both, &s, &err), &err);
    CHECK(s.index == 0 && s.count == 2);
}

int main(void)
{
    test_partition();
    test_hash_reference();
    test_parse();
    test_resolve();
    TEST_MAIN_END();
}
