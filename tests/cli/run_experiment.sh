#!/usr/bin/env bash
# End-to-end: a grid on a small synthetic dataset writes every output; bad specs fail before any
# work naming the field; a run killed with SIGKILL resumes to results identical to an
# uninterrupted run; results do not depend on --max-concurrent or --threads.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 14 --seconds 1 --seed 5
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --models random_forest,svm \
          --training-sizes 3 6 50 --cv-folds 3 --no-report "$@"; }

check "grid runs" run --output-dir "$TMP/a" --run-id r
for f in spec.json tasks.jsonl summary.csv summary.json significance.csv curves.csv; do
  check "writes $f" test -s "$TMP/a/r/$f"
done
check "36 tasks in the ledger" test "$(wc -l < "$TMP/a/r/tasks.jsonl")" -eq 36
check "predictions per task" test "$(find "$TMP/a/r/predictions" -name '*.csv' | wc -l)" -eq 36
check "size 50 is capped to 9" grep -q '"capped":true.*"n":9' "$TMP/a/r/tasks.jsonl"
check "summary has roc_auc rows" grep -Eq '^coyote,random_forest,3,3,false,roc_auc,(0\.|1\.0)' "$TMP/a/r/summary.csv"
check "significance compares the models" grep -q '^bullfrog,6,roc_auc,random_forest,svm,' "$TMP/a/r/significance.csv"
check "spec records the fingerprint" grep -q '"data_fingerprint": "[0-9a-f]\{64\}"' "$TMP/a/r/spec.json"
# the clip length: by default the most common duration of the clips (1 s here), so no zero padding
check "clip length from the data" grep -q '"clip_seconds": 1.0*,' "$TMP/a/r/spec.json"
check "spec says how the length was chosen" grep -q '"clip_length": "clip length 1.000 s, chosen from the data: the most common clip duration (56 of 56 clips); centred: 0 shorter clips zero-padded' "$TMP/a/r/spec.json"
run --output-dir "$TMP/given" --clip-seconds 5 --training-sizes 3 > "$TMP/given.log" 2>&1
check "an explicit --clip-seconds wins" grep -rq '"clip_seconds": 5.0*,' "$TMP/given"
check "and the log says what it pads" grep -q 'clip length 5.000 s, given (clip_seconds); centred: 56 shorter clips zero-padded' "$TMP/given.log"
check "the clip length is part of the run id" test "$(ls "$TMP/given")" != "$(run --output-dir "$TMP/auto" --training-sizes 3 >/dev/null 2>&1; ls "$TMP/auto")"

# a second run over the same clips takes every feature row from the cache
run --output-dir "$TMP/cached" --run-id r > "$TMP/cached.log" 2>&1
check "features come from the cache" grep -q 'features: 56 clips (summary), 56 from the cache' "$TMP/cached.log"
check "cached run gives the same results" cmp "$TMP/a/r/summary.csv" "$TMP/cached/r/summary.csv"

# `mlac splits` reports exactly the test clips the run scored
"$MLAC" splits --data "$TMP/data" --species coyote --training-sizes 3 6 50 --cv-folds 3 > "$TMP/splits.jsonl"
check "splits: one line per (n, fold)" test "$(wc -l < "$TMP/splits.jsonl")" -eq 9
grep '"n":6,.*"fold":2,' "$TMP/splits.jsonl" | sed 's/.*"test":\[//' | grep -o '"[^"]*\.wav"' | tr -d '"' | sort > "$TMP/split.test"
tail -n +2 "$TMP/a/r/predictions/coyote/svm/n00006_r0_f2.csv" | cut -d, -f1 | sort > "$TMP/pred.test"
check "splits match the scored test clips" cmp "$TMP/split.test" "$TMP/pred.test"
check "split test set not empty" test -s "$TMP/split.test"

# a second run of the same spec skips every finished task
check "rerun skips finished tasks" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --output-dir '$TMP/a' --run-id r | grep -q '36 already done, 0 run'"

# determinism across concurrency and threads
check "max-concurrent 3, threads 2" run --output-dir "$TMP/b" --run-id r --max-concurrent 3 --threads 2
check "threads 1" run --output-dir "$TMP/c" --run-id r --max-concurrent 1 --threads 1
metrics_by_task "$TMP/a/r/tasks.jsonl" > "$TMP/a.metrics"
metrics_by_task "$TMP/b/r/tasks.jsonl" > "$TMP/b.metrics"
metrics_by_task "$TMP/c/r/tasks.jsonl" > "$TMP/c.metrics"
check "metrics identical (concurrency 3 vs 1)" cmp "$TMP/a.metrics" "$TMP/b.metrics"
check "metrics identical (threads 1 vs 2)" cmp "$TMP/a.metrics" "$TMP/c.metrics"
check "predictions identical" diff -r "$TMP/a/r/predictions" "$TMP/b/r/predictions"
check "summary identical" cmp "$TMP/a/r/summary.csv" "$TMP/c/r/summary.csv"

