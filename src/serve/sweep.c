/* sweep.c — before a worker (re)starts a run, removes the temporary files that a killed process
 * left in the run folder: fs_write_atomic writes "<path>.tmp.<pid>.<n>" and renames it, so a
 * kill -9 between the two leaves the temp file behind (the task itself reruns, as it never reached
 * the ledger). Only files of processes that no longer exist are removed; local stores only.
 */
#include "serve/serve_internal.h"
#include "store/store.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sweep_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    const char *base = strrchr(path, '/');
    const char *tmp = base ? strstr(base, ".tmp.") : NULL;
    if (type != FTW_F || !tmp)
        return 0;
    char *end;
    long pid = strtol(tmp + 5, &end, 10);
    if (end == tmp + 5 || *end != '.' || pid <= 0 || pid == (long)getpid())
        return 0;
    if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
        unlink(path);
    return 0;
}

void sweep_run_folder(const char *output_dir, const char *run_id)
{
    store *st = NULL;
    mlac_err err = {0};
    if (store_open(output_dir, &st, &err))
        return;
    char tmp[4400];
    const char *dir = store_local_path(st, run_id, tmp, sizeof tmp);
    if (dir && run_id[0])
        nftw(dir, sweep_one, 16, FTW_PHYS);
    store_free(st);
}
