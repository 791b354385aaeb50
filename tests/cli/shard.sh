#!/usr/bin/env bash
# End-to-end sharding: N shard processes (N = 1, 3, and more shards than tasks) + `mlac merge` give
# the single-process run's summary, significance, curves and predictions byte for byte; shards
# from JOB_COMPLETION_INDEX and SLURM_ARRAY_*; a shard killed with SIGKILL (and one stopped with
# SIGTERM) and rerun; a shard run twice does nothing; merge names a missing shard, exits 75 and
# writes nothing; duplicates agree or are refused; two specs into one run folder are refused;
# exit codes a scheduler acts on (78 bad spec, 66 missing data, 75 store unwritable or locked).
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"
unset JOB_COMPLETION_INDEX MLAC_SHARDS SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN \
      SLURM_ARRAY_TASK_STEP SLURM_CPUS_PER_TASK

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 30 --seconds 1 --seed 11
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --models random_forest,svm \
          --training-sizes 4 8 --cv-folds 3 --no-report "$@"; }
check "single-process reference" run --output-dir "$TMP/one" --run-id r
tasks=$(wc -l < "$TMP/one/r/tasks.jsonl")
check "24 tasks in the reference" test "$tasks" -eq 24

# same_as_one RUN_DIR: the merged run equals the single-process run byte for byte
same_as_one() {
  local f
  for f in summary.csv summary.json significance.csv curves.csv; do
    cmp "$TMP/one/r/$f" "$1/$f" || return 1
  done
  diff -r -x '*.tmp.*' "$TMP/one/r/predictions" "$1/predictions" || return 1
  cmp <(metrics_by_task "$TMP/one/r/tasks.jsonl") <(metrics_by_task "$1/tasks.jsonl")
}

