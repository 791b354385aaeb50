/* test_quoted_names.c — issue 14 item 3: a clip whose name holds a comma, a quote and a newline
 * read back by each CSV reader of clips that was hand-split before (a species' data/labels.csv,
 * the --groups CSV, a BirdNET-Analyzer embeddings CSV), as RFC 4180 (core/csv.h) with CRLF line
 * ends and a byte-order mark; and the same names unquoted are refused naming the file and line.
 */
#include "core/fsutil.h"
#include "core/log.h"
#include "dataset/dataset.h"
#include "embed/embed_parse.h"
#include "exp/groups.h"
#include "store/store.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEIRD "we,ird \"q\"\nname.wav" /* the clip's name on disk */
#define WEIRD_CSV "\"we,ird \"\"q\"\"\nname.wav\"" /* the same, as one CSV field */

static char root[64];

static void put(const char *rel, const char *text)
{
    char path[512];
    mlac_err err = {0};
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_OK(fs_mkdir_parent(path, &err), &err);
    CHECK_OK(fs_write_atomic(path, text, strlen(text), &err), &err);
}

static int scan(dataset *d, mlac_err *err)
{
    store *s = NULL;
    int rc = store_open(root, &s, err);
    if (!rc)
        rc = dataset_scan(s, NEG_AUTO, d, err);
    store_free(s);
    return rc;
}

static const clip_ref *clip_named(const dataset *d, const char *species, const char *path)
{
    const species_data *sp = dataset_find(d, species);
    for (size_t i = 0; sp && i < sp->n_clips; i++)
        if (!strcmp(sp->clips[i].path, path))
            return &sp->clips[i];
    return NULL;
}

/* <species>/data/labels.csv with a header and a group column, CRLF and a BOM */
static void test_labels_csv(void)
{
    put("lab/data/" WEIRD, "RIFF");
    put("lab/data/b.wav", "RIFF");
    put("lab/data/labels.csv", "\xEF\xBB\xBF" "file,label,group\r\n" WEIRD_CSV ",pos,\"r,1\"\r\nb.wav,neg,r2\r\n");
    dataset d;
    mlac_err err = {0};
    CHECK_OK(scan(&d, &err), &err);
    const clip_ref *c = clip_named(&d, "lab", "lab/data/" WEIRD);
    CHECK_MSG(c && c->label == 1 && c->group && !strcmp(c->group, "r,1"), "the quoted clip of labels.csv");
    CHECK(dataset_find(&d, "lab") && dataset_find(&d, "lab")->n_clips == 2);
    dataset_release(&d);

    /* headerless rows: the quoted name is one field */
    put("lab/data/labels.csv", WEIRD_CSV ",1\nb.wav,0\n");
    CHECK_OK(scan(&d, &err), &err);
    c = clip_named(&d, "lab", "lab/data/" WEIRD);
    CHECK(c && c->label == 1);
    dataset_release(&d);

    /* unquoted, the quote is refused, naming the file and line */
    put("lab/data/labels.csv", "file,label\nb.wav,0\nwe\"ird.wav,1\n");
    CHECK(scan(&d, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "lab/data/labels.csv' line 3") != NULL, "got: %s", err.msg);
    /* a comma in an unquoted name makes three fields: refused, not split at a guess */
    put("lab/data/labels.csv", "b.wav,0\nwe,ird.wav,1\n");
    CHECK(scan(&d, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "line 2: expected 'file,label', got 3 fields") != NULL, "got: %s", err.msg);
    /* a file listed twice would count twice */
    put("lab/data/labels.csv", "file,label\nb.wav,0\n" WEIRD_CSV ",1\nb.wav,neg\n");
    CHECK(scan(&d, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "lines 2 and 5: 'lab/data/b.wav' is listed twice") != NULL, "got: %s", err.msg);
    put("lab/data/labels.csv", "file,label\nb.wav,0\n" WEIRD_CSV ",1\n");
}

