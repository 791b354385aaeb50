#!/usr/bin/env bash
# Issue 14 item 13: a corrupt Ogg Vorbis clip exits 65 (EX_DATAERR, docs/EXIT_CODES.md) naming
# the file — in the ASan build too, where libsndfile's libvorbis leak on the failed open would
# otherwise make LeakSanitizer turn the exit into a failure of its own (tests/lsan.supp has it;
# scripts/test.sh's ASan phase passes that file in LSAN_OPTIONS).
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
src=${MLAC_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
for f in bad_cut.ogg; do
  "$MLAC" features "$src/tests/fixtures/audio/corpus/$f" >"$TMP/out" 2>&1
  rc=$?
  check "$f exits 65 (got $rc)" test "$rc" -eq 65
  check "$f is named" grep -q "cannot decode '.*$f'" "$TMP/out"
  check "no LeakSanitizer report" bash -c "! grep -q 'LeakSanitizer' '$TMP/out'"
done
finish
