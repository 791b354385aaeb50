/* test_feature_table_resident.c — a run's log-mel image table is not held in memory (issue 16):
 * building the 224 x 224 images of 150 clips (30 MB of rows) raises the process's resident set
 * by less than half the table, where a table kept in memory raises it by at least the whole
 * table (every row is written, so every page of it is resident). The rows read back through
 * feature_table_read are the same whether computed or read from the feature cache, no scratch
 * file is left in the cache folder, and a clip outside the table is refused by name.
 * On a synthetic dataset (one species, 75 positives and 75 negatives of 1 s).
 */
#include "coyote_features.h"

#include "core/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resident set of this process in bytes (VmRSS of /proc/self/status). */
static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtoull(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb * 1024;
}

static size_t scratch_files(const char *dir)
{
    strlist files;
    strlist_init(&files);
    mlac_err err;
    size_t n = 0;
    if (!fs_list_recursive(dir, &files, &err))
        for (size_t i = 0; i < files.n; i++)
            n += strstr(files.items[i], ".mlac-rows") != NULL;
    strlist_release(&files);
    return n;
}

int main(void)
{
    char root[] = "/tmp/mlac_table_resident_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char data_dir[300], cache_dir[300];
    snprintf(data_dir, sizeof data_dir, "%s/data", root);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", root);
    mlac_err err = {0};
    store *st = NULL;
    feature_cache *cache = NULL;
    CHECK_OK(fs_mkdir_p(data_dir, &err), &err);
    dataset d;
    coyote_dataset(data_dir, 75, 2, &st, &d);
    CHECK_OK(feature_cache_open(cache_dir, &cache, &err), &err);

    feature_table t[INPUT_LOGMEL_IMAGE + 1], again[INPUT_LOGMEL_IMAGE + 1];
    size_t before = resident_bytes();
    CHECK_OK(coyote_tables(st, &d, 1u << INPUT_LOGMEL_IMAGE, 224, cache, t, &err), &err);
    size_t after = resident_bytes(), grown = after > before ? after - before : 0; /* ASan may hand pages back */
    const feature_table *img = &t[INPUT_LOGMEL_IMAGE];
    size_t table_bytes = img->n * img->dim * sizeof(float);
    CHECK_MSG(img->n == 150 && img->dim == 224 * 224, "%zu rows of %zu", img->n, img->dim);
    CHECK_MSG(grown < table_bytes / 2, "resident set grew by %zu bytes for a table of %zu bytes", grown, table_bytes);
    CHECK_MSG(scratch_files(cache_dir) == 0, "a row file is visible in '%s'", cache_dir);

    /* the same rows from the cache entries the first build wrote */
    CHECK_OK(coyote_tables(st, &d, 1u << INPUT_LOGMEL_IMAGE, 224, cache, again, &err), &err);
    CHECK(again[INPUT_LOGMEL_IMAGE].cache_hits == 150);
    float *a = malloc(img->dim * sizeof *a), *b = malloc(img->dim * sizeof *b), *prev = calloc(img->dim, sizeof *prev);
    int same = 1, distinct = 1;
    for (size_t i = 0; a && b && prev && i < img->n; i++) {
        CHECK_OK(feature_table_read(img, img->paths[i], a, &err), &err);
        CHECK_OK(feature_table_read(&again[INPUT_LOGMEL_IMAGE], img->paths[i], b, &err), &err);
        same &= !memcmp(a, b, img->dim * sizeof *a);
        distinct &= memcmp(a, prev, img->dim * sizeof *a) != 0;
        memcpy(prev, a, img->dim * sizeof *a);
    }
    CHECK_MSG(same, "a row computed differs from the same row read from the cache");
    CHECK_MSG(distinct, "two neighbouring clips have the same row");
    int rc = feature_table_read(img, "coyote/data/pos/not_a_clip.wav", a, &err);
    CHECK_MSG(rc == MLAC_ENOTFOUND && strstr(err.msg, "not_a_clip.wav"), "rc %d: %s", rc, err.msg);
    CHECK(feature_table_row(img, img->paths[0]) == NULL); /* not in memory */
    free(a), free(b), free(prev);
    feature_table_release(&t[INPUT_LOGMEL_IMAGE]);
    feature_table_release(&again[INPUT_LOGMEL_IMAGE]);
    CHECK(scratch_files(cache_dir) == 0);

    feature_cache_free(cache);
    dataset_release(&d);
    store_free(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
