/* test_utf8.c — RFC 3629 validity (overlong forms, surrogates, code points past U+10FFFF, cut
 * sequences) and the \xNN escaping of invalid bytes in messages. */
#include "core/utf8.h"
#include "test.h"

int main(void)
{
    CHECK(utf8_valid("coyote") && utf8_valid("Turdus migratorius") && utf8_valid(""));
    CHECK(utf8_valid("gr\xC3\xBCn") && utf8_valid("\xE6\x97\xA5\xE6\x9C\xAC") && utf8_valid("\xF0\x9F\x90\xB8"));
    CHECK(!utf8_valid("bad\xFF"));             /* never valid */
    CHECK(!utf8_valid("\xC0\xAF"));            /* overlong '/' */
    CHECK(!utf8_valid("\xE0\x80\xAF"));        /* overlong, 3 bytes */
    CHECK(!utf8_valid("\xED\xA0\x80"));        /* a surrogate */
    CHECK(!utf8_valid("\xF4\x90\x80\x80"));    /* past U+10FFFF */
    CHECK(!utf8_valid("cut\xE6\x97"));         /* a cut sequence */
    CHECK(!utf8_valid("latin1 caf\xE9 name")); /* Latin-1 text */
    char out[64];
    utf8_escape("caf\xE9-gr\xC3\xBCn", out, sizeof out);
    CHECK(!strcmp(out, "caf\\xE9-gr\xC3\xBCn"));
    utf8_escape("\xFF\xFF\xFF\xFF\xFF\xFF", out, 12); /* bounded */
    CHECK(strlen(out) < 12);
    TEST_MAIN_END();
}
