/* test_command.c — the command back end through the real protocol, with the stand-in
 * embedder (tests/tools/stand_in_embedder.c, run as this binary), and every error path:
 * crash, non-zero exit, timeout, cancel, NaN, wrong dimension, wrong row count, no output,
 * garbage, bad info replies, a model or spec mismatch, a missing program.
 *
 * What is asserted is behaviour, not numbers the C code produced: the same window gives the
 * same vector in both output formats and across calls, different sounds give different
 * vectors, and each failure is reported with its cause and the program's stderr.
 */
#include "core/timeutil.h"
#include "embed/embed.h"
#include "embed_testutil.h"
#include "test.h"

static char *g_tmp; /* the temp root every call must leave empty */

/* (n, win) windows: tones at 300, 900, 300 Hz (the first and last identical). */
static float *make_windows(size_t n, size_t win, int rate)
{
    float *w = malloc(n * win * sizeof *w);
    for (size_t k = 0; k < n; k++) {
        double f = k % 2 ? 900.0 : 300.0;
        for (size_t i = 0; i < win; i++)
            w[k * win + i] = (float)(0.3 * sin(2 * M_PI * f * (double)i / rate));
    }
    return w;
}

static int open_cmd(const char *model, const char *args, double timeout, const volatile sig_atomic_t *cancel,
                    embedder **e, mlac_err *err)
{
    char cmd[8192];
    tu_stand_in(cmd, sizeof cmd, args);
    embed_command_options o = {timeout, 1, g_tmp, cancel};
    return embed_command_open(cmd, model, &o, e, err);
}

static void test_happy(void)
{
    embedder *e = NULL, *c = NULL;
    mlac_err err = {0};
    CHECK_OK(open_cmd("birdnet", "--model birdnet", 60, NULL, &e, &err), &err);
    CHECK_OK(open_cmd("birdnet", "--model birdnet --format csv", 60, NULL, &c, &err), &err);
    if (!e || !c)
        goto out;
    CHECK(!strcmp(e->info.model, "birdnet") && !strcmp(e->info.version, "standin-1"));
    CHECK(e->info.rate == 48000 && e->info.window_s == 3.0 && e->info.dim == 1024);
    size_t win = 144000, dim = 1024;
    float *w = make_windows(3, win, 48000);
    float *v = malloc(3 * dim * sizeof *v), *v2 = malloc(3 * dim * sizeof *v2), *vc = malloc(3 * dim * sizeof *vc);
    CHECK_OK(embedder_embed(e, w, 3, v, &err), &err);
    CHECK_OK(embedder_embed(e, w + 2 * win, 1, v2, &err), &err); /* the third window alone */
    CHECK_OK(embedder_embed(c, w, 3, vc, &err), &err);
    double same = 0, diff = 0, csv = 0;
    for (size_t j = 0; j < dim; j++) {
        same = fmax(same, fabs(v[j] - v[2 * dim + j]));      /* windows 0 and 2 are the same sound */
        same = fmax(same, fabs(v2[j] - v[2 * dim + j]));     /* batch boundaries do not matter */
        diff = fmax(diff, fabs(v[j] - v[dim + j]));          /* 300 Hz vs 900 Hz */
        csv = fmax(csv, fabs(vc[dim + j] - v[dim + j]));     /* %.9g text is exact for float32 */
    }
    CHECK_MSG(same == 0, "same window, different vectors (%g)", same);
    CHECK_MSG(diff > 0.05, "different sounds, vectors too close (%g)", diff);
    CHECK_MSG(csv == 0, "csv and f32 disagree (%g)", csv);
    free(w);
    free(v);
    free(v2);
    free(vc);
out:
    embedder_free(e);
    embedder_free(c);
    /* perch: 5 s windows at 32 kHz, 1280-d; a perch v2 stand-in reports 1536 */
    CHECK_OK(open_cmd("perch", "--model perch", 60, NULL, &e, &err), &err);
    if (e) {
        CHECK(e->info.rate == 32000 && e->info.window_s == 5.0 && e->info.dim == 1280);
        float *pw = make_windows(1, 160000, 32000), *pv = malloc(1280 * sizeof *pv);
        CHECK_OK(embedder_embed(e, pw, 1, pv, &err), &err);
        free(pw);
        free(pv);
    }
    embedder_free(e);
    e = NULL;
    CHECK_OK(open_cmd("perch", "--model perch --version 2 --dim 1536", 60, NULL, &e, &err), &err);
    CHECK(e && e->info.dim == 1536);
    embedder_free(e);
}

/* Opens a stand-in with args and embeds 2 windows; returns the status, message in err. */
static int run_failing(const char *args, double timeout, mlac_err *err)
{
    embedder *e = NULL;
    int rc = open_cmd("birdnet", args, timeout, NULL, &e, err);
    if (rc)
        return rc;
    float *w = make_windows(2, 144000, 48000), *v = malloc(2 * 1024 * sizeof *v);
    rc = embedder_embed(e, w, 2, v, err);
    free(w);
    free(v);
    embedder_free(e);
    return rc;
}

