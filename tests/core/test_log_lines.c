/* test_log_lines.c — a progress bar and a log line never share a line (issue 13): a log line
 * written while a bar is on screen first clears the bar's line; ending the bar adds a line
 * break only when the bar is still there. */
#include "core/fsutil.h"
#include "core/log.h"
#include "test.h"

#include <unistd.h>

int main(void)
{
    char path[] = "/tmp/mlac-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    int saved = dup(STDERR_FILENO); /* stderr goes to the file, then comes back for the checks */
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    log_init(LOG_INFO, 0);
    log_partial_line("tasks [###...] 1/3");
    log_info("a task failed");
    log_partial_line("tasks [######] 2/3");
    log_partial_line("tasks [######] 3/3");
    log_end_partial_line();
    log_end_partial_line(); /* nothing on screen: no empty line */
    log_info("done");
    fflush(stderr);
    buf b;
    buf_init(&b, 0);
    mlac_err err;
    CHECK_OK(fs_read_file(path, &b, 1 << 20, &err), &err);
    const char *want = "\rtasks [###...] 1/3\r\033[Kmlac: a task failed\n\rtasks [######] 2/3\rtasks [######] 3/3\n"
                       "mlac: done\n";
    int same = b.data && !strcmp(b.data, want);
    buf_release(&b);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    unlink(path);
    CHECK(same);
    TEST_MAIN_END();
}
