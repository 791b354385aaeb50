#!/usr/bin/env bash
# End-to-end, issue 14 item 13: a data folder holding a dangling symbolic link, a link loop, a
# link back to an enclosing folder, a FIFO named like a clip and a folder named x.wav: each is
# reported on standard error (one line naming it), the good clips are still found, and nothing
# hangs on the FIFO. Past 20 skipped entries only a count is printed.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1 --seed 2 --species coyote
pos="$TMP/data/coyote/data/pos"
ln -s "$TMP/nowhere.wav" "$pos/dangling.wav"
ln -s "$pos/loop_b.wav" "$pos/loop_a.wav"
ln -s "$pos/loop_a.wav" "$pos/loop_b.wav"
ln -s "$TMP/data/coyote" "$pos/back"
mkfifo "$pos/fifo.wav"
mkdir "$pos/folder.wav"
"$MLAC" datasets --data "$TMP/data" >"$TMP/ds.out" 2>"$TMP/ds.err"
check "datasets still succeeds" test $? -eq 0
check "the six good positives are counted" grep -Eq '^coyote +6 +6 ' "$TMP/ds.out"
check "dangling link reported" grep -q "skipping 'coyote/data/pos/dangling.wav': a dangling symbolic link" "$TMP/ds.err"
check "link loop reported" grep -q "skipping 'coyote/data/pos/loop_a.wav': a symbolic link loop" "$TMP/ds.err"
check "link back to an enclosing folder reported" grep -q "skipping 'coyote/data/pos/back': a symbolic link to a folder that contains it" "$TMP/ds.err"
check "FIFO reported" grep -q "skipping 'coyote/data/pos/fifo.wav': not a regular file" "$TMP/ds.err"
check "folder named x.wav reported" grep -q "'coyote/data/pos/folder.wav' is a folder, not an audio file" "$TMP/ds.err"
for i in $(seq 1 25); do ln -s "$TMP/gone$i.wav" "$pos/gone$i.wav"; done
"$MLAC" datasets --data "$TMP/data" >"$TMP/ds2.out" 2>"$TMP/ds2.err"
check "many skipped entries: at most 20 lines, then a count" \
  test "$(grep -c 'skipping' "$TMP/ds2.err")" -eq 20 -a "$(grep -c '30 entries skipped in all' "$TMP/ds2.err")" -eq 1
finish
