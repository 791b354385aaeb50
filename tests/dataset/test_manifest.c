/* test_manifest.c — clips from a labels CSV (dataset_scan_manifest) and unreadable clips
 * (dataset_check_clips, dataset_drop_clips), issue 13: a flat folder with quoted names, label
 * words mapped by flags or decided (and said), every bad CSV refused naming the line, bad
 * clips left out or refused, the same list and fingerprint on 1 or 4 threads, and merge's
 * replay of the list giving the same fingerprint. */
#include "core/fsutil.h"
#include "dataset/dataset.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static char root[64];

static const unsigned char k_wav[] = {'R', 'I', 'F', 'F', 40, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0,
                                      0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0, 'd', 'a', 't',
                                      'a', 4, 0, 0, 0, 1, 0, 2, 0};

static void put(const char *rel, const void *data, size_t n)
{
    char path[512];
    mlac_err err;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_OK(fs_write_atomic(path, data, n, &err), &err);
}

static void put_text(const char *rel, const char *text)
{
    put(rel, text, strlen(text));
}

/* Scans root with the manifest rel (written with text); returns the status. */
static int scan(const char *rel, const char *text, const char *pos, const char *neg, dataset *d, mlac_err *err)
{
    char csv[512];
    snprintf(csv, sizeof csv, "%s/%s", root, rel);
    put_text(rel, text);
    store *s = NULL;
    int rc = store_open(root, &s, err);
    dataset_source src = {NEG_AUTO, csv, pos, neg};
    if (!rc)
        rc = dataset_scan_manifest(s, &src, d, err);
    store_free(s);
    return rc;
}

static const char *k_csv = "file,species,label,site\n"
                           "\"a, one.wav\",Turdus migratorius,song,s1\n"
                           "b.wav,Turdus migratorius,song,s2\n"
                           "c.wav,Turdus migratorius,wind,s1\n"
                           "d.wav,Turdus migratorius,wind,s2\n"
                           "sub/e.wav,frog,call,s1\n"
                           "sub/f.wav,frog,call,s2\n"
                           "./g.wav,frog,background,s1\n"
                           "h.wav,frog,background,s2\n";

static void test_scan(void)
{
    mlac_err err = {0};
    dataset d;
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    CHECK(d.n == 2 && !strcmp(d.species[0].name, "Turdus migratorius") && !strcmp(d.species[1].name, "frog"));
    const species_data *t = &d.species[0], *f = &d.species[1];
    CHECK(t->n_pos == 2 && t->n_neg == 2 && f->n_pos == 2 && f->n_neg == 2);
    CHECK(!strcmp(t->clips[0].path, "a, one.wav") && t->clips[0].label == 1); /* 'song' < 'wind': guessed */
    CHECK_MSG(strstr(t->label_map, "'song' -> positive, 'wind' -> negative (guessed"), "%s", t->label_map);
    CHECK_MSG(!strcmp(f->label_map, "'background' -> negative, 'call' -> positive"), "%s", f->label_map);
    CHECK(!strcmp(f->clips[2].path, "g.wav") && f->clips[2].label == 0); /* "./" dropped */
    CHECK(t->clips[0].group && !strcmp(t->clips[0].group, "s1") && t->labels_csv_groups);
    char fp[65];
    snprintf(fp, sizeof fp, "%s", d.fingerprint);
    dataset_release(&d);
    /* the flags decide; the same clips and labels give the same fingerprint */
    const char *swapped = "file,species,label,site\n\"a, one.wav\",Turdus migratorius,wind,s1\n"
                          "b.wav,Turdus migratorius,wind,s2\nc.wav,Turdus migratorius,song,s1\n"
                          "d.wav,Turdus migratorius,song,s2\nsub/e.wav,frog,call,s1\nsub/f.wav,frog,call,s2\n"
                          "g.wav,frog,background,s1\nh.wav,frog,background,s2\n";
    CHECK_OK(scan("labels2.csv", swapped, "", "", &d, &err), &err);
    CHECK(d.species[0].clips[0].label == 1 && !strcmp(d.species[0].clips[0].path, "c.wav")); /* guessed: song */
    dataset_release(&d);
    CHECK(scan("labels3.csv", "file,species,label\nx.wav,frog,call\ny.wav,frog,silence\n", "call", "", &d, &err) == 0);
    CHECK(d.species[0].n_pos == 1 && d.species[0].n_neg == 1 && strstr(d.species[0].label_map, "'silence' -> negative"));
    dataset_release(&d);
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    CHECK(!strcmp(fp, d.fingerprint));
    dataset_release(&d);
}

static void expect_error(const char *text, const char *pos, const char *neg, const char *want)
{
    mlac_err err = {0};
    dataset d;
    int rc = scan("bad.csv", text, pos, neg, &d, &err);
    CHECK_MSG(rc != 0 && strstr(err.msg, want), "rc %d, '%s', wanted '%s'", rc, err.msg, want);
}

