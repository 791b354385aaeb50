/* test_groups.c — where groups come from (labels.csv column, --groups CSV, a regex with one
 * capture group, the folder, none), their place in the run id, and every bad input refused with
 * a message naming the file or field before any work (issue 12). */
#include "exp/settings.h"
#include "core/fsutil.h"
#include "exp/grid.h"
#include "exp/leakage.h"
#include "exp/spec.h"
#include "test.h"

#include <stdlib.h>

static char root[64];

/* A readable clip: the run decodes every clip before its folds (unreadable ones are left out). */
static const unsigned char k_wav[] = {'R', 'I', 'F', 'F', 40, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0,
                                      0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0, 'd', 'a', 't',
                                      'a', 4, 0, 0, 0, 1, 0, 2, 0};

static void write_text(const char *rel, const char *text)
{
    char path[512];
    mlac_err err;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    size_t len = strlen(rel);
    if (len > 4 && !strcmp(rel + len - 4, ".wav"))
        CHECK_OK(fs_write_atomic(path, k_wav, sizeof k_wav, &err), &err);
    else
        CHECK_OK(fs_write_atomic(path, text, strlen(text), &err), &err);
}

/* coyote: 6 recordings x 3 windows per class, in site folders; frog: labels.csv with a group column. */
static void build_layout(void)
{
    char rel[256];
    for (int r = 0; r < 6; r++)
        for (int w = 0; w < 3; w++) {
            snprintf(rel, sizeof rel, "coyote/data/pos/site%d/rec%02d_w%d.wav", r % 3, r, w), write_text(rel, "x");
            snprintf(rel, sizeof rel, "coyote/data/neg/site%d/rec%02d_w%d.wav", r % 3, 10 + r, w), write_text(rel, "x");
        }
    char csv[4096] = "file,label,recording\n";
    for (int i = 0; i < 12; i++) {
        snprintf(rel, sizeof rel, "frog/data/f%02d.wav", i), write_text(rel, "x");
        size_t len = strlen(csv);
        snprintf(csv + len, 3000 - len, "f%02d.wav,%d,r%d\n", i, i < 6, i / 2);
    }
    write_text("frog/data/labels.csv", csv);
}

static const char *const k_defaults[][2] = {{"species", "coyote"}, {"cv_folds", "3"}, {"models", "svm"},
                                             {"training_sizes", "2,100"}};

/* Builds and validates a spec as the CLI does (flags key=value pairs); run_id gets the derived id. */
static int try_groups(const char *species, const char *group_by, const char *groups_csv, const char *folds, char *run_id,
                      dataset *keep, mlac_err *err)
{
    config cfg;
    exp_spec spec;
    store *s = NULL;
    dataset d = {0};
    settings_init(&cfg, err);
    config_set(&cfg, "data", root, SRC_FLAG, "test", err);
    for (size_t i = 0; i < sizeof k_defaults / sizeof k_defaults[0]; i++)
        config_set(&cfg, k_defaults[i][0], k_defaults[i][1], SRC_FLAG, "test", err);
    if (species)
        config_set(&cfg, "species", species, SRC_FLAG, "test", err);
    if (group_by)
        config_set(&cfg, "group_by", group_by, SRC_FLAG, "--group-by", err);
    if (groups_csv)
        config_set(&cfg, "groups", groups_csv, SRC_FLAG, "--groups", err);
    if (folds)
        config_set(&cfg, "cv_folds", folds, SRC_FLAG, "--cv-folds", err);
    int rc = spec_from_config(&cfg, &spec, err);
    if (!rc) {
        store_open(root, &s, err);
        rc = spec_load_dataset(&spec, s, &d, err);
        if (!rc)
            rc = spec_validate(&spec, &d, err);
        if (!rc && run_id) {
            rc = spec_derive_run_id(&spec, &d, err);
            snprintf(run_id, 128, "%s", spec.run_id);
        }
        if (!rc && keep)
            *keep = d;
        else
            dataset_release(&d);
        store_free(s);
        spec_release(&spec);
    }
    config_release(&cfg);
    return rc;
}

static const char *group_of(const dataset *d, const char *species, const char *path)
{
    const species_data *sp = dataset_find(d, species);
    for (size_t k = 0; sp && k < sp->n_clips; k++)
        if (!strcmp(sp->clips[k].path, path))
            return sp->clips[k].group ? sp->clips[k].group : "(none)";
    return "(missing)";
}