static void test_errors(void)
{
    mlac_err err = {0};
    CHECK(run_failing("--fail crash", 60, &err) != 0);
    CHECK_MSG(strstr(err.msg, "crashed") && strstr(err.msg, "signal 11") && strstr(err.msg, "stand-in"), "%s",
              err.msg);
    CHECK(run_failing("--fail exit", 60, &err) != 0);
    CHECK_MSG(strstr(err.msg, "exited with status 3") && strstr(err.msg, "model weights file is missing"), "%s",
              err.msg);
    double t0 = time_now();
    CHECK(run_failing("--fail hang", 1.0, &err) != 0);
    double took = time_now() - t0;
    CHECK_MSG(strstr(err.msg, "timed out after 1 s"), "%s", err.msg);
    CHECK_MSG(took < 20, "timeout took %.1f s", took);
    CHECK(run_failing("--fail nan", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "NaN") && strstr(err.msg, "window 0"), "%s", err.msg);
    CHECK(run_failing("--fail dim", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "wrong dimension") && strstr(err.msg, "1023"), "%s", err.msg);
    CHECK(run_failing("--fail dim --format csv", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "wrong dimension") && strstr(err.msg, "line 1"), "%s", err.msg);
    CHECK(run_failing("--fail rows", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "wrong row count") && strstr(err.msg, "1 rows for 2 windows"), "%s", err.msg);
    CHECK(run_failing("--fail rows --format csv", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "wrong row count"), "%s", err.msg);
    CHECK(run_failing("--fail nooutput", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "wrote no output"), "%s", err.msg);
    CHECK(run_failing("--fail garbage --format csv", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "line 1") && strstr(err.msg, "not a number"), "%s", err.msg);
    CHECK(run_failing("--fail info-garbage", 60, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "did not answer 'info'"), "%s", err.msg);
    CHECK(run_failing("--fail info-exit", 60, &err) != 0);
    CHECK_MSG(strstr(err.msg, "status 2 during 'info'") && strstr(err.msg, "cannot load the model"), "%s", err.msg);
    /* the wrong model, and a known model version with the wrong numbers */
    embedder *e = NULL;
    CHECK(open_cmd("perch", "--model birdnet", 60, NULL, &e, &err) == MLAC_EINVAL && !e);
    CHECK_MSG(strstr(err.msg, "says it is model 'birdnet'") && strstr(err.msg, "configured for 'perch'"), "%s",
              err.msg);
    CHECK(open_cmd("birdnet", "--model birdnet --version 2.4 --dim 512", 60, NULL, &e, &err) == MLAC_EINVAL);
    CHECK_MSG(strstr(err.msg, "dim 512") && strstr(err.msg, "dim 1024"), "%s", err.msg);
    /* a program that does not exist */
    embed_command_options o = {60, 1, g_tmp, NULL};
    CHECK(embed_command_open("/nonexistent/mlac-embedder-program", "birdnet", &o, &e, &err) != 0);
    CHECK_MSG(strstr(err.msg, "status 127") && strstr(err.msg, "/nonexistent/mlac-embedder-program"), "%s",
              err.msg);
    CHECK(embed_command_open("", "birdnet", &o, &e, &err) == MLAC_EUNAVAIL);
    CHECK(embed_command_open("true", "svm", &o, &e, &err) == MLAC_EINVAL);
}

static void test_cancel(void)
{
    volatile sig_atomic_t cancel = 0;
    embedder *e = NULL;
    mlac_err err = {0};
    CHECK_OK(open_cmd("birdnet", "--fail hang", 600, &cancel, &e, &err), &err);
    if (!e)
        return;
    cancel = 1;
    float *w = make_windows(1, 144000, 48000), *v = malloc(1024 * sizeof *v);
    double t0 = time_now();
    CHECK(embedder_embed(e, w, 1, v, &err) == MLAC_ECANCEL);
    CHECK(time_now() - t0 < 20);
    CHECK(strstr(err.msg, "cancelled"));
    free(w);
    free(v);
    embedder_free(e);
}

static void test_info_parse(void)
{
    embed_info in;
    int csv;
    mlac_err err = {0};
    const char *ok = "noise\nmlac-embedder 1 model=perch version=2 rate=32000 window=5 dim=1536 format=csv extra=1\n";
    CHECK_OK(embed_info_parse(ok, strlen(ok), "x", &in, &csv, &err), &err);
    CHECK(!strcmp(in.model, "perch") && in.dim == 1536 && csv == 1 && in.window_s == 5);
    const char *bad[] = {"mlac-embedder 2 model=perch version=2 rate=32000 window=5 dim=1536\n",
                         "mlac-embedder 1 model=perch version=2 rate=32000 window=5\n",
                         "mlac-embedder 1 model=perch version=2 rate=0 window=5 dim=1536\n",
                         "mlac-embedder 1 model=perch version=2 rate=32000 window=5 dim=99999\n",
                         "mlac-embedder 1 model=perch version=2 rate=32000 window=5 dim=12 format=npz\n",
                         "mlac-embedder 1 model=perch version=2 rate=32000 window=5 dim=12x\n",
                         "mlac-embedder 1 model perch\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(embed_info_parse(bad[i], strlen(bad[i]), "x", &in, &csv, &err) == MLAC_EFORMAT, "accepted: %s",
                  bad[i]);
        CHECK(strstr(err.msg, "'x'"));
    }
}

int main(int argc, char **argv)
{
    EMBED_TEST_DISPATCH(argc, argv);
    g_tmp = tu_tmpdir("cmd");
    CHECK(g_tmp != NULL);
    test_info_parse();
    test_happy();
    test_errors();
    test_cancel();
    /* every call removed its folder, whatever happened */
    strlist left;
    strlist_init(&left);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(g_tmp, &left, &err), &err);
    CHECK_MSG(left.n == 0, "%zu files left in %s", left.n, g_tmp);
    strlist_release(&left);
    tu_rm_rf(g_tmp);
    free(g_tmp);
    TEST_MAIN_END();
}