# SIGKILL in the middle of a larger grid, then resume
big() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog human_vocal --models random_forest,svm \
          --training-sizes 2 4 6 8 --cv-folds 3 --repeats 6 --max-concurrent 2 --no-report "$@"; }
big --output-dir "$TMP/full" --run-id k > /dev/null 2>&1
"$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog human_vocal --models random_forest,svm \
  --training-sizes 2 4 6 8 --cv-folds 3 --repeats 6 --max-concurrent 2 --no-report \
  --output-dir "$TMP/kill" --run-id k > /dev/null 2>&1 &
pid=$!  # the mlac process itself, so SIGKILL hits it and not a wrapper
for _ in $(seq 1 400); do
  n=$(cat "$TMP/kill/k/tasks.jsonl" 2>/dev/null | wc -l)
  [ "$n" -ge 20 ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(wc -l < "$TMP/kill/k/tasks.jsonl")
check "killed mid-grid ($done_before of 432 tasks done)" test "$done_before" -lt 432
check "resume after SIGKILL" big --output-dir "$TMP/kill" --run-id k
check "resumed ledger complete" test "$(metrics_by_task "$TMP/kill/k/tasks.jsonl" | wc -l)" -eq 432
metrics_by_task "$TMP/full/k/tasks.jsonl" > "$TMP/full.metrics"
metrics_by_task "$TMP/kill/k/tasks.jsonl" > "$TMP/kill.metrics"
check "resumed results identical to an uninterrupted run" cmp "$TMP/full.metrics" "$TMP/kill.metrics"
check "resumed summary identical" cmp "$TMP/full/k/summary.csv" "$TMP/kill/k/summary.csv"

# Ctrl-C stops cleanly: no new tasks, in-flight ones recorded, exit 130; a rerun completes the grid
"$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog human_vocal --models random_forest,svm \
  --training-sizes 2 4 6 8 --cv-folds 3 --repeats 6 --no-report --output-dir "$TMP/int" --run-id k \
  > "$TMP/int.out" 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ "$(cat "$TMP/int/k/tasks.jsonl" 2>/dev/null | wc -l)" -ge 10 ] && break; sleep 0.02; done
kill -INT $pid
wait $pid
check "Ctrl-C exits with 130" test $? -eq 130
check "Ctrl-C reports the cancel" grep -q "cancelled" "$TMP/int.out"
check "every ledger line is whole after Ctrl-C" bash -c "! grep -v '}\$' '$TMP/int/k/tasks.jsonl'"
check "rerun after Ctrl-C" big --output-dir "$TMP/int" --run-id k
metrics_by_task "$TMP/int/k/tasks.jsonl" > "$TMP/int.metrics"
check "grid after Ctrl-C identical" cmp "$TMP/full.metrics" "$TMP/int.metrics"

# two processes never write one run at once
"$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog human_vocal --models random_forest,svm \
  --training-sizes 2 4 6 8 --cv-folds 3 --repeats 6 --no-report --output-dir "$TMP/lock" --run-id k \
  > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -s "$TMP/lock/k/tasks.jsonl" ] && break; sleep 0.02; done
expect_fail "a second writer is refused" "locked: another mlac process" big --output-dir "$TMP/lock" --run-id k
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null

# bad specs fail before any work, naming the field
expect_fail "unknown model" "unknown model 'deep'" run --output-dir "$TMP/x" --models deep
expect_fail "unknown species" "species: 'wolf'" run --output-dir "$TMP/x" --species wolf
expect_fail "size 0" "training_sizes: '0'" run --output-dir "$TMP/x" --training-sizes 0
expect_fail "one fold" "cv_folds" run --output-dir "$TMP/x" --cv-folds 1
expect_fail "too many folds" "cv_folds: 20 folds need at least 20 clips" run --output-dir "$TMP/x" --cv-folds 20
expect_fail "missing data" "data root" run --output-dir "$TMP/x" --data "$TMP/nothing"
expect_fail "bad yaml" "unknown key 'warp'" bash -c "printf 'warp: 9\n' > '$TMP/s.yaml'; '$MLAC' run-experiment --spec '$TMP/s.yaml'"
expect_fail "unknown flag" "unknown option '--fold'" run --fold 3
check "no work was written for bad specs" test ! -e "$TMP/x"
expect_fail "changed spec into an existing run" "already exists with a different" run --output-dir "$TMP/a" --run-id r --seed 9
finish
