/* spawn.c — posix_spawn, then a polling wait with a deadline and a cancel flag (see spawn.h). */
#include "core/spawn.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static void kill_child(pid_t pid, int group)
{
    if (group)
        kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

static int start(const spawn_opts *o, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY, 0);
    if (o->stdout_path)
        posix_spawn_file_actions_addopen(&fa, 1, o->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o->stderr_path)
        posix_spawn_file_actions_addopen(&fa, 2, o->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o->dir)
        posix_spawn_file_actions_addchdir_np(&fa, o->dir);
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    sigaddset(&deflt, SIGINT);
    sigaddset(&deflt, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &deflt);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (o->new_group) {
        posix_spawnattr_setpgroup(&at, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&at, flags);
    char *const *env = o->env ? o->env : environ;
    int e = strchr(o->argv[0], '/') ? posix_spawn(pid, o->argv[0], &fa, &at, (char *const *)o->argv, env)
                                    : posix_spawnp(pid, o->argv[0], &fa, &at, (char *const *)o->argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return e;
}

int spawn_run(const spawn_opts *o, spawn_result *res, mlac_err *err)
{
    memset(res, 0, sizeof *res);
    res->code = -1;
    if (!o->argv || !o->argv[0])
        return mlac_errf(err, MLAC_EINVAL, "spawn: no program given");
    pid_t pid;
    int e = start(o, &pid);
    if (e)
        return mlac_errf(err, MLAC_EUNAVAIL, "cannot start '%s': %s", o->argv[0], strerror(e));

    double deadline = o->timeout_s > 0 ? time_now() + o->timeout_s : 0;
    double wait_s = 0.002;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            int e2 = errno;
            kill_child(pid, o->new_group);
            waitpid(pid, NULL, 0);
            return mlac_errf(err, MLAC_EINTERNAL, "waiting for '%s': %s", o->argv[0], strerror(e2));
        }
        int cancelled = o->cancel && *o->cancel;
        if (cancelled || (deadline > 0 && time_now() > deadline)) {
            kill_child(pid, o->new_group);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            res->cancelled = cancelled;
            res->timed_out = !cancelled;
            break;
        }
        nap(wait_s);
        wait_s = wait_s < 0.05 ? wait_s * 1.5 : 0.05;
    }
    if (WIFEXITED(status)) {
        res->exited = 1;
        res->code = WEXITSTATUS(status);
    } else {
        res->code = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    }
    return MLAC_OK;
}

int spawn_succeeded(const spawn_result *res)
{
    return res->exited && res->code == 0 && !res->timed_out && !res->cancelled;
}