static void test_errors(void)
{
    expect_error("name,kind\na.wav,x\n", "", "", "line 1: the header row must name the columns file, species and label");
    expect_error("file,species,label\n../x.wav,frog,call\n", "", "", "line 2: the file leaves the data root");
    expect_error("file,species,label\n/abs/x.wav,frog,call\n", "", "", "relative to the data root");
    expect_error("file,species,label\nx.wav,frog,call\nx.wav,frog,call\n", "", "", "lines 2 and 3: 'x.wav' is listed twice");
    expect_error("file,species,label\nx.wav,frog,a\ny.wav,frog,b\nz.wav,frog,c\n", "", "",
                 "species 'frog' has 3 label values ('a', 'b', 'c')");
    expect_error("file,species,label\nx.wav,frog,a\ny.wav,frog,b\n", "call", "", "no row labelled 'call'");
    expect_error("file,species,label\nx.wav,frog,a\ny.wav,frog,b\n", "a", "c", "neither --positive-label 'a' nor --negative-label 'c'");
    expect_error("file,species,label\nx.wav,frog\n", "", "", "line 2: expected 3 columns, got 2");
    expect_error("file,species,label\nx.wav,a/b,pos\n", "", "", "must not contain '/'");
    expect_error("file,species,label\n\"x.wav,frog,pos\n", "", "", "never closed");
    expect_error("file,species,label\n", "", "", "no clips listed");
    expect_error("file,species,label\nx.wav,frog,pos\ny.wav,frog,pos\n", "", "", "species 'frog' has no negatives");
}

static void test_bad_clips(void)
{
    mlac_err err = {0};
    dataset d;
    /* c.wav is not audio; sub/e.wav is missing */
    put_text("c.wav", "not audio at all");
    char path[512];
    snprintf(path, sizeof path, "%s/sub/e.wav", root);
    unlink(path);
    store *s = NULL;
    CHECK_OK(store_open(root, &s, &err), &err);
    char fp_all[65], fp1[65];
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    snprintf(fp_all, sizeof fp_all, "%s", d.fingerprint);
    CHECK(dataset_check_clips(s, &d, NULL, BAD_CLIP_FAIL, 1, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "2 unreadable clips") && strstr(err.msg, "c.wav") && strstr(err.msg, "sub/e.wav"), "%s",
              err.msg);
    dataset_release(&d);
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    CHECK_OK(dataset_check_clips(s, &d, NULL, BAD_CLIP_SKIP, 1, &err), &err);
    CHECK(d.n_bad == 2 && !strcmp(d.bad[0].path, "c.wav") && !strcmp(d.bad[1].path, "sub/e.wav"));
    CHECK(d.species[0].n_neg == 1 && d.species[0].n_pos == 2 && d.species[1].n_pos == 1 && d.species[1].n_clips == 3);
    CHECK(strcmp(d.fingerprint, fp_all) != 0);
    snprintf(fp1, sizeof fp1, "%s", d.fingerprint);
    char summary[256];
    dataset_bad_summary(&d, 1, summary, sizeof summary);
    CHECK_MSG(!strncmp(summary, "c.wav (", 7) && strstr(summary, "; and 1 more"), "%s", summary);
    dataset_release(&d);
    /* the same on 4 threads */
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    CHECK_OK(dataset_check_clips(s, &d, NULL, BAD_CLIP_SKIP, 4, &err), &err);
    CHECK(d.n_bad == 2 && !strcmp(d.fingerprint, fp1));
    dataset_release(&d);
    /* only the chosen species' clips are decoded */
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    strlist only;
    strlist_init(&only);
    strlist_push(&only, "frog", &err);
    CHECK_OK(dataset_check_clips(s, &d, &only, BAD_CLIP_SKIP, 2, &err), &err);
    CHECK(d.n_bad == 1 && !strcmp(d.bad[0].path, "sub/e.wav") && d.species[0].n_neg == 2);
    dataset_release(&d);
    /* merge replays the list without decoding: the same fingerprint */
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    strlist paths;
    strlist_init(&paths);
    strlist_push(&paths, "sub/e.wav", &err);
    strlist_push(&paths, "c.wav", &err);
    CHECK_OK(dataset_drop_clips(&d, &paths, "unreadable when the run started", &err), &err);
    CHECK(!strcmp(d.fingerprint, fp1));
    dataset_release(&d);
    /* a species with every negative unreadable is an error */
    put_text("d.wav", "");
    CHECK_OK(scan("labels.csv", k_csv, "", "", &d, &err), &err);
    CHECK(dataset_check_clips(s, &d, NULL, BAD_CLIP_SKIP, 1, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "species 'Turdus migratorius': no negative clip is readable"), "%s", err.msg);
    dataset_release(&d); /* the caller's on an error, as spec_load_dataset does */
    strlist_release(&only);
    strlist_release(&paths);
    store_free(s);
    enum bad_clip_mode m;
    CHECK(dataset_parse_bad_clip("fail", &m, &err) == 0 && m == BAD_CLIP_FAIL);
    CHECK(dataset_parse_bad_clip("ignore", &m, &err) == MLAC_EINVAL && strstr(err.msg, "on_bad_clip"));
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/mlac-manifest-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    const char *names[] = {"a, one.wav", "b.wav", "c.wav", "d.wav", "sub/e.wav", "sub/f.wav", "g.wav", "h.wav", "x.wav", "y.wav"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        put(names[i], k_wav, sizeof k_wav);
    test_scan();
    test_errors();
    test_bad_clips();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