/* --groups FILE.csv over a folder-layout species */
static void test_groups_csv(void)
{
    put("grp/data/pos/" WEIRD, "RIFF");
    put("grp/data/pos/a.wav", "RIFF");
    put("grp/data/neg/c.wav", "RIFF");
    put("grp/data/neg/d.wav", "RIFF");
    put("groups.csv", "\xEF\xBB\xBF" "file,group\r\n\"grp/data/pos/we,ird \"\"q\"\"\nname.wav\",\"g \"\"1\"\"\"\r\n"
                      "grp/data/pos/a.wav,g2\r\ngrp/data/neg/c.wav,g2\r\ngrp/data/neg/d.wav,\"g \"\"1\"\"\"\r\n");
    dataset d;
    mlac_err err = {0};
    CHECK_OK(scan(&d, &err), &err);
    char path[256];
    snprintf(path, sizeof path, "%s/groups.csv", root);
    group_settings g;
    CHECK_OK(groups_parse("", path, &g, &err), &err);
    strlist only;
    strlist_init(&only);
    CHECK_OK(strlist_push(&only, "grp", &err), &err);
    CHECK_OK(groups_apply(&g, &d, &only, &err), &err);
    const clip_ref *c = clip_named(&d, "grp", "grp/data/pos/" WEIRD), *dd = clip_named(&d, "grp", "grp/data/neg/d.wav");
    CHECK_MSG(c && c->group && !strcmp(c->group, "g \"1\"") && dd && dd->gid == c->gid, "the quoted clip's group");
    CHECK(dataset_find(&d, "grp")->n_groups == 2);
    dataset_release(&d);

    /* an unterminated quote is named by the line it opens on */
    put("groups.csv", "file,group\ngrp/data/pos/a.wav,g2\n\"grp/data/pos/x.wav,g1\n");
    CHECK_OK(scan(&d, &err), &err);
    CHECK(groups_apply(&g, &d, &only, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "groups.csv' line 3: a quoted field is never closed") != NULL, "got: %s", err.msg);
    dataset_release(&d);
    strlist_release(&only);
}

/* a BirdNET-Analyzer embeddings CSV */
static void test_embeddings_csv(void)
{
    static const char text[] = "\xEF\xBB\xBF" "file_path,start,end,embedding\r\n"
                               "\"/x/we,ird \"\"q\"\"\nname.wav\",0.0,3.0,\"0.5,0.25\"\r\n"
                               "/x/plain, with comma.wav,0.0,3.0,\"1,2\"\r\n";
    embed_set s;
    embed_set_init(&s);
    mlac_err err = {0};
    CHECK_OK(embed_parse_birdnet_csv(text, sizeof text - 1, "emb.csv", &s, &err), &err);
    CHECK_OK(embed_set_finish(&s, &err), &err);
    const embed_entry *e = embed_set_get(&s, "/x/we,ird \"q\"\nname");
    CHECK_MSG(e && e->n == 1 && s.dim == 2 && s.rows[e->first * 2] == 0.5f && s.rows[e->first * 2 + 1] == 0.25f,
              "the quoted path's entry (%zu entries)", s.n_entries);
    e = embed_set_get(&s, "/x/plain, with comma");
    CHECK_MSG(e && s.rows[e->first * 2] == 1.0f, "an unquoted path with a comma (BirdNET-Analyzer writes them so)");
    embed_set_release(&s);

    /* a stray quote in an unquoted path, on line 3 (after a quoted newline on line 2) */
    static const char bad[] = "file_path,start,end,embedding\n\"a\nb.wav\",0,3,\"1,2\"\nc\"d.wav,0,3,\"1,2\"\n";
    embed_set_init(&s);
    CHECK(embed_parse_birdnet_csv(bad, sizeof bad - 1, "emb.csv", &s, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "'emb.csv' line 4") != NULL, "got: %s", err.msg);
    embed_set_release(&s);
}

int main(void)
{
    log_init(LOG_OFF, 0);
    snprintf(root, sizeof root, "/tmp/mlac-quoted-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    test_labels_csv();
    test_groups_csv();
    test_embeddings_csv();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
