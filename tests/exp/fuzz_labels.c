/* fuzz_labels.c — libFuzzer target for the CSV files mlac reads about clips: the input is a
 * species' data/labels.csv (dataset_scan over a private temporary data root holding a few clip
 * files) and, separately, the --groups CSV applied to a folder-layout species (groups_apply).
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/labels/, replayed on every test run
 * by test_fuzz_labels.c. Findings go there as fuzz_<what>.csv.
 * Invariants: no crash, sanitizer report or hang; every refusal carries a message (a groups
 * refusal says "groups"); a scanned species' clip counts add up (n_pos + n_neg =
 * n_clips) and every clip path lies under the species (negatives taken from the others
 * excepted); applied groups give every clip a gid
 * below n_groups. The verdict is the labels.csv scan's.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "core/fsutil.h"
#include "core/log.h"
#include "dataset/dataset.h"
#include "exp/groups.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

static char fl_root[256];
static const char *fl_files[] = {"lab/data/labels.csv", "lab/data/a.wav", "lab/data/b.wav", "lab/data/sub/c.wav",
                                 "grp/data/pos/a.wav", "grp/data/pos/b.wav", "grp/data/neg/c.wav",
                                 "grp/data/neg/d.wav", "groups.csv"};

static void fl_cleanup(void)
{
    char p[600];
    for (size_t i = 0; i < sizeof fl_files / sizeof fl_files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", fl_root, fl_files[i]);
        unlink(p);
    }
    const char *dirs[] = {"lab/data/sub", "lab/data", "lab", "grp/data/pos", "grp/data/neg", "grp/data", "grp", ""};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", fl_root, dirs[i]);
        rmdir(p);
    }
}

static int fl_write(const char *rel, const void *data, size_t n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", fl_root, rel);
    mlac_err err = {0};
    if (fs_mkdir_parent(p, &err))
        return -1;
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    int bad = fwrite(data, 1, n, f) != n;
    return fclose(f) || bad ? -1 : 0;
}

static int fl_setup(void)
{
    if (fl_root[0])
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(fl_root, sizeof fl_root, "%s/mlac-fuzz-labels-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fl_root))
        return -1;
    atexit(fl_cleanup);
    for (size_t i = 1; i + 1 < sizeof fl_files / sizeof fl_files[0]; i++)
        if (fl_write(fl_files[i], "RIFF", 4))
            return -1;
    return 0;
}

static void check_species(const dataset *d)
{
    for (size_t s = 0; s < d->n; s++) {
        const species_data *sp = &d->species[s];
        if (sp->n_pos + sp->n_neg != sp->n_clips)
            abort();
        size_t k = strlen(sp->name);
        for (size_t i = 0; i < sp->n_clips; i++) /* negatives may be other species' positives */
            if ((strncmp(sp->clips[i].path, sp->name, k) || sp->clips[i].path[k] != '/') &&
                (sp->clips[i].label == 1 || !sp->negatives_from_others))
                abort();
    }
}

static int scan(dataset *d, mlac_err *err)
{
    store *s = NULL;
    memset(d, 0, sizeof *d);
    int rc = store_open(fl_root, &s, err);
    if (!rc)
        rc = dataset_scan(s, NEG_AUTO, d, err);
    store_free(s);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_init(LOG_OFF, 0);
    if (fl_setup())
        abort();
    /* labels.csv */
    if (fl_write("lab/data/labels.csv", data, size) || fl_write("groups.csv", "", 0))
        abort();
    dataset d;
    mlac_err err = {0};
    int rc = scan(&d, &err);
    if (rc && !err.msg[0])
        abort();
    if (!rc) {
        check_species(&d);
        dataset_release(&d);
    }
    fuzz_verdict = rc != 0;
    /* the groups file, applied to the folder-layout species */
    if (fl_write("lab/data/labels.csv", "a.wav,1\nb.wav,0\n", 16) || fl_write("groups.csv", data, size))
        abort();
    mlac_err e2 = {0};
    if (scan(&d, &e2) == MLAC_OK) {
        char path[600];
        snprintf(path, sizeof path, "%s/groups.csv", fl_root);
        group_settings g;
        if (groups_parse("", path, &g, &e2) == MLAC_OK) {
            int grc = groups_apply(&g, &d, NULL, &e2);
            if (grc && !strstr(e2.msg, "groups"))
                abort();
            for (size_t s = 0; !grc && s < d.n; s++)
                for (size_t i = 0; d.species[s].n_groups && i < d.species[s].n_clips; i++)
                    if (d.species[s].clips[i].gid < 0 || (size_t)d.species[s].clips[i].gid >= d.species[s].n_groups)
                        abort();
        }
        dataset_release(&d);
    }
    return 0;
}