# N shards, run at once (they share spec.json and the feature cache), then merge
shards() { # N OUT [run args...]
  local n=$1 out=$2 i pids=() rc=0
  shift 2
  for ((i = 0; i < n; i++)); do
    run --output-dir "$out" --run-id r --shard "$i/$n" "$@" > "$out.$i.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}
for n in 1 3; do
  mkdir -p "$TMP/n$n"
  check "$n shards run" shards "$n" "$TMP/n$n/out"
  check "$n shards: one ledger each" test "$(find "$TMP/n$n/out/r/shards" -name '*.jsonl' | wc -l)" -eq "$n"
  check "$n shards: no summary before merge" test ! -e "$TMP/n$n/out/r/summary.csv"
  check "$n shards: the shard says to merge" grep -q "mlac merge" "$TMP/n$n/out.0.log"
  check "$n shards: merge" "$MLAC" merge "$TMP/n$n/out/r"
  check "$n shards + merge = one process" same_as_one "$TMP/n$n/out/r"
  check "$n shards: merge drew the report" test -s "$TMP/n$n/out/r/report/index.html"
done
check "the 3 ledgers hold 24 distinct tasks" test "$(cat "$TMP/n3/out/r/shards/"*.jsonl | metrics_by_task /dev/stdin | wc -l)" -eq 24

# merging again changes nothing
cp "$TMP/n3/out/r/summary.csv" "$TMP/n3.summary"
check "merge again" "$MLAC" merge --no-report "$TMP/n3/out/r"
check "merge is idempotent" cmp "$TMP/n3.summary" "$TMP/n3/out/r/summary.csv"
check "merge again: same as one process" same_as_one "$TMP/n3/out/r"

# more shards than tasks, one after another, features without a shared cache
mkdir -p "$TMP/many"
n=$((tasks + 3))
for ((i = 0; i < n; i++)); do
  MLAC_CACHE_DIR= run --output-dir "$TMP/many/out" --run-id r --shard "$i/$n" > "$TMP/many/$i.log" 2>&1 || echo "shard $i failed" >> "$TMP/many/failed"
done
check "$n shards ran" test ! -e "$TMP/many/failed"
check "$n shards: some have no task" grep -lq "no tasks of the 24" "$TMP/many/"*.log
check "$n shards: merge" "$MLAC" merge --no-report "$TMP/many/out/r"
check "$n shards + merge = one process" same_as_one "$TMP/many/out/r"
# a shard with one task computes the features of that task's clips only, not of all 120
one_task=$(grep -l '1 of the grid' "$TMP/many/"*.log | head -1)
clips=$(grep -o 'features: [0-9]* clips' "$one_task" | grep -o '[0-9]*')
check "a one-task shard computed ${clips:-no} clips' features, fewer than 120" test "${clips:-999}" -lt 120

# Kubernetes Indexed Job: JOB_COMPLETION_INDEX with MLAC_SHARDS (or --shards)
mkdir -p "$TMP/k8s"
for i in 0 1; do check "JOB_COMPLETION_INDEX=$i" env JOB_COMPLETION_INDEX=$i MLAC_SHARDS=3 \
    "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --models random_forest,svm \
    --training-sizes 4 8 --cv-folds 3 --no-report --output-dir "$TMP/k8s/out" --run-id r; done
check "JOB_COMPLETION_INDEX=2 --shards 3" env JOB_COMPLETION_INDEX=2 "$MLAC" run-experiment --data "$TMP/data" \
  --species coyote bullfrog --models random_forest,svm --training-sizes 4 8 --cv-folds 3 --no-report \
  --output-dir "$TMP/k8s/out" --run-id r --shards 3
check "Kubernetes ledgers are the --shard ones" cmp <(metrics_by_task "$TMP/k8s/out/r/shards/1-of-3.jsonl") \
  <(metrics_by_task "$TMP/n3/out/r/shards/1-of-3.jsonl")
check "Kubernetes: merge" "$MLAC" merge --no-report "$TMP/k8s/out/r"
check "Kubernetes shards + merge = one process" same_as_one "$TMP/k8s/out/r"
expect_fail "JOB_COMPLETION_INDEX without a count is refused" "MLAC_SHARDS" env JOB_COMPLETION_INDEX=0 \
  "$MLAC" run-experiment --data "$TMP/data" --output-dir "$TMP/k8s/out" --run-id r

# Slurm job array --array=1-3: SLURM_ARRAY_TASK_MIN=1
mkdir -p "$TMP/slurm"
for id in 1 2 3; do check "SLURM_ARRAY_TASK_ID=$id" env SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=1 \
    SLURM_ARRAY_TASK_COUNT=3 "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog \
    --models random_forest,svm --training-sizes 4 8 --cv-folds 3 --no-report --output-dir "$TMP/slurm/out" --run-id r; done
check "Slurm task 3 of 1-3 is shard 2/3" test -s "$TMP/slurm/out/r/shards/2-of-3.jsonl"
check "Slurm: merge" "$MLAC" merge --no-report "$TMP/slurm/out/r"
check "Slurm shards + merge = one process" same_as_one "$TMP/slurm/out/r"

# a shard missing: merge names it, exits 75, writes nothing; once it has run, merge completes
mkdir -p "$TMP/miss"
run --output-dir "$TMP/miss/out" --run-id r --shard 0/3 > /dev/null 2>&1
run --output-dir "$TMP/miss/out" --run-id r --shard 2/3 > /dev/null 2>&1
"$MLAC" merge "$TMP/miss/out/r" > "$TMP/miss/merge.log" 2>&1
rc=$?
check "merge with a shard missing exits 75 (rc $rc)" test $rc -eq 75
check "merge names the missing shard" grep -q "shard 1/3 has no ledger" "$TMP/miss/merge.log"
check "merge names the missing tasks with their shard" grep -Eq "missing: [a-z]+/[a-z_]+/n[0-9]+/r0/f[0-9] \(shard 1/3\)" "$TMP/miss/merge.log"
check "incomplete merge wrote nothing" bash -c "! ls '$TMP/miss/out/r' | grep -Eq 'summary|significance|curves|tasks.jsonl|report'"
check "the missing shard runs" run --output-dir "$TMP/miss/out" --run-id r --shard 1/3
check "then merge completes" "$MLAC" merge --no-report "$TMP/miss/out/r"
check "late shard + merge = one process" same_as_one "$TMP/miss/out/r"

# failed tasks (a crashing embedder fails birdnet's tasks): each shard and merge exit 1 as a single
# run does, merge names them and writes the same tables
SI="$(dirname "$MLAC")/stand_in_embedder"
crash() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models random_forest,birdnet --training-sizes 4 \
            --cv-folds 3 --no-report --cache-dir "" --embedder-birdnet "$SI --fail crash" --run-id c "$@"; }
crash --output-dir "$TMP/fail1" > /dev/null 2>&1
rc=$?
check "a single run with failed tasks exits 1 (rc $rc)" test $rc -eq 1
crash --output-dir "$TMP/fail2" --shard 0/2 > /dev/null 2>&1
crash --output-dir "$TMP/fail2" --shard 1/2 > /dev/null 2>&1
"$MLAC" merge --no-report "$TMP/fail2/c" > "$TMP/fail2.log" 2>&1
rc=$?
check "merge with failed tasks exits 1 (rc $rc)" test $rc -eq 1
check "merge names the failed tasks and why" grep -q "failed: coyote/birdnet/n00004/r0/f[0-9]: .*crashed" "$TMP/fail2.log"
check "merge counts 3 failed of 6" grep -q "6 tasks in the grid, 6 finished (3 failed), 0 missing" "$TMP/fail2.log"
check "failed tasks: merged summary = one process" cmp "$TMP/fail1/c/summary.csv" "$TMP/fail2/c/summary.csv"

