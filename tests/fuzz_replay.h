/* fuzz_replay.h — replays a libFuzzer target's committed seed corpus in the default tests
 * (STYLE.md habit 9: the fuzz target's corpus, kept and replayed).
 *
 * A test_fuzz_<x>.c includes its fuzz_<x>.c (which defines LLVMFuzzerTestOneInput and sets
 * fuzz_verdict: 0 accepted, nonzero refused) and calls fuzz_replay on its corpus folder. Every
 * file must return without tripping the target's invariants (they abort); files named ok_* must
 * be accepted, bad_* refused; fuzz_* files (fuzzer findings) may do either. At least min_files
 * files must be there, so an emptied corpus fails.
 */
#ifndef MLAC_TEST_FUZZ_REPLAY_H
#define MLAC_TEST_FUZZ_REPLAY_H

#include "core/buf.h"
#include "core/fsutil.h"
#include "test.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern int fuzz_verdict;

static inline void fuzz_replay(const char *corpus_rel, size_t min_files)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_fixture(corpus_rel));
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    CHECK_OK(fs_list_recursive(dir, &files, &err), &err);
    size_t n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < files.n; i++) {
        char path[8200];
        snprintf(path, sizeof path, "%.4000s/%.4000s", dir, files.items[i]);
        buf b;
        buf_init(&b, 0);
        CHECK_OK(fs_read_file(path, &b, 0, &err), &err);
        fuzz_verdict = -1;
        LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
        const char *base = strrchr(files.items[i], '/');
        base = base ? base + 1 : files.items[i];
        if (!strncmp(base, "ok_", 3)) {
            CHECK_MSG(fuzz_verdict == 0, "%s: expected to be accepted (verdict %d)", files.items[i], fuzz_verdict);
            n_ok++;
        } else if (!strncmp(base, "bad_", 4)) {
            CHECK_MSG(fuzz_verdict > 0, "%s: expected to be refused (verdict %d)", files.items[i], fuzz_verdict);
            n_bad++;
        }
        buf_release(&b);
    }
    CHECK_MSG(files.n >= min_files && n_ok > 0 && n_bad > 0, "%s: %zu files (%zu ok_, %zu bad_), expected >= %zu",
              dir, files.n, n_ok, n_bad, min_files);
    printf("%s: %zu inputs replayed (%zu ok_, %zu bad_)\n", corpus_rel, files.n, n_ok, n_bad);
    strlist_release(&files);
}

#endif
