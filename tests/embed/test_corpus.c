/* test_corpus.c — replays every file of tests/fixtures/embed/corpus/ through the parser its
 * name selects (STYLE.md habit 9: the fuzz target's corpus, kept and replayed), and the whole
 * corpus through every parser and the info-reply parser as the fuzz target does.
 *
 * Expectations come from tests/fixtures/embed/corpus_expect.json (written with the corpus by
 * tests/fixtures/gen/embed.py): ok_* files must parse to the given row count and dimension;
 * bad_* files must fail with a message that names the file and, when the fault is on one line,
 * that line ("line N"). fuzz_* files (fuzzer findings) may do either, but must not crash.
 */
#include "core/fsutil.h"
#include "embed/embed.h"
#include "embed/embed_parse.h"
#include "test.h"

#include <jansson.h>
#include <stdint.h>

#include "fuzz_import.c"

static int parse_by_name(const char *file, const char *path, const buf *b, embed_set *s, mlac_err *err)
{
    char stem[4096];
    switch (embed_file_kind_of(file, stem, sizeof stem)) {
    case EMBED_FILE_TXT:
        return embed_parse_birdnet_txt(b->data, b->len, path, stem, s, err);
    case EMBED_FILE_CSV:
        return embed_parse_birdnet_csv(b->data, b->len, path, s, err);
    case EMBED_FILE_NPY:
        return embed_parse_npy(b->data, b->len, path, stem, s, err);
    default:
        return mlac_errf(err, MLAC_EINVAL, "'%s': unknown kind", path);
    }
}

static void replay(const char *dir, const char *file, json_t *expect, int *n_ok, int *n_bad)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
    LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len); /* aborts on a broken invariant */
    embed_set s;
    embed_set_init(&s);
    int rc = parse_by_name(file, path, &b, &s, &err);
    json_t *e = json_object_get(expect, file);
    if (!strncmp(file, "ok_", 3)) {
        (*n_ok)++;
        CHECK_MSG(rc == 0, "%s: %s", file, err.msg);
        CHECK_MSG(e != NULL, "%s has no expectation", file);
        if (!rc && e) {
            CHECK_OK(embed_set_finish(&s, &err), &err);
            CHECK_MSG(s.n_rows == (size_t)json_integer_value(json_object_get(e, "rows")), "%s: %zu rows", file,
                      s.n_rows);
            CHECK_MSG(s.dim == (size_t)json_integer_value(json_object_get(e, "dim")), "%s: dim %zu", file, s.dim);
        }
    } else if (!strncmp(file, "bad_", 4)) {
        (*n_bad)++;
        CHECK_MSG(rc != 0, "%s parsed but must fail", file);
        CHECK_MSG(e != NULL, "%s has no expectation", file);
        CHECK_MSG(strstr(err.msg, file) != NULL, "%s: message does not name the file: %s", file, err.msg);
        long line = e ? (long)json_integer_value(json_object_get(e, "line")) : 0;
        if (line > 0) {
            char want[32];
            snprintf(want, sizeof want, "line %ld:", line);
            CHECK_MSG(strstr(err.msg, want) != NULL, "%s: expected '%s' in: %s", file, want, err.msg);
        }
    } else {
        CHECK_MSG(rc == 0 || err.msg[0], "%s failed without a message", file);
    }
    embed_set_release(&s);
    buf_release(&b);
}

/* Keys and order of a few corpus files, worked out by hand. */
static void check_keys(const char *dir)
{
    static const struct {
        const char *file, *key;
        size_t rows;
    } cases[] = {
        {"ok_bare_0.0_3.0.birdnet.embeddings.txt", "ok_bare", 1},
        {"ok_three.birdnet.embeddings.txt", "ok_three", 3},
        {"ok_comma_path.csv", "/a/b,c", 1},
        {"ok_quoted_path.csv", "/a/\"q\",x", 1},
        {"ok_bom_crlf.csv", "/a", 1},
        {"ok_matrix.npy", "ok_matrix", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[8400];
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        buf b;
        buf_init(&b, 0);
        mlac_err err = {0};
        embed_set s;
        embed_set_init(&s);
        CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
        CHECK_OK(parse_by_name(cases[i].file, path, &b, &s, &err), &err);
        CHECK_OK(embed_set_finish(&s, &err), &err);
        const embed_entry *e = embed_set_get(&s, cases[i].key);
        CHECK_MSG(e && e->n == cases[i].rows && s.n_entries == 1, "%s: key '%s'", cases[i].file, cases[i].key);
        embed_set_release(&s);
        buf_release(&b);
    }
    /* ok_matrix.npy is arange(12).reshape(3, 4): rows stay in order */
    char path[8400];
    snprintf(path, sizeof path, "%s/ok_matrix.npy", dir);
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    embed_set s;
    embed_set_init(&s);
    CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
    CHECK_OK(embed_parse_npy(b.data, b.len, path, "m", &s, &err), &err);
    CHECK_OK(embed_set_finish(&s, &err), &err);
    for (int i = 0; i < 12; i++)
        CHECK(s.rows[i] == (float)i);
    embed_set_release(&s);
    buf_release(&b);
}

static void check_limits(void)
{
    /* a line longer than the limit fails with its number instead of being read whole */
    size_t n = EMBED_PARSE_MAX_LINE + 16;
    char *t = malloc(n + 64);
    int k = snprintf(t, 64, "0\t3\t1,2\n");
    memset(t + k, '1', n);
    t[k + n - 1] = '\n';
    mlac_err err = {0};
    embed_set s;
    embed_set_init(&s);
    CHECK(embed_parse_birdnet_txt(t, (size_t)k + n, "long.txt", "long", &s, &err) == MLAC_ENOMEM);
    CHECK(strstr(err.msg, "long.txt") && strstr(err.msg, "line 2"));
    embed_set_release(&s);
    /* more values than EMBED_MAX_DIM in one vector */
    size_t m = 0;
    m += (size_t)snprintf(t, 64, "0\t3\t");
    for (int j = 0; j <= EMBED_MAX_DIM && m + 3 < n; j++) {
        t[m++] = '1';
        t[m++] = ',';
    }
    t[m - 1] = '\n';
    embed_set_init(&s);
    CHECK(embed_parse_birdnet_txt(t, m, "wide.txt", "wide", &s, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "wide.txt") && strstr(err.msg, "line 1"));
    embed_set_release(&s);
    free(t);
}

int main(void)
{
    const char *dir = test_fixture("embed/corpus");
    char dir_copy[4096];
    snprintf(dir_copy, sizeof dir_copy, "%s", dir);
    json_error_t jerr;
    json_t *expect = json_load_file(test_fixture("embed/corpus_expect.json"), 0, &jerr);
    CHECK_MSG(expect != NULL, "corpus_expect.json: %s", jerr.text);
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(dir_copy, &files, &err), &err);
    int n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < files.n; i++)
        replay(dir_copy, files.items[i], expect, &n_ok, &n_bad);
    CHECK(n_ok >= 10 && n_bad >= 25);
    printf("replayed %zu files (%d ok, %d bad)\n", files.n, n_ok, n_bad);
    check_keys(dir_copy);
    check_limits();
    strlist_release(&files);
    json_decref(expect);
    TEST_MAIN_END();
}
