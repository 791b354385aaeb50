/* test_special_files.c — reading a FIFO, a directory or a device where a file is expected fails
 * at once with a message naming it (issue 14 defect 1: a FIFO in the feature cache hung a run
 * forever, with SIGTERM ignored while open() blocked). The test sets an alarm so a regression
 * fails instead of hanging. */
#include "core/fsutil.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    alarm(20); /* a blocking open would otherwise hang the test */
    char tmp[] = "/tmp/mlac-special-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/cache.f32", tmp);
    CHECK(mkfifo(fifo, 0600) == 0);
    mlac_err err;
    buf b;
    buf_init(&b, 1 << 20);
    CHECK(fs_read_file(fifo, &b, 1 << 20, &err) == MLAC_EIO && strstr(err.msg, "not a regular file") &&
          strstr(err.msg, "cache.f32"));
    CHECK(fs_read_file(tmp, &b, 1 << 20, &err) == MLAC_EIO && strstr(err.msg, "directory"));
    CHECK(fs_read_file("/dev/null", &b, 1 << 20, &err) == MLAC_EIO && strstr(err.msg, "/dev/null"));
    /* and an atomic write replaces the FIFO with a file */
    CHECK_OK(fs_write_atomic(fifo, "abc", 3, &err), &err);
    CHECK_OK(fs_read_file(fifo, &b, 1 << 20, &err), &err);
    CHECK(b.len == 3 && !memcmp(b.data, "abc", 3));
    buf_release(&b);
    unlink(fifo);
    rmdir(tmp);
    TEST_MAIN_END();
}
