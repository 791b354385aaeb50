/* test_csv.c — the RFC 4180 reader: quoted commas, doubled quotes, line breaks inside quotes,
 * CRLF, a BOM, a last record without a line break, and the format errors (an open quote, text
 * after a closing quote, a bare quote, too many fields) with their line numbers. */
#include "core/csv.h"
#include "test.h"

/* Reads every record of text; returns the records' fields joined by '|' and records by '/'. */
static int read_all(const char *text, char *out, size_t cap, mlac_err *err)
{
    csv_reader r;
    csv_reader_init(&r, text, strlen(text), "t.csv");
    strlist f;
    strlist_init(&f);
    out[0] = '\0';
    int got = 0, rc;
    while (!(rc = csv_next(&r, &f, &got, err)) && got) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s", len ? "/" : "");
        for (size_t i = 0; i < f.n; i++) {
            len = strlen(out);
            snprintf(out + len, cap - len, "%s%s", i ? "|" : "", f.items[i]);
        }
    }
    strlist_release(&f);
    return rc;
}

int main(void)
{
    char out[512];
    mlac_err err = {0};
    CHECK_OK(read_all("file,species,label\na.wav,coyote,1\n", out, sizeof out, &err), &err);
    CHECK_MSG(!strcmp(out, "file|species|label/a.wav|coyote|1"), "%s", out);
    CHECK_OK(read_all("\"a, b.wav\",\"Turdus migratorius\",\"say \"\"hi\"\"\"\r\nx,y,z", out, sizeof out, &err), &err);
    CHECK_MSG(!strcmp(out, "a, b.wav|Turdus migratorius|say \"hi\"/x|y|z"), "%s", out);
    CHECK_OK(read_all("\xEF\xBB\xBF\"two\nlines.wav\",pos\n,\n", out, sizeof out, &err), &err);
    CHECK_MSG(!strcmp(out, "two\nlines.wav|pos/|"), "%s", out);
    CHECK_OK(read_all("", out, sizeof out, &err), &err);
    CHECK(out[0] == '\0');
    /* line numbers count the line breaks inside quotes */
    csv_reader r;
    strlist f;
    strlist_init(&f);
    int got;
    const char *t = "\"a\nb\",1\nc,2\n";
    csv_reader_init(&r, t, strlen(t), "t.csv");
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(got && r.record_line == 1 && f.n == 2);
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(got && r.record_line == 3 && !strcmp(f.items[0], "c"));
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(!got);
    strlist_release(&f);
    /* errors name the file and line */
    CHECK(read_all("a,b\n\"open,c\n", out, sizeof out, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "t.csv") && strstr(err.msg, "line 2") && strstr(err.msg, "never closed"), "%s", err.msg);
    CHECK(read_all("\"a\"x,b\n", out, sizeof out, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "after the closing quote"), "%s", err.msg);
    CHECK(read_all("ok\nab\"c,d\n", out, sizeof out, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "line 2") && strstr(err.msg, "quote inside"), "%s", err.msg);
    char many[CSV_MAX_FIELDS * 2 + 8];
    size_t k = 0;
    for (int i = 0; i <= CSV_MAX_FIELDS; i++)
        many[k++] = 'x', many[k++] = ',';
    many[k - 1] = '\n';
    many[k] = '\0';
    CHECK(read_all(many, out, sizeof out, &err) == MLAC_EFORMAT);
    CHECK_MSG(strstr(err.msg, "more than"), "%s", err.msg);
    TEST_MAIN_END();
}
