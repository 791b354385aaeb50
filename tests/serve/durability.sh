#!/usr/bin/env bash
# Durability: kill -9 the service twice mid-queue (tasks in flight, experiments queued and one
# scheduled), SIGTERM it once, start it again each time: nothing queued or scheduled is lost, the running
# experiment resumes from its ledger (no finished task lost or run twice), and every final result
# equals an uninterrupted CLI run of the same spec.
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 30 --seconds 1 --seed 11
opts='{"random_forest":{"n_trees":3000}}'
specs=("coyote bullfrog" "bullfrog human_vocal" "human_vocal coyote")
start_server s --workers 1 --threads 1
ids=()
for i in 0 1 2; do
  ids+=("$("$MLAC" submit --models random_forest --species ${specs[$i]} --training-sizes 5 10 20 --cv-folds 3 \
            --max-concurrent 1 --model-options "$opts" --submission-id "d$i" 2>/dev/null)")
done
at=$(date -u -d "@$(($(date +%s) + 4))" +%Y-%m-%dT%H:%M:%SZ)
ids+=("$("$MLAC" submit --models svm --species coyote --training-sizes 5 10 --cv-folds 3 --scheduled-at "$at" \
          --submission-id d3 2>/dev/null)")
check "4 experiments accepted" test "${#ids[@]}" -eq 4 -a -n "${ids[3]}"

# first kill: while the first experiment has finished some tasks and runs more
for _ in $(seq 600); do
  [ "$(api GET "/v1/experiments/${ids[0]}" | head -1 | json_field .tasks.done)" -ge 3 ] 2>/dev/null && break
  sleep 0.05
done
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
check "killed mid-run: the state database says running" \
  test "$(sqlite3 "$TMP/s.state/queue.sqlite" "select state from experiments where submission_id='d0'")" = 2
start_server s --workers 1 --threads 1
check "restart: the scheduled experiment is still scheduled or beyond" \
  grep -Eq '"state":"(scheduled|queued|running|succeeded)"' <(api GET "/v1/experiments/${ids[3]}")
# second kill: soon after the restart, whatever runs then
sleep 1.5
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
# a graceful stop (SIGTERM) mid-run: the running experiment goes back to the queue, none is cancelled
start_server s --workers 1 --threads 1
sleep 1
stop_server
check "SIGTERM: nothing left running" test "$(sqlite3 "$TMP/s.state/queue.sqlite" "select count(*) from experiments where state in (2, 5)")" = 0
start_server s --workers 1 --threads 1
for i in 0 1 2 3; do
  check "experiment $i finishes after two kills" "$MLAC" wait "${ids[$i]}" --timeout 120 --interval 0.2
done
check "the first experiment was resumed" test "$(api GET "/v1/experiments/${ids[0]}" | head -1 | json_field .resumes)" -ge 1
stop_server

# the same specs, uninterrupted, through the CLI
for i in 0 1 2; do
  MLAC_CACHE_DIR="$TMP/ref-cache" "$MLAC" run-experiment --data "$TMP/data" --models random_forest \
    --species ${specs[$i]} --training-sizes 5 10 20 --cv-folds 3 --max-concurrent 1 --model-options "$opts" \
    --output-dir "$TMP/ref" --no-report >/dev/null 2>&1
done
MLAC_CACHE_DIR="$TMP/ref-cache" "$MLAC" run-experiment --data "$TMP/data" --models svm --species coyote \
  --training-sizes 5 10 --cv-folds 3 --output-dir "$TMP/ref" --no-report >/dev/null 2>&1
check "4 reference runs" test "$(ls "$TMP/ref" | wc -l)" -eq 4
for run in $(ls "$TMP/ref"); do
  led="$TMP/results/$run/tasks.jsonl"
  check "$run: ledger has each task once" test "$(grep -c . "$led")" -eq "$(grep -o '"task_id":"[^"]*"' "$led" | sort -u | wc -l)"
  check "$run: as many tasks as the uninterrupted run" test "$(grep -c . "$led")" -eq "$(grep -c . "$TMP/ref/$run/tasks.jsonl")"
  check "$run: task metrics equal" diff <(metrics_by_task "$TMP/ref/$run/tasks.jsonl") <(metrics_by_task "$led")
  check "$run: summary.csv equal" cmp "$TMP/ref/$run/summary.csv" "$TMP/results/$run/summary.csv"
  check "$run: predictions equal" diff -r "$TMP/ref/$run/predictions" "$TMP/results/$run/predictions"
  check "$run: no temp file of a killed writer left" test -z "$(find "$TMP/results/$run" -name '*.tmp.*')"
  check "$run: report written" test -s "$TMP/results/$run/report/index.html"
done
finish