static void test_sources(void)
{
    mlac_err err = {0};
    dataset d;
    char id_plain[128], id_none[128], id_re[128], id_folder[128];
    /* no grouping: not grouped, and the run id is the one of a spec without group keys */
    CHECK_OK(try_groups(NULL, NULL, NULL, NULL, id_plain, &d, &err), &err);
    CHECK(dataset_find(&d, "coyote")->n_groups == 0);
    dataset_release(&d);
    CHECK_OK(try_groups(NULL, "none", NULL, NULL, id_none, NULL, &err), &err);
    CHECK(!strcmp(id_plain, id_none));
    /* a regex with \d and one capture group, over the path below pos/neg */
    CHECK_OK(try_groups(NULL, "re:^site\\d/(.+)_w\\d+\\.wav$", NULL, NULL, id_re, &d, &err), &err);
    const species_data *c = dataset_find(&d, "coyote");
    CHECK(c->n_groups == 12);
    CHECK(!strcmp(group_of(&d, "coyote", "coyote/data/pos/site1/rec04_w2.wav"), "rec04"));
    dataset_release(&d);
    CHECK(strcmp(id_re, id_plain) != 0); /* grouping is part of the run's identity */
    /* the folder below pos/neg */
    CHECK_OK(try_groups(NULL, "folder", NULL, NULL, id_folder, &d, &err), &err);
    CHECK(dataset_find(&d, "coyote")->n_groups == 3);
    CHECK(!strcmp(group_of(&d, "coyote", "coyote/data/neg/site2/rec15_w0.wav"), "site2"));
    dataset_release(&d);
    CHECK(strcmp(id_folder, id_re) != 0);
    /* labels.csv's recording column, used without any flag */
    CHECK_OK(try_groups("frog", NULL, NULL, "3", NULL, &d, &err), &err);
    CHECK(dataset_find(&d, "frog")->n_groups == 6 && dataset_find(&d, "frog")->labels_csv_groups);
    CHECK(!strcmp(group_of(&d, "frog", "frog/data/f05.wav"), "r2"));
    dataset_release(&d);
    /* --group-by none turns it off */
    CHECK_OK(try_groups("frog", "none", NULL, "3", NULL, &d, &err), &err);
    CHECK(dataset_find(&d, "frog")->n_groups == 0);
    dataset_release(&d);
    /* a groups CSV of file,group rows relative to the data root (header optional) */
    char csv[8192] = "file,site\n", rel[256];
    for (int r = 0; r < 6; r++)
        for (int w = 0; w < 3; w++) {
            size_t len = strlen(csv);
            snprintf(csv + len, sizeof csv - len, "coyote/data/pos/site%d/rec%02d_w%d.wav,s%d\n"
                     "coyote/data/neg/site%d/rec%02d_w%d.wav,s%d\n", r % 3, r, w, r, r % 3, 10 + r, w, r + 10);
        }
    write_text("groups.csv", csv);
    snprintf(rel, sizeof rel, "%s/groups.csv", root);
    CHECK_OK(try_groups(NULL, NULL, rel, NULL, NULL, &d, &err), &err);
    CHECK(dataset_find(&d, "coyote")->n_groups == 12);
    CHECK(!strcmp(group_of(&d, "coyote", "coyote/data/neg/site0/rec13_w1.wav"), "s13"));
    dataset_release(&d);
    /* an unreadable clip is left out: the groups CSV's row for it is not an error (issue 13) */
    char bad_path[512];
    snprintf(bad_path, sizeof bad_path, "%s/coyote/data/pos/site0/rec00_w0.wav", root);
    CHECK_OK(fs_write_atomic(bad_path, "not audio", 9, &err), &err);
    CHECK_OK(try_groups(NULL, NULL, rel, NULL, NULL, &d, &err), &err);
    CHECK(d.n_bad == 1 && dataset_find(&d, "coyote")->n_pos == 17 && dataset_find(&d, "coyote")->n_groups == 12);
    dataset_release(&d);
    write_text("coyote/data/pos/site0/rec00_w0.wav", "x"); /* readable again */
    /* negatives borrowed from another species keep that species in their group name */
    store *s;
    group_settings g;
    CHECK_OK(store_open(root, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_OTHERS, &d, &err), &err);
    CHECK_OK(groups_parse("re:^(.+?)(?:_w\\d+)?\\.wav$", "", &g, &err), &err);
    CHECK_OK(groups_apply(&g, &d, NULL, &err), &err);
    CHECK(!strcmp(group_of(&d, "coyote", "frog/data/f03.wav"), "frog/f03"));
    CHECK(!strcmp(group_of(&d, "coyote", "coyote/data/pos/site1/rec04_w2.wav"), "site1/rec04"));
    dataset_release(&d);
    store_free(s);
}

