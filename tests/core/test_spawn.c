/* test_spawn.c — the child-process runner: exit codes, death by signal, stdout/stderr to files,
 * a working directory, a deadline that kills the whole process group, cancel, and a program that
 * does not exist. */
#include "core/fsutil.h"
#include "core/spawn.h"
#include "core/timeutil.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void test_exit_and_output(const char *tmp)
{
    char out[512], errp[512];
    snprintf(out, sizeof out, "%s/out.txt", tmp);
    snprintf(errp, sizeof errp, "%s/err.txt", tmp);
    const char *argv[] = {"/bin/sh", "-c", "pwd; echo oops >&2; exit 3", NULL};
    spawn_opts o = {.argv = argv, .dir = tmp, .stdout_path = out, .stderr_path = errp};
    spawn_result r;
    mlac_err err;
    CHECK_OK(spawn_run(&o, &r, &err), &err);
    CHECK(r.exited && r.code == 3 && !r.timed_out && !spawn_succeeded(&r));
    buf b;
    buf_init(&b, 4096);
    CHECK_OK(fs_read_file(out, &b, 4096, &err), &err);
    CHECK(b.len > 0 && strstr(b.data, tmp) != NULL);
    buf_release(&b);
    buf_init(&b, 4096);
    CHECK_OK(fs_read_file(errp, &b, 4096, &err), &err);
    CHECK(!strcmp(b.data, "oops\n"));
    buf_release(&b);

    const char *ok[] = {"true", NULL}; /* looked up in PATH */
    spawn_opts o2 = {.argv = ok};
    CHECK_OK(spawn_run(&o2, &r, &err), &err);
    CHECK(spawn_succeeded(&r));

    const char *sig[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
    spawn_opts o3 = {.argv = sig};
    CHECK_OK(spawn_run(&o3, &r, &err), &err);
    CHECK(!r.exited && r.code == SIGKILL);
}

static void test_deadline_and_cancel(const char *tmp)
{
    char pidfile[512], script[1200];
    snprintf(pidfile, sizeof pidfile, "%s/grandchild.pid", tmp);
    /* the shell starts a grandchild; the deadline must kill both (the group) */
    snprintf(script, sizeof script, "sleep 30 & echo $! > '%s'; wait", pidfile);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    spawn_opts o = {.argv = argv, .timeout_s = 0.5, .new_group = 1};
    spawn_result r;
    mlac_err err;
    double t0 = time_now();
    CHECK_OK(spawn_run(&o, &r, &err), &err);
    double took = time_now() - t0;
    CHECK(r.timed_out && !r.exited && took < 5.0);
    buf b;
    buf_init(&b, 64);
    if (fs_read_file(pidfile, &b, 64, &err) == MLAC_OK) {
        pid_t g = (pid_t)atol(b.data);
        int gone = 0;
        for (int i = 0; i < 100 && !gone; i++) { /* reaped by init shortly after the kill */
            gone = kill(g, 0) != 0;
            if (!gone)
                usleep(20000);
        }
        CHECK_MSG(gone, "grandchild %d survived the deadline", (int)g);
    } else {
        CHECK_MSG(0, "no grandchild pid file: %s", err.msg);
    }
    buf_release(&b);

    volatile sig_atomic_t cancel = 1;
    const char *slow[] = {"/bin/sleep", "30", NULL};
    spawn_opts oc = {.argv = slow, .cancel = &cancel};
    CHECK_OK(spawn_run(&oc, &r, &err), &err);
    CHECK(r.cancelled && !r.timed_out && !spawn_succeeded(&r));
}

static void test_missing_program(void)
{
    const char *argv[] = {"/nonexistent/mlac-no-such-program", NULL};
    spawn_opts o = {.argv = argv};
    spawn_result r;
    mlac_err err;
    CHECK(spawn_run(&o, &r, &err) == MLAC_EUNAVAIL && strstr(err.msg, "mlac-no-such-program"));
}

int main(void)
{
    char tmp[] = "/tmp/mlac-spawn-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    test_exit_and_output(tmp);
    test_deadline_and_cancel(tmp);
    test_missing_program();
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    TEST_MAIN_END();
}