# merge rebuilds the grid from the run's data: --data elsewhere must hold the same clips
check "a copy of the data" cp -r "$TMP/data" "$TMP/data-copy"
check "merge --data with a copy of the data" "$MLAC" merge --no-report --data "$TMP/data-copy" "$TMP/miss/out/r"
check "merge --data: same as one process" same_as_one "$TMP/miss/out/r"
check "one clip less in the copy" rm "$TMP/data-copy/coyote/data/pos/coyote_pos_0000.wav"
expect_fail "merge against other data is refused" "data_fingerprint" "$MLAC" merge --no-report --data "$TMP/data-copy" "$TMP/miss/out/r"

# a shard run twice: the second time does nothing and says so
lines=$(wc -l < "$TMP/n3/out/r/shards/1-of-3.jsonl")
run --output-dir "$TMP/n3/out" --run-id r --shard 1/3 > "$TMP/twice.log" 2>&1
rc=$?
check "second run of a shard exits 0 (rc $rc)" test $rc -eq 0
check "second run says already done" grep -q "already done" "$TMP/twice.log"
check "second run appended nothing" test "$(wc -l < "$TMP/n3/out/r/shards/1-of-3.jsonl")" -eq "$lines"

# duplicates: the same run sharded again with another N agrees (one kept); conflicting metrics are refused
check "the same run, 2 more shards" shards 2 "$TMP/n3/out"
"$MLAC" merge --no-report "$TMP/n3/out/r" > "$TMP/dup.log" 2>&1
rc=$?
check "agreeing duplicates merge (rc $rc)" test $rc -eq 0
check "duplicates are reported" grep -q "24 duplicates" "$TMP/dup.log"
check "duplicates are counted once" same_as_one "$TMP/n3/out/r"
mkdir -p "$TMP/conflict"
cp -r "$TMP/n1/out" "$TMP/conflict/"
rm "$TMP/conflict/out/r/tasks.jsonl"
sed -E '1s/"roc_auc":[0-9.e-]+/"roc_auc":0.123/' "$TMP/conflict/out/r/shards/0-of-1.jsonl" | head -1 > "$TMP/conflict/out/r/shards/0-of-7.jsonl"
expect_fail "conflicting metrics are refused (naming the task and both ledgers)" \
  "task '.*' has different metrics in 'shards/0-of-1.jsonl' and 'shards/0-of-7.jsonl'" "$MLAC" merge --no-report "$TMP/conflict/out/r"
"$MLAC" merge --no-report "$TMP/conflict/out/r" > /dev/null 2>&1
rc=$?
check "a conflict is bad data: 65 (rc $rc)" test $rc -eq 65

# two specs into one run folder: the second is refused naming the field, and writes no ledger
mkdir -p "$TMP/two"
run --output-dir "$TMP/two/out" --run-id r --shard 0/2 > /dev/null 2>&1
run --output-dir "$TMP/two/out" --run-id r --shard 1/2 --seed 7 > "$TMP/two/log" 2>&1
rc=$?
check "a shard of another spec is refused with 78 (rc $rc)" test $rc -eq 78
check "the refusal names the field" grep -q "already exists with a different 'seed'" "$TMP/two/log"
check "the refused shard wrote no ledger" test ! -e "$TMP/two/out/r/shards/1-of-2.jsonl"
run --output-dir "$TMP/two/out" --run-id r --shard 1/2 --training-sizes 4 > "$TMP/two/log" 2>&1
check "another grid into the run is refused too" grep -q "different 'training_sizes'" "$TMP/two/log"

# SIGKILL in the middle of a shard of a bigger grid, then rerun; SIGTERM stops cleanly with 75
BIG=(run-experiment --data "$TMP/data" --species coyote bullfrog human_vocal --models random_forest,svm
     --training-sizes 2 4 6 8 --cv-folds 3 --repeats 4 --max-concurrent 2 --no-report --run-id k)
