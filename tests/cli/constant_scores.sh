#!/usr/bin/env bash
# End-to-end, issue 14 item 11: a task whose test scores are all equal (here every clip is the
# same recording, so no model can rank them) finishes "ok" but is flagged: the ledger line says
# "constant_scores":true with a warning, the run logs it, and the report lists it under
# "Flagged tasks". A normal run carries no such flag.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1 --seed 5 --species coyote
grid() { "$MLAC" run-experiment --data "$1" --species coyote --models random_forest --training-sizes 4 \
           --cv-folds 2 --threads 1 --run-id r --output-dir "$2"; }
check "normal run" grid "$TMP/data" "$TMP/a"
check "normal run: no task flagged" test "$(grep -c '"constant_scores"' "$TMP/a/r/tasks.jsonl")" -eq 0
check "normal run: no flagged section" bash -c "! grep -q 'Flagged tasks' '$TMP/a/r/report/index.html'"
cp -r "$TMP/data" "$TMP/same"
one=$(find "$TMP/same" -name '*.wav' | sort | head -1)
cp "$one" "$TMP/one.wav"
find "$TMP/same" -name '*.wav' -exec cp "$TMP/one.wav" {} \;
check "identical clips: the run still finishes" grid "$TMP/same" "$TMP/b"
check "every task ok" test "$(grep -c '"status":"ok"' "$TMP/b/r/tasks.jsonl")" -eq 2
check "every task flagged" test "$(grep -c '"constant_scores":true' "$TMP/b/r/tasks.jsonl")" -eq 2
check "the warning says why" grep -q '"warning":"constant scores: all [0-9]* test clips scored' "$TMP/b/r/tasks.jsonl"
grid "$TMP/same" "$TMP/c" >"$TMP/c.log" 2>&1
check "the log names the task" grep -Eq "task [^ ]+: constant scores" "$TMP/c.log"
check "report lists the flagged tasks" grep -q 'Flagged tasks.*2 of 2 tasks finished with a warning' "$TMP/b/r/report/index.html"
finish
