/* report_testutil.h — helpers shared by the report tests: copy a fixture run into a fresh
 * temporary folder, read files, remove the folder, and pull numbers out of SVG text.
 *
 * The fixture runs under tests/fixtures/report/ are never written to: every test that renders
 * a report copies the run first, so reports land in the copy.
 */
#ifndef MLAC_TEST_REPORT_TESTUTIL_H
#define MLAC_TEST_REPORT_TESTUTIL_H

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "test.h"

/* fontconfig (under cairo's text) keeps its configuration for the life of the process; the
 * one-time allocation is not mlac's to free, so LeakSanitizer ignores it (tests/lsan.supp has the
 * same line for the mlac binary). Each test program includes this header once. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* A new empty folder under $TMPDIR (or /tmp); path is static storage of each call site's array. */
static inline int tu_tmpdir(char *path, size_t n)
{
    const char *base = getenv("TMPDIR");
    snprintf(path, n, "%s/mlac-report-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(path) ? 0 : -1;
}

/* Copies every file below src into dst (same relative paths). */
static inline int tu_copy_tree(const char *src, const char *dst)
{
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    int rc = fs_list_recursive(src, &files, &err);
    for (size_t i = 0; !rc && i < files.n; i++) {
        char from[8400], to[8400];
        snprintf(from, sizeof from, "%s/%s", src, files.items[i]);
        snprintf(to, sizeof to, "%s/%s", dst, files.items[i]);
        buf b;
        buf_init(&b, 0);
        rc = fs_read_file(from, &b, 0, &err);
        if (!rc)
            rc = fs_write_atomic(to, b.data ? b.data : "", b.len, &err);
        buf_release(&b);
    }
    if (rc)
        fprintf(stderr, "copy %s -> %s: %s\n", src, dst, err.msg);
    strlist_release(&files);
    return rc;
}

static inline int tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void tu_rm_tree(const char *path)
{
    nftw(path, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copies tests/fixtures/report/<name> into a new temporary folder written to tmp. */
static inline int tu_fixture_copy(const char *name, char *tmp, size_t n)
{
    char rel[256];
    snprintf(rel, sizeof rel, "report/%s", name);
    if (tu_tmpdir(tmp, n))
        return -1;
    return tu_copy_tree(test_fixture(rel), tmp);
}

/* The whole file as a NUL-terminated string the caller frees, or NULL. */
static inline char *tu_read(const char *path)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    if (fs_read_file(path, &b, 0, &err)) {
        buf_release(&b);
        return NULL;
    }
    size_t len;
    char *s = buf_detach(&b, &len);
    return s ? s : strdup("");
}

static inline int tu_count(const char *hay, const char *needle)
{
    int k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

/* The number after `attr="` in the element text starting at el (el up to the next '>'). */
static inline double tu_attr(const char *el, const char *attr)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", attr);
    const char *end = strchr(el, '>');
    const char *p = strstr(el, key);
    if (!p || (end && p > end))
        return NAN;
    return strtod(p + strlen(key), NULL);
}

#endif
