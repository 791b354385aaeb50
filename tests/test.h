/* test.h — the tiny assertion harness every C test uses.
 *
 * CHECK(cond) records a failure with file:line and goes on; CHECK_NEAR compares within an
 * absolute tolerance; TEST_MAIN_END prints "N passed, N failed" and exits non-zero on any
 * failure, so a failing test can never exit 0.
 */
#ifndef MLAC_TEST_H
#define MLAC_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            test_passed++;                                                            \
        } else {                                                                      \
            test_failed++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                 \
    do {                                                                     \
        if (cond) {                                                          \
            test_passed++;                                                   \
        } else {                                                             \
            test_failed++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        double a_ = (double)(a), b_ = (double)(b);                                             \
        if (fabs(a_ - b_) <= (tol)) {                                                          \
            test_passed++;                                                                     \
        } else {                                                                               \
            test_failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s = %.9g, expected %s = %.9g (tol %g)\n", __FILE__, __LINE__, \
                    #a, a_, #b, b_, (double)(tol));                                            \
        }                                                                                      \
    } while (0)

#define CHECK_OK(expr, errp)                                                                  \
    do {                                                                                      \
        int rc_ = (expr);                                                                     \
        if (rc_ == 0) {                                                                       \
            test_passed++;                                                                    \
        } else {                                                                              \
            test_failed++;                                                                    \
            fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #expr, rc_,    \
                    (errp)->msg);                                                             \
        }                                                                                     \
    } while (0)

#define TEST_MAIN_END()                                                       \
    do {                                                                      \
        printf("%d passed, %d failed\n", test_passed, test_failed);           \
        return test_failed ? 1 : 0;                                           \
    } while (0)

/* Path of a committed fixture: $MLAC_FIXTURES/<rel> (falls back to tests/fixtures). */
static inline const char *test_fixture(const char *rel)
{
    static char path[4096];
    const char *root = getenv("MLAC_FIXTURES");
    snprintf(path, sizeof path, "%s/%s", root ? root : "tests/fixtures", rel);
    return path;
}

#endif
