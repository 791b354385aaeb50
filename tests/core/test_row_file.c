/* test_row_file.c — the row file behind the feature tables (core/row_file.h): rows written from
 * several threads read back exactly, nothing left in the folder (the file is unlinked at once),
 * and a row that was never written, a changed byte or a truncated file refused with a message
 * naming the file and the row. */
#include "core/pool.h"
#include "core/row_file.h"
#include "test.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define N 300
#define DIM 97

static float value(size_t i, size_t j)
{
    return (float)(i * 1000 + j) * 0.25f - 7.0f;
}

static void put_one(void *ctx, size_t i, int worker)
{
    (void)worker;
    float row[DIM];
    for (size_t j = 0; j < DIM; j++)
        row[j] = value(i, j);
    mlac_err err;
    if (row_file_put(ctx, i, row, &err))
        fprintf(stderr, "put %zu: %s\n", i, err.msg), exit(1);
}

static size_t entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".mlac-rows", 10) == 0;
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/mlac-row-file-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    mlac_err err;
    row_file *f = NULL;
    CHECK_OK(row_file_create(dir, "summary rows", N, DIM, &f, &err), &err);
    CHECK(f && row_file_rows(f) == N && row_file_dim(f) == DIM);
    CHECK_MSG(entries(dir) == 0, "the file is still in '%s'", dir);

    float out[DIM];
    int rc = row_file_get(f, 5, out, &err);
    CHECK(rc == MLAC_EINTERNAL && strstr(err.msg, "row 5 was never written") && strstr(err.msg, dir));

    pool_for(2, N, put_one, f); /* rows from two threads, in any order */
    int exact = 1;
    for (size_t i = 0; i < N; i++) {
        CHECK_OK(row_file_get(f, i, out, &err), &err);
        for (size_t j = 0; j < DIM; j++)
            exact &= out[j] == value(i, j);
    }
    CHECK_MSG(exact, "a row read back differs from what was written");
    CHECK(row_file_get(f, N, out, &err) == MLAC_EINTERNAL);

    /* one changed byte in row 17 */
    unsigned char byte;
    off_t at = (off_t)(17 * DIM * sizeof(float) + 9);
    CHECK(pread(row_file_fd(f), &byte, 1, at) == 1);
    byte ^= 0x40;
    CHECK(pwrite(row_file_fd(f), &byte, 1, at) == 1);
    rc = row_file_get(f, 17, out, &err);
    CHECK_MSG(rc == MLAC_EFORMAT && strstr(err.msg, "row 17") && strstr(err.msg, "damaged") &&
                  strstr(err.msg, row_file_name(f)) && strstr(err.msg, "summary rows"),
              "rc %d: %s", rc, err.msg);
    CHECK_OK(row_file_get(f, 16, out, &err), &err);

    /* truncated in the middle of the last rows */
    CHECK(ftruncate(row_file_fd(f), (off_t)((N - 2) * DIM * sizeof(float) + 5)) == 0);
    rc = row_file_get(f, N - 1, out, &err);
    CHECK_MSG(rc == MLAC_EFORMAT && strstr(err.msg, "short") && strstr(err.msg, row_file_name(f)), "rc %d: %s", rc,
              err.msg);
    rc = row_file_get(f, N - 2, out, &err);
    CHECK_MSG(rc == MLAC_EFORMAT, "a row cut short was accepted (rc %d)", rc);
    row_file_free(f);
    row_file_free(NULL);

    /* a folder that cannot be made is named */
    rc = row_file_create("/proc/no-such/rows", "logmel_image rows", 4, 4, &f, &err);
    CHECK_MSG(rc && f == NULL && strstr(err.msg, "/proc/no-such/rows") && strstr(err.msg, "logmel_image rows"),
              "rc %d: %s", rc, err.msg);
    CHECK(entries(dir) == 0);
    rmdir(dir);
    TEST_MAIN_END();
}
