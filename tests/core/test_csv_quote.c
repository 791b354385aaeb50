/* test_csv_quote.c — core/csv.h: the writer quotes what needs it and round-trips through the
 * reader; csv_parse takes a BOM, CRLF and blank lines; hostile input is refused naming the file
 * and the physical line (issue 14 item 3; the tokeniser's own cases are in test_csv.c). */
#include "core/csv.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* Reads every record of text; returns the number read, or -1 on an error (err filled). */
static int count_records(const char *text, size_t len, mlac_err *err)
{
    csv_reader r;
    csv_reader_init(&r, text, len, "t.csv");
    strlist f;
    strlist_init(&f);
    int n = 0, got = 0, rc;
    while (!(rc = csv_next(&r, &f, &got, err)) && got)
        n++;
    strlist_release(&f);
    return rc ? -1 : n;
}

static void expect_error(const char *text, size_t len, const char *want)
{
    mlac_err err = {0};
    CHECK_MSG(count_records(text, len, &err) == -1, "accepted: %s", want);
    CHECK_MSG(strstr(err.msg, want) && strstr(err.msg, "'t.csv' line"), "'%s' lacks '%s'", err.msg, want);
}

int main(void)
{
    mlac_err err = {0};
    /* writer: plain fields as they are, the rest quoted with doubled quotes */
    static const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "", "\"", "trailing,"};
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        CHECK_OK(csv_quote(&b, fields[i], &err), &err);
        buf_puts(&b, i + 1 < sizeof fields / sizeof *fields ? "," : "\r\n", NULL);
    }
    CHECK(!strncmp(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"", 36));
    CHECK(!csv_needs_quotes("coyote/data/pos/x.wav") && csv_needs_quotes("x,y"));
    buf_puts(&b, "last,row\n", NULL);
    csv_reader r;
    csv_reader_init(&r, b.data, b.len, "t.csv");
    strlist f;
    strlist_init(&f);
    int got = 0;
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(got && f.n == sizeof fields / sizeof *fields);
    for (size_t i = 0; i < f.n && i < sizeof fields / sizeof *fields; i++)
        CHECK_MSG(!strcmp(f.items[i], fields[i]), "field %zu: '%s'", i, f.items[i]);
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(got && f.n == 2 && !strcmp(f.items[1], "row"));
    CHECK(r.record_line == 4); /* the first record spans physical lines 1-3 */
    CHECK_OK(csv_next(&r, &f, &got, &err), &err);
    CHECK(!got);
    strlist_release(&f);
    buf_release(&b);

    /* a BOM, CRLF, a missing final newline, blank lines skipped by csv_parse */
    const char *t = "\xEF\xBB\xBF" "file,label\r\n\r\n\"x,1.wav\",1\r\ny.wav,0";
    csv_table tab;
    CHECK_OK(csv_parse(t, strlen(t), "t.csv", &tab, &err), &err);
    CHECK(tab.n_cols == 2 && tab.n_rows == 2 && csv_col(&tab, "file") == 0);
    CHECK(!strcmp(csv_get(&tab, 0, 0), "x,1.wav") && !strcmp(csv_get(&tab, 1, 1), "0"));
    csv_release(&tab);

    /* hostile input: each refused with the file and line */
    expect_error("a,b\n\"open,never closed\n1,2\n", 27, "line 2: a quoted field is never closed");
    expect_error("a,\"b\"c\n", 7, "text after the closing quote");
    expect_error("a,b\0c\n", 6, "a NUL byte");
    expect_error("a\"b\n", 4, "a quote inside an unquoted field");
    expect_error("\"a\0\"\n", 5, "a NUL byte");
    {
        char wide[CSV_MAX_FIELDS * 2 + 8];
        size_t n = 0;
        for (int i = 0; i <= CSV_MAX_FIELDS; i++)
            wide[n++] = 'x', wide[n++] = ',';
        wide[n++] = '\n';
        expect_error(wide, n, "more than 256 fields");
    }
    {
        size_t n = CSV_MAX_FIELD + 16;
        char *big = malloc(n);
        CHECK(big != NULL);
        if (big) {
            memset(big, 'x', n);
            big[n - 1] = '\n';
            expect_error(big, n, "a field longer than");
            free(big);
        }
    }
    t = "a,b\n1,2,3\n";
    mlac_err e2 = {0};
    CHECK(csv_parse(t, strlen(t), "t.csv", &tab, &e2) == MLAC_EFORMAT && strstr(e2.msg, "line 2: 3 fields"));
    CHECK(csv_parse("", 0, "t.csv", &tab, &e2) == MLAC_EFORMAT && strstr(e2.msg, "empty"));
    /* a quote alone at the end of the text */
    expect_error("\"", 1, "never closed");
    TEST_MAIN_END();
}
