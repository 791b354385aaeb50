/* spawn.h — the one child-process runner (git's run_command): start a program, wait for it
 * with a deadline and a cancel flag, and say how it ended.
 *
 * Built on posix_spawn, so it is safe in a multi-threaded process. The child gets stdin from
 * stdin_path (default /dev/null), stdout/stderr to files (default: inherited), its own process
 * group when new_group is set (then a timeout or cancel kills the whole group: a shell and all it
 * started), default dispositions for SIGINT/SIGTERM/SIGPIPE and an empty signal mask. Nothing of
 * the caller's is kept after spawn_run returns.
 */
#ifndef MLAC_CORE_SPAWN_H
#define MLAC_CORE_SPAWN_H

#include <signal.h>
#include "core/error.h"

typedef struct spawn_opts {
    const char *const *argv;             /* argv[0] is the program: a path, or a name looked up in PATH */
    char *const *env;                    /* NULL: the caller's environment */
    const char *dir;                     /* working directory; NULL: the caller's */
    const char *stdin_path;              /* NULL: /dev/null */
    const char *stdout_path;             /* NULL: inherited; else truncated and written */
    const char *stderr_path;             /* NULL: inherited */
    double timeout_s;                    /* <= 0: no deadline */
    const volatile sig_atomic_t *cancel; /* may be NULL; when it becomes non-zero the child is killed */
    int new_group;                       /* run in a process group of its own */
} spawn_opts;

typedef struct spawn_result {
    int exited;    /* 1: it exited, with code; 0: killed by signal number code */
    int code;
    int timed_out; /* killed at the deadline */
    int cancelled; /* killed because *cancel was set */
} spawn_result;

/* Runs the program to its end (or deadline/cancel). MLAC_EUNAVAIL when it cannot be started;
 * how it ended is in res either way. The message names argv[0]. */
int spawn_run(const spawn_opts *o, spawn_result *res, mlac_err *err);
/* 1 when res says the program exited with status 0. */
int spawn_succeeded(const spawn_result *res);

#endif
