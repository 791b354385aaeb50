/* alloc_sweep.h — the loop of every allocation-failure test (core/alloc.h, SQLite's approach):
 * counts the allocations of an unfailed run of a path, then runs the path with allocation k
 * failing for k = 1 .. count (every k, or every stride-th when count exceeds max_runs; the
 * sampled ks always include 1 and count). Each run must end in one of two ways:
 *   - an error with a message (the failure reached a caller), or
 *   - success with the very result of the unfailed run (the failure was recovered from, e.g. a
 *     cache entry not written), which the path's own check decides;
 * and after each run, the path's `after` callback checks the output folder (nothing half-written,
 * no temp file) and clears it. Leaks are caught by LeakSanitizer at exit in the ASan build.
 */
#ifndef MLAC_TEST_ALLOC_SWEEP_H
#define MLAC_TEST_ALLOC_SWEEP_H

#include "core/alloc.h"
#include "core/error.h"
#include "test.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct alloc_path {
    const char *name;
    /* Runs the path; returns its code. `reference` is 1 on the first (unfailed) run, which
     * records the result; on every later success the path CHECKs that its result equals it. */
    int (*run)(void *ctx, int reference, mlac_err *err);
    /* Checks and clears what the run left on disk (may be NULL); returns 0 when it is clean. */
    int (*after)(void *ctx, int rc);
    void *ctx;
    unsigned long max_runs; /* 0: every k */
} alloc_path;

static unsigned long alloc_sweep_k; /* the k being failed, for the paths' messages */

/* Sweeps one path; returns the number of allocations the unfailed run made. */
static inline unsigned long alloc_sweep(const alloc_path *p)
{
    mlac_err err = {0};
    alloc_fail_at(ULONG_MAX); /* counts without failing */
    int rc = p->run(p->ctx, 1, &err);
    unsigned long total = alloc_count();
    alloc_fail_at(0);
    CHECK_MSG(rc == MLAC_OK, "%s: the unfailed run failed: %s", p->name, err.msg);
    if (p->after)
        CHECK_MSG(p->after(p->ctx, rc) == 0, "%s: the unfailed run left a bad output folder", p->name);
    if (rc)
        return 0;
    unsigned long stride = 1;
    if (p->max_runs && total > p->max_runs)
        stride = (total + p->max_runs - 1) / p->max_runs;
    unsigned long runs = 0, errors = 0, recovered = 0, first = 1;
    const char *only = getenv("MLAC_ALLOC_SWEEP_K"); /* debugging: fail only this k (with MLAC_ALLOC_BACKTRACE) */
    if (only && strtoul(only, NULL, 10) >= 1 && strtoul(only, NULL, 10) <= total)
        first = strtoul(only, NULL, 10), stride = total;
    for (unsigned long k = first; k <= total; k = k < total && k + stride > total ? total : k + stride) {
        mlac_err e = {0};
        alloc_sweep_k = k;
        alloc_fail_at(k);
        rc = p->run(p->ctx, 0, &e);
        int fired = alloc_fail_fired();
        alloc_fail_at(0);
        runs++;
        if (!fired) /* the path's allocations vary (threads, caches): the result must still match */
            CHECK_MSG(rc == MLAC_OK, "%s: k=%lu did not fire, yet the run failed: %s", p->name, k, e.msg);
        else if (rc)
            CHECK_MSG(e.msg[0] != '\0', "%s: allocation %lu failed, code %d with no message", p->name, k, rc);
        else
            recovered++;
        if (rc && e.msg[0])
            errors++;
        if (p->after)
            CHECK_MSG(p->after(p->ctx, rc) == 0, "%s: allocation %lu failed and the output folder is not clean",
                      p->name, k);
    }
    printf("%s: %lu allocations, %lu failed in turn (stride %lu): %lu clean errors, %lu recovered with the "
           "unfailed result\n",
           p->name, total, runs, stride, errors, recovered);
    return total;
}

/* ---- output folders: every file either absent or byte-identical to the unfailed run's ---- */

typedef struct dir_file {
    char rel[512];
    char *data; /* (size,) */
    size_t size;
} dir_file;

typedef struct dir_snapshot {
    dir_file files[64];
    size_t n;
    int overflow;
} dir_snapshot;

static dir_snapshot *snap_target;
static size_t snap_root_len;

static inline int snap_visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)f;
    if (type != FTW_F)
        return 0;
    dir_snapshot *s = snap_target;
    if (s->n == sizeof s->files / sizeof *s->files) {
        s->overflow = 1;
        return 0;
    }
    dir_file *d = &s->files[s->n++];
    snprintf(d->rel, sizeof d->rel, "%s", path + snap_root_len);
    d->size = (size_t)st->st_size;
    d->data = malloc(d->size + 1);
    FILE *fp = fopen(path, "rb");
    if (!d->data || !fp || fread(d->data, 1, d->size, fp) != d->size)
        s->overflow = 1;
    else
        d->data[d->size] = '\0';
    if (fp)
        fclose(fp);
    return 0;
}

/* Reads every regular file under root (relative names, contents). */
static inline void dir_snapshot_take(const char *root, dir_snapshot *s)
{
    memset(s, 0, sizeof *s);
    snap_target = s;
    snap_root_len = strlen(root);
    nftw(root, snap_visit, 16, FTW_PHYS);
}

static inline void dir_snapshot_release(dir_snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i].data);
    s->n = 0;
}

/* 0 when every file under root is one of ref's, with the same bytes (a failed run may leave
 * fewer files, never a partial or temporary one); prints what differs. */
static inline int dir_check_subset(const char *root, const dir_snapshot *ref)
{
    dir_snapshot now;
    dir_snapshot_take(root, &now);
    int bad = now.overflow;
    for (size_t i = 0; i < now.n; i++) {
        const dir_file *f = &now.files[i], *r = NULL;
        for (size_t j = 0; j < ref->n && !r; j++)
            if (!strcmp(ref->files[j].rel, f->rel))
                r = &ref->files[j];
        if (!r) {
            fprintf(stderr, "  unexpected file %s (%zu bytes)\n", f->rel, f->size);
            bad = 1;
        } else if (r->size != f->size || memcmp(r->data, f->data, f->size)) {
            size_t at = 0;
            while (at < f->size && at < r->size && f->data[at] == r->data[at])
                at++;
            size_t from = at > 40 ? at - 40 : 0;
            fprintf(stderr, "  %s differs from the unfailed run's (%zu bytes, not %zu) at byte %zu: '%.80s' vs '%.80s'\n",
                    f->rel, f->size, r->size, at, f->data + from, r->data + from);
            bad = 1;
        }
    }
    dir_snapshot_release(&now);
    return bad;
}

static inline int rm_visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    if (f->level == 0)
        return 0;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes everything under root (root stays). */
static inline void dir_clear(const char *root)
{
    nftw(root, rm_visit, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new private folder under $TMPDIR. */
static inline void dir_make_temp(char *out, size_t n, const char *what)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, n, "%s/mlac-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    if (!mkdtemp(out)) {
        fprintf(stderr, "cannot make %s\n", out);
        exit(1);
    }
}

static inline void dir_remove(const char *root)
{
    dir_clear(root);
    rmdir(root);
}

#endif
