/* test_import.c — the import back end on the four layouts tests/fixtures/gen/embed.py wrote
 * (BirdNET per-file text, BirdNET single CSV, a per-file .npy folder, BirdNET's bare
 * per-window files), and how clips are matched to entries.
 *
 * Reference: import/expect.json, numpy's mean and max of each clip's float32 window vectors
 * (mean in float64, rounded to float32). mlac's pooled rows must match to 1e-6 and the first
 * window (by start time; the CSV lists windows in reverse) exactly.
 */
#include "core/fsutil.h"
#include "embed/embed.h"
#include "embed/embed_import.h"
#include "embed_testutil.h"
#include "test.h"

#include <jansson.h>

static void check_layout(const char *form, json_t *expect)
{
    char dir[8400];
    snprintf(dir, sizeof dir, "%s/%s", test_fixture("embed/import"), form);
    embed_import *imp = NULL;
    mlac_err err = {0};
    CHECK_OK(embed_import_open(dir, &imp, &err), &err);
    if (!imp)
        return;
    size_t dim = (size_t)json_integer_value(json_object_get(expect, "dim"));
    CHECK_MSG(embed_import_dim(imp) == dim, "%s: dim %zu", form, embed_import_dim(imp));
    CHECK_MSG(embed_import_entries(imp) == 4, "%s: %zu entries", form, embed_import_entries(imp));
    const char *clip;
    json_t *e;
    json_object_foreach(json_object_get(expect, "clips"), clip, e) {
        const float *rows;
        size_t n_rows;
        int rc = embed_import_find(imp, clip, &rows, &n_rows, &err);
        CHECK_MSG(rc == 0, "%s: %s: %s", form, clip, err.msg);
        if (rc)
            continue;
        CHECK_MSG(n_rows == (size_t)json_integer_value(json_object_get(e, "windows")), "%s: %s has %zu windows",
                  form, clip, n_rows);
        float mean[64], mx[64];
        embed_pool(rows, n_rows, dim, EMBED_POOL_MEAN, mean);
        embed_pool(rows, n_rows, dim, EMBED_POOL_MAX, mx);
        double worst = 0;
        int max_ok = 1, first_ok = 1;
        for (size_t j = 0; j < dim; j++) {
            worst = fmax(worst, fabs(mean[j] - json_real_value(json_array_get(json_object_get(e, "mean"), j))));
            max_ok &= mx[j] == (float)json_real_value(json_array_get(json_object_get(e, "max"), j));
            first_ok &= rows[j] == (float)json_real_value(json_array_get(json_object_get(e, "first"), j));
        }
        CHECK_MSG(worst <= 1e-6, "%s: %s mean off by %g", form, clip, worst);
        CHECK_MSG(max_ok, "%s: %s max differs", form, clip);
        CHECK_MSG(first_ok, "%s: %s first window differs (order by start)", form, clip);
    }
    embed_import_free(imp);
}

