/* fuzz_import.c — libFuzzer target for everything mlac parses from embedders and embedding
 * files: the BirdNET per-file text and single-CSV parsers, the .npy importer and the command
 * back end's "info" reply. Every input goes through all four.
 *
 * Not a CTest test (the name does not start with test_); its seed corpus is
 * tests/fixtures/embed/corpus/, which test_corpus.c replays on every test run. Findings are
 * added there as fuzz_<what>.<ext> so they are replayed forever after.
 * Invariants checked: no crash, no sanitizer report, no hang; a failure has a message naming
 * the input; a success yields a finished set whose entries are sorted, cover every row once,
 * and whose values are all finite.
 *
 * Build and run (clang 14 from Debian):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/embed/fuzz_import.c \
 *     src/embed/embed_parse.c src/embed/embed_spec.c src/embed/embed_command.c src/core/npy.c \
 *     src/core/error.c src/core/buf.c src/core/fsutil.c src/core/timeutil.c src/audio/encode.c \
 *     $(pkg-config --libs sndfile) -lm -o fuzz_import
 *   mkdir -p /tmp/embed-fuzz && ./fuzz_import -max_len=8192 -timeout=10 -max_total_time=600 \
 *     /tmp/embed-fuzz tests/fixtures/embed/corpus
 */
#include "embed/embed.h"
#include "embed/embed_parse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_set(embed_set *s, int rc, const mlac_err *err)
{
    if (rc) {
        if (!err->msg[0] || !strstr(err->msg, "fuzz"))
            abort();
        return;
    }
    mlac_err e2 = {0};
    if (embed_set_finish(s, &e2))
        return; /* out of memory only */
    size_t covered = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        const embed_entry *e = &s->entries[i];
        if (e->first != covered || e->n == 0 || (i && strcmp(s->entries[i - 1].key, e->key) >= 0))
            abort();
        covered += e->n;
    }
    if (covered != s->n_rows || s->dim < 1 || s->dim > EMBED_MAX_DIM)
        abort();
    for (size_t i = 0; i < s->n_rows * s->dim; i++)
        if (!isfinite(s->rows[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    mlac_err err = {0};
    embed_set s;

    embed_set_init(&s);
    check_set(&s, embed_parse_birdnet_txt(text, size, "fuzz.birdnet.embeddings.txt", "fuzz_0_3", &s, &err), &err);
    embed_set_release(&s);

    embed_set_init(&s);
    check_set(&s, embed_parse_birdnet_csv(text, size, "fuzz.csv", &s, &err), &err);
    embed_set_release(&s);

    embed_set_init(&s);
    check_set(&s, embed_parse_npy(data, size, "fuzz.npy", "fuzz", &s, &err), &err);
    embed_set_release(&s);

    embed_info info;
    int csv;
    if (embed_info_parse(text, size, "fuzz", &info, &csv, &err)) {
        if (!strstr(err.msg, "fuzz"))
            abort();
    } else if (!info.model[0] || !info.version[0] || info.rate < 1 || info.dim < 1 || info.dim > EMBED_MAX_DIM ||
               !(info.window_s > 0)) {
        abort();
    }
    return 0;
}