static void test_errors(void)
{
    mlac_err err = {0};
    char csv_path[256], rel[300];
    static const struct { const char *species, *group_by, *csv, *folds, *expect; } bad[] = {
        {NULL, "re:^(.+_w\\d+\\.wav$", NULL, NULL, "does not compile"},
        {NULL, "re:^.+_w\\d+\\.wav$", NULL, NULL, "has 0 capture groups; it needs exactly one"},
        {NULL, "re:^(.+)_(w)\\d+\\.wav$", NULL, NULL, "has 2 capture groups"},
        {NULL, "re:", NULL, NULL, "'re:' needs a pattern"},
        {NULL, "recording", NULL, NULL, "group_by: expected none, folder or re:PATTERN"},
        {NULL, "re:^(x)?site.*$", NULL, NULL, "an empty group"},
        {NULL, "re:^nomatch(.+)$", NULL, NULL, "does not match clip 'coyote/data/"},
        {NULL, "re:^site\\d/(rec)\\d+_w\\d\\.wav$", NULL, NULL, "all 36 clips of species 'coyote' are in one group 'rec'"},
        {NULL, "folder", NULL, "4", "cv_folds: 4 grouped folds need at least 4 groups holding positives"},
        {"frog", "folder", NULL, "3", "is not in a folder below pos/ or neg/"},
        {NULL, "folder", "groups_ok.csv", NULL, "give either --groups FILE.csv or --group-by"},
        {NULL, NULL, "groups_unknown.csv", NULL, "line 3 names 'coyote/data/pos/ghost.wav', which is not a clip"},
        {NULL, NULL, "groups_missing.csv", NULL, "gives no group for clip 'coyote/data/"},
        {NULL, NULL, "groups_empty.csv", NULL, "groups_empty.csv' line 2: empty group"},
        {NULL, NULL, "groups_absent.csv", NULL, "groups: cannot"},
        {"frog", NULL, NULL, "3", "labels.csv' line 4: empty value in column 'group'"},
    };
    /* the CSV files of the table */
    write_text("groups_ok.csv", "coyote/data/pos/site0/rec00_w0.wav,a\n");
    char csv[8192] = "file,group\n";
    for (int r = 0; r < 6; r++)
        for (int w = 0; w < 3; w++) {
            size_t len = strlen(csv);
            snprintf(csv + len, sizeof csv - len, "coyote/data/pos/site%d/rec%02d_w%d.wav,g%d\n"
                     "coyote/data/neg/site%d/rec%02d_w%d.wav,h%d\n", r % 3, r, w, r, r % 3, 10 + r, w, r);
        }
    char *second = strchr(csv, '\n') + 1;
    second = strchr(second, '\n') + 1; /* after line 2 */
    char unknown[9000];
    snprintf(unknown, sizeof unknown, "%.*scoyote/data/pos/ghost.wav,g0\n%s", (int)(second - csv), csv, second);
    write_text("groups_unknown.csv", unknown);
    write_text("groups_missing.csv", "file,group\ncoyote/data/pos/site0/rec00_w0.wav,a\n");
    write_text("groups_empty.csv", "file,group\ncoyote/data/pos/site0/rec00_w0.wav,\n");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i].species && !strcmp(bad[i].species, "frog") && !bad[i].group_by)
            write_text("frog/data/labels.csv", "file,label,group\nf00.wav,1,a\nf01.wav,1,b\nf02.wav,1,\n");
        const char *csvp = NULL;
        if (bad[i].csv) {
            snprintf(csv_path, sizeof csv_path, "%s/%s", root, bad[i].csv);
            csvp = csv_path;
        }
        int rc = try_groups(bad[i].species, bad[i].group_by, csvp, bad[i].folds, NULL, NULL, &err);
        CHECK_MSG(rc != MLAC_OK && strstr(err.msg, bad[i].expect), "%s %s gave rc %d '%s'",
                  bad[i].group_by ? bad[i].group_by : "-", bad[i].csv ? bad[i].csv : "-", rc, err.msg);
    }
    (void)rel;
}

static void test_leakage(void)
{
    mlac_err err = {0};
    dataset d;
    CHECK_OK(try_groups(NULL, NULL, NULL, NULL, NULL, &d, &err), &err);
    leakage_info li;
    char msg[1024];
    CHECK(leakage_scan(dataset_find(&d, "coyote"), &li) == 1);
    CHECK(li.windows == 36 && li.recordings == 12);
    CHECK_MSG(!strcmp(li.suggest, "re:^(.+)_w\\d+\\.wav$"), "%s", li.suggest);
    CHECK(leakage_check(dataset_find(&d, "coyote"), msg, sizeof msg));
    CHECK_MSG(strstr(msg, "36 of 36 clips look like windows of 12 recordings") && strstr(msg, "--group-by"), "%s", msg);
    dataset_release(&d);
    /* counters like "coyote_pos_0001" are not windows */
    species_data sp = {0};
    clip_ref clips[40];
    char names[40][64];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "x/data/%s/x_%s_%04d.wav", i < 20 ? "pos" : "neg", i < 20 ? "pos" : "neg", i);
        clips[i] = (clip_ref){.path = names[i], .label = i < 20};
    }
    sp.clips = clips, sp.n_clips = 40;
    CHECK(!leakage_scan(&sp, &li));
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/mlac-groups-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    build_layout();
    test_sources();
    test_leakage();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