static void check_matching(void)
{
    char dir[8400];
    snprintf(dir, sizeof dir, "%s/txt", test_fixture("embed/import"));
    embed_import *imp = NULL;
    mlac_err err = {0};
    CHECK_OK(embed_import_open(dir, &imp, &err), &err);
    if (!imp)
        return;
    const float *a, *b;
    size_t na, nb;
    /* same file name in two species: the folder decides */
    CHECK_OK(embed_import_find(imp, "coyote/data/pos/howl_01.wav", &a, &na, &err), &err);
    CHECK_OK(embed_import_find(imp, "bullfrog/data/pos/howl_01.wav", &b, &nb, &err), &err);
    CHECK(na == 3 && nb == 4 && a != b);
    /* the extension and its case do not matter; a deeper data root does not either */
    CHECK_OK(embed_import_find(imp, "root/coyote/data/pos/howl_01.FLAC", &b, &nb, &err), &err);
    CHECK(b == a);
    /* only the file name in common: no entry (another species' or another root's file is not it) */
    CHECK(embed_import_find(imp, "elsewhere/howl_01.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    CHECK(strstr(err.msg, "elsewhere/howl_01.wav"));
    CHECK(embed_import_find(imp, "bullfrog/data/neg/wind_01.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    CHECK_MSG(strstr(err.msg, "bullfrog/data/neg/wind_01.wav"), "%s", err.msg);
    CHECK(embed_import_find(imp, "bullfrog/data/pos/howl_02.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    /* a data_5s clip does not take its data/ twin's entry */
    CHECK(embed_import_find(imp, "coyote/data_5s/pos/howl_01.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    CHECK(embed_import_find(imp, "coyote/data_5s/pos/howl_02.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    CHECK(strstr(err.msg, "coyote/data_5s/pos/howl_02.wav"));
    CHECK(embed_import_find(imp, "coyote/data/pos/missing.wav", &b, &nb, &err) == MLAC_ENOTFOUND);
    CHECK(strstr(err.msg, "coyote/data/pos/missing.wav") && strstr(err.msg, dir));
    embed_import_free(imp);

    /* one CSV file instead of a folder: absolute recorded paths match by their tail */
    snprintf(dir, sizeof dir, "%s/csv/embeddings.csv", test_fixture("embed/import"));
    CHECK_OK(embed_import_open(dir, &imp, &err), &err);
    if (imp)
        CHECK_OK(embed_import_find(imp, "coyote/data/neg/wind_01.wav", &b, &nb, &err), &err);
    CHECK(nb == 2);
    embed_import_free(imp);
}

/* Writes a one-window .birdnet.embeddings.txt holding (v, v) at dir/rel. */
static void put_txt(const char *dir, const char *rel, int v)
{
    char path[8400], line[64];
    mlac_err err = {0};
    snprintf(path, sizeof path, "%s/%s.birdnet.embeddings.txt", dir, rel);
    int k = snprintf(line, sizeof line, "0\t3\t%d,%d\n", v, v);
    CHECK_OK(fs_write_atomic(path, line, (size_t)k, &err), &err);
}

static float find_value(embed_import *imp, const char *clip, int *rc, mlac_err *err)
{
    const float *rows = NULL;
    size_t n = 0;
    *rc = embed_import_find(imp, clip, &rows, &n, err);
    return *rc ? -1.0f : rows[0];
}

/* Issue 14 item 8: a missing data/ entry does not fall back to its data_5s/ twin, another
 * species' entry is never taken, and the bare-file-name fallback applies only without an exact
 * entry. */
static void check_exact(void)
{
    char *tmp = tu_tmpdir("import-exact");
    CHECK(tmp != NULL);
    if (!tmp)
        return;
    put_txt(tmp, "coyote/data_5s/pos/a", 1);  /* only the 5 s twin of coyote/data/pos/a */
    put_txt(tmp, "bullfrog/data/pos/b", 2);   /* coyote/data/pos/b has no entry */
    put_txt(tmp, "out/coyote/data/pos/c", 3); /* deeper export root: matches */
    put_txt(tmp, "d", 4);                     /* bare file name: the fallback */
    put_txt(tmp, "coyote/data/pos/e", 5);     /* exact beats the bare e */
    put_txt(tmp, "e", 6);
    put_txt(tmp, "x1/coyote/data/neg/f", 7);  /* two exact entries: ambiguous */
    put_txt(tmp, "x2/coyote/data/neg/f", 8);
    put_txt(tmp, "pos/g", 9);                 /* neither exact nor bare */
    embed_import *imp = NULL;
    mlac_err err = {0};
    CHECK_OK(embed_import_open(tmp, &imp, &err), &err);
    int rc;
    if (imp) {
        CHECK(find_value(imp, "coyote/data/pos/a.wav", &rc, &err) < 0 && rc == MLAC_ENOTFOUND);
        CHECK_MSG(strstr(err.msg, "coyote/data/pos/a.wav") && strstr(err.msg, tmp), "%s", err.msg);
        CHECK(find_value(imp, "coyote/data_5s/pos/a.wav", &rc, &err) == 1.0f && rc == 0);
        CHECK(find_value(imp, "coyote/data/pos/b.wav", &rc, &err) < 0 && rc == MLAC_ENOTFOUND);
        CHECK(strstr(err.msg, "coyote/data/pos/b.wav"));
        CHECK(find_value(imp, "bullfrog/data/pos/b.flac", &rc, &err) == 2.0f && rc == 0);
        CHECK(find_value(imp, "coyote/data/pos/c.wav", &rc, &err) == 3.0f && rc == 0);
        CHECK(find_value(imp, "coyote/data/neg/d.wav", &rc, &err) == 4.0f && rc == 0);
        CHECK(find_value(imp, "coyote/data/pos/e.wav", &rc, &err) == 5.0f && rc == 0);
        CHECK(find_value(imp, "bullfrog/data/pos/e.wav", &rc, &err) == 6.0f && rc == 0);
        CHECK(find_value(imp, "coyote/data/neg/f.wav", &rc, &err) < 0 && rc == MLAC_EINVAL);
        CHECK(strstr(err.msg, "x1/coyote/data/neg/f") && strstr(err.msg, "x2/coyote/data/neg/f"));
        CHECK(find_value(imp, "coyote/data/pos/g.wav", &rc, &err) < 0 && rc == MLAC_ENOTFOUND);
        embed_import_free(imp);
    }
    tu_rm_rf(tmp);
    free(tmp);
}

static void check_errors(void)
{
    embed_import *imp = NULL;
    mlac_err err = {0};
    CHECK(embed_import_open("/nonexistent/mlac-embeddings", &imp, &err) == MLAC_ENOTFOUND && !imp);
    CHECK(strstr(err.msg, "/nonexistent/mlac-embeddings"));
    char *tmp = tu_tmpdir("import");
    CHECK(tmp != NULL);
    if (!tmp)
        return;
    char path[8400];
    /* a folder with no embedding files */
    snprintf(path, sizeof path, "%s/notes.txt", tmp);
    CHECK_OK(fs_write_atomic(path, "hello\n", 6, &err), &err);
    CHECK(embed_import_open(tmp, &imp, &err) == MLAC_ENOTFOUND && strstr(err.msg, "no embeddings found"));
    /* a single file of an unknown kind */
    CHECK(embed_import_open(path, &imp, &err) == MLAC_EINVAL && strstr(err.msg, "notes.txt"));
    /* a CSV that is not an embeddings CSV is skipped inside a folder ... */
    snprintf(path, sizeof path, "%s/results.csv", tmp);
    CHECK_OK(fs_write_atomic(path, "Start (s),End (s),Common name\n0,3,Coyote\n", 41, &err), &err);
    snprintf(path, sizeof path, "%s/a/clip.birdnet.embeddings.txt", tmp);
    CHECK_OK(fs_write_atomic(path, "0\t3\t1,2\n", 8, &err), &err);
    CHECK_OK(embed_import_open(tmp, &imp, &err), &err);
    embed_import_free(imp);
    imp = NULL;
    /* ... but a malformed embedding file fails the import, naming the file and the line */
    snprintf(path, sizeof path, "%s/a/b/other.birdnet.embeddings.txt", tmp);
    CHECK_OK(fs_write_atomic(path, "0\t3\t1,2\n3\t6\t1,x\n", 16, &err), &err);
    CHECK(embed_import_open(tmp, &imp, &err) == MLAC_EFORMAT && !imp);
    CHECK(strstr(err.msg, "other.birdnet.embeddings.txt") && strstr(err.msg, "line 2"));
    /* vectors of different dimensions across files */
    CHECK_OK(fs_write_atomic(path, "0\t3\t1,2,3\n", 10, &err), &err);
    CHECK(embed_import_open(tmp, &imp, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "earlier vectors have") && strstr(err.msg, "line 1"));
    tu_rm_rf(tmp);
    free(tmp);
}

int main(int argc, char **argv)
{
    EMBED_TEST_DISPATCH(argc, argv);
    json_error_t jerr;
    json_t *expect = json_load_file(test_fixture("embed/import/expect.json"), 0, &jerr);
    CHECK_MSG(expect != NULL, "expect.json: %s", jerr.text);
    static const char *forms[] = {"txt", "csv", "npy", "bare"};
    for (size_t i = 0; expect && i < 4; i++)
        check_layout(forms[i], expect);
    check_matching();
    check_exact();
    check_errors();
    json_decref(expect);
    TEST_MAIN_END();
}
