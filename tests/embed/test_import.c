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
    /* only the file name in common with two entries: an error naming both */
    CHECK(embed_import_find(imp, "elsewhere/howl_01.wav", &b, &nb, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "coyote/data/pos/howl_01") && strstr(err.msg, "bullfrog/data/pos/howl_01"));
    /* a data_5s twin shares pos/howl_01 with both species equally: also refused */
    CHECK(embed_import_find(imp, "coyote/data_5s/pos/howl_01.wav", &b, &nb, &err) == MLAC_EINVAL);
    /* but it is unique for a clip name only one species has */
    CHECK_OK(embed_import_find(imp, "coyote/data_5s/pos/howl_02.wav", &b, &nb, &err), &err);
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
    check_errors();
    json_decref(expect);
    TEST_MAIN_END();
}
