#!/usr/bin/env bash
# End-to-end, issue 14 item 13: a torn last ledger line (a run killed mid-write) and a damaged
# line in the middle are skipped with a warning naming the ledger and the line, their tasks run
# again, and the torn line is ended before the next result so the ledger reads cleanly after.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1 --seed 4 --species coyote
grid() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models random_forest --training-sizes 4 \
           --cv-folds 3 --threads 1 --run-id r --output-dir "$TMP/out" --no-report; }
check "first run" grid
led="$TMP/out/r/tasks.jsonl"
check "three tasks" test "$(wc -l <"$led")" -eq 3
# line 2 damaged, line 3 torn (no newline)
{ sed -n 1p "$led"; sed -n 2p "$led" | sed 's/"status":"ok"/"status":"ok/'; sed -n 3p "$led" | head -c 40; } >"$TMP/led"
cp "$TMP/led" "$led"
grid >"$TMP/run2.out" 2>&1
check "rerun succeeds" test $? -eq 0
check "damaged line named" grep -Eq "ledger '[^']*tasks.jsonl' line 2 is not a task result \(damaged or edited\)" "$TMP/run2.out"
check "torn line named" grep -Eq "ledger '[^']*tasks.jsonl' line 3 is not a task result \(a torn last line" "$TMP/run2.out"
check "both tasks ran again: three results now" test "$(grep -c '"status":"ok"' "$led")" -eq 3
grid >"$TMP/run3.out" 2>&1
check "third run: nothing to redo" test "$(grep -c '"status":"ok"' "$led")" -eq 3
check "third run: the two bad lines are still named (the torn one, now ended, as damaged)" \
  test "$(grep -c 'is not a task result' "$TMP/run3.out")" -eq 2
finish