check "big single-process reference" "$MLAC" "${BIG[@]}" --output-dir "$TMP/bigone"
"$MLAC" "${BIG[@]}" --output-dir "$TMP/kill" --shard 0/2 > /dev/null 2>&1 &
pid=$!  # the mlac process itself, so the signal hits it and not a wrapper
for _ in $(seq 1 500); do [ "$(cat "$TMP/kill/k/shards/0-of-2.jsonl" 2>/dev/null | wc -l)" -ge 10 ] && break; sleep 0.02; done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
killed_at=$(wc -l < "$TMP/kill/k/shards/0-of-2.jsonl")
check "shard killed after some tasks ($killed_at done)" test "$killed_at" -ge 10
printf '{"task_id":"coyote/svm/n0' >> "$TMP/kill/k/shards/0-of-2.jsonl" # and as if killed mid-write
check "the killed shard reruns to the end" "$MLAC" "${BIG[@]}" --output-dir "$TMP/kill" --shard 0/2
shard_tasks=$(grep -c "}\$" "$TMP/kill/k/shards/0-of-2.jsonl")
check "the kill came before the shard's end ($killed_at of $shard_tasks)" test "$killed_at" -lt "$shard_tasks"
"$MLAC" "${BIG[@]}" --output-dir "$TMP/kill" --shard 1/2 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 500); do [ "$(cat "$TMP/kill/k/shards/1-of-2.jsonl" 2>/dev/null | wc -l)" -ge 5 ] && break; sleep 0.02; done
# frozen (SIGSTOP) while it holds the shard's lock, so neither check races the shard's end on a
# fast machine
kill -STOP $pid
"$MLAC" "${BIG[@]}" --output-dir "$TMP/kill" --shard 1/2 > "$TMP/lock.log" 2>&1
rc=$?
check "a second process of one shard is refused with 75 (rc $rc)" test $rc -eq 75
check "the refusal says the shard is locked" grep -q "locked: another mlac process" "$TMP/lock.log"
kill -TERM $pid
kill -CONT $pid
wait $pid
rc=$?
check "SIGTERM exits 75, worth a retry (rc $rc)" test $rc -eq 75
stopped_at=$(wc -l < "$TMP/kill/k/shards/1-of-2.jsonl")
check "every ledger line is whole after SIGTERM" bash -c "! grep -v '}\$' '$TMP/kill/k/shards/1-of-2.jsonl'"
check "the stopped shard reruns to the end" "$MLAC" "${BIG[@]}" --output-dir "$TMP/kill" --shard 1/2
shard_tasks=$(grep -c "}\$" "$TMP/kill/k/shards/1-of-2.jsonl")
check "SIGTERM stopped the shard before its end ($stopped_at of $shard_tasks)" test "$stopped_at" -lt "$shard_tasks"
check "killed and stopped shards merge" "$MLAC" merge --no-report "$TMP/kill/k"
for f in summary.csv significance.csv curves.csv; do
  check "killed shards + merge: $f = one process" cmp "$TMP/bigone/k/$f" "$TMP/kill/k/$f"
done
# (a write cut by SIGKILL may leave a *.tmp.* file beside the predictions; it is never read)
check "killed shards: predictions = one process" diff -r -x '*.tmp.*' "$TMP/bigone/k/predictions" "$TMP/kill/k/predictions"

# exit codes a scheduler acts on
run --output-dir "$TMP/x" --models deep --shard 0/2 > /dev/null 2>&1
rc=$?
check "bad spec: 78, permanent (rc $rc)" test $rc -eq 78
run --output-dir "$TMP/x" --shard 2/2 > /dev/null 2>&1
rc=$?
check "bad --shard: 78, permanent (rc $rc)" test $rc -eq 78
run --output-dir "$TMP/x" --shard > /dev/null 2>&1
rc=$?
check "--shard without a value: 64 usage (rc $rc)" test $rc -eq 64
run --output-dir "$TMP/x" --data "$TMP/nothing" --shard 0/2 > /dev/null 2>&1
rc=$?
check "missing data: 66, permanent (rc $rc)" test $rc -eq 66
touch "$TMP/not-a-folder"
run --output-dir "$TMP/not-a-folder/out" --shard 0/2 > "$TMP/io.log" 2>&1
rc=$?
check "results store not writable: 75, transient (rc $rc)" test $rc -eq 75
check "the store error names the place" grep -q "not-a-folder" "$TMP/io.log"
"$MLAC" merge "$TMP/x/nothing-here" > /dev/null 2>&1
rc=$?
check "merge of no run: 66 (rc $rc)" test $rc -eq 66
"$MLAC" merge > /dev/null 2>&1
rc=$?
check "merge without RUN_DIR: 64 (rc $rc)" test $rc -eq 64
finish
