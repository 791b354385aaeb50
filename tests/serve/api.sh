#!/usr/bin/env bash
# End-to-end over loopback: submit -> run -> summary, tasks and report equal a CLI run of the same
# spec; idempotent resubmission (200) and 409; a scheduled experiment starts at its time (to the
# second); cancel of scheduled and running experiments (finished tasks kept); 50 concurrent
# submissions accepted exactly once; the same submission id raced 20 times gives one experiment;
# Server-Sent Events carry progress and end.
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 30 --seconds 1 --seed 7
start_server s --workers 2 --threads 2
check "server answers /healthz" curl -sf "$URL/healthz"

spec=(--models random_forest svm --species coyote bullfrog --training-sizes 5 10 --cv-folds 3)
id=$("$MLAC" submit "${spec[@]}" --submission-id first 2>"$TMP/submit.err")
check "submit prints an experiment id" grep -Eq '^exp-[0-9a-f]{20}$' <<<"$id"
check "wait exits 0 on success" "$MLAC" wait "$id" --timeout 60 --interval 0.2
MLAC_CACHE_DIR="$TMP/cli-cache" "$MLAC" run-experiment --data "$TMP/data" "${spec[@]}" --output-dir "$TMP/cli" \
  >"$TMP/cli.out" 2>&1
cli_run=$(ls "$TMP/cli")
api GET "/v1/experiments/$id" >"$TMP/one.json"
run=$(head -1 "$TMP/one.json" | json_field .run_id)
check "service run id equals the CLI's ($cli_run)" test "$run" = "$cli_run"
check "state succeeded, 24/24 tasks" test "$(head -1 "$TMP/one.json" | json_field '"\(.state) \(.tasks.done)/\(.tasks.total) \(.tasks.failed)"')" = "succeeded 24/24 0"
check "timestamps set" test "$(head -1 "$TMP/one.json" | json_field '[.submitted_at, .started_at, .finished_at] | map(select(. != null)) | length')" = 3
for f in summary.csv summary.json significance.csv curves.csv report/coyote_roc_auc.svg report/coyote_roc_auc.png \
         report/summary.csv report/significance.csv; do
  check "$f equals the CLI run's" cmp "$TMP/cli/$run/$f" "$TMP/results/$run/$f"
done
check "predictions equal the CLI run's" diff -r "$TMP/cli/$run/predictions" "$TMP/results/$run/predictions"
check "same report files" diff <(cd "$TMP/cli/$run/report" && ls) <(cd "$TMP/results/$run/report" && ls)
check "task metrics equal the CLI run's" diff <(metrics_by_task "$TMP/cli/$run/tasks.jsonl") \
  <(metrics_by_task "$TMP/results/$run/tasks.jsonl")

# the run's files over HTTP
curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/v1/experiments/$id/summary" >"$TMP/summary.json"
check "GET summary is summary.json" cmp "$TMP/summary.json" "$TMP/results/$run/summary.json"
curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/v1/experiments/$id/summary.csv" >"$TMP/summary.csv"
check "GET summary.csv is summary.csv" cmp "$TMP/summary.csv" "$TMP/results/$run/summary.csv"
curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/v1/experiments/$id/report/coyote_roc_auc.png" >"$TMP/chart.png"
check "GET report chart is the file" cmp "$TMP/chart.png" "$TMP/results/$run/report/coyote_roc_auc.png"
check "GET report/ is the HTML report" bash -c "curl -s -o /dev/null -w '%{http_code} %{content_type}' \
  -H 'Authorization: Bearer $MLAC_API_TOKEN' '$URL/v1/experiments/$id/report/' | grep -q '^200 text/html'"
check "tasks?after=0 has 24 ledger lines" test "$(api GET "/v1/experiments/$id/tasks?after=0" | head -1 | json_field '.tasks | length')" = 24
check "tasks?after=20 has the last 4, next=24" test "$(api GET "/v1/experiments/$id/tasks?after=20" | head -1 | json_field '"\(.tasks | length) \(.next)"')" = "4 24"
check "events of a finished experiment end at once" bash -c "curl -s -N -m 10 -H 'Authorization: Bearer $MLAC_API_TOKEN' \
  '$URL/v1/experiments/$id/events' | grep -q '^event: end'"

# idempotency
again=$("$MLAC" submit "${spec[@]}" --submission-id first 2>/dev/null)
check "same submission id and spec: the same experiment" test "$again" = "$id"
check "the resubmission answers 200" test "$(status_of POST /v1/experiments "$(api GET "/v1/experiments/$id" | head -1 | jq -c '.spec + {submission_id: "first"} | del(.data, .output_dir, .cache_dir)')")" = 200
expect_fail "same submission id, other spec: 409" "answered 409: submission_id 'first' was already used" \
  "$MLAC" submit "${spec[@]}" --cv-folds 4 --submission-id first

# a scheduled experiment starts at its time (to the second)
at=$(date -u -d "@$(($(date +%s) + 3))" +%Y-%m-%dT%H:%M:%SZ)
sid=$("$MLAC" submit --models svm --species coyote --training-sizes 5 --cv-folds 3 --scheduled-at "$at" 2>/dev/null)
check "scheduled before its time" test "$(api GET "/v1/experiments/$sid" | head -1 | json_field .state)" = scheduled
check "scheduled experiment finishes" "$MLAC" wait "$sid" --timeout 30 --interval 0.2
api GET "/v1/experiments/$sid" | head -1 >"$TMP/sched.json"
check "started at its time, not before ($at)" test "$(json_field '(.started_at | fromdateiso8601) - (.scheduled_at | fromdateiso8601)' <"$TMP/sched.json")" -ge 0
check "started within 1 s of its time" test "$(json_field '(.started_at | fromdateiso8601) - (.scheduled_at | fromdateiso8601)' <"$TMP/sched.json")" -le 1

# cancel: a scheduled one at once; a running one stops starting tasks and keeps finished ones
later=$("$MLAC" submit --models svm --species coyote --training-sizes 5 --cv-folds 3 \
        --scheduled-at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null)
check "cancel a scheduled experiment" "$MLAC" cancel "$later"
"$MLAC" wait "$later" --timeout 5 >/dev/null 2>&1
check "wait exits 3 for a cancelled experiment" test $? -eq 3
expect_fail "cancel of a finished experiment is 409" "answered 409" "$MLAC" cancel "$later"
slow=$("$MLAC" submit --models random_forest --species coyote bullfrog --training-sizes 5 10 20 --cv-folds 3 \
       --max-concurrent 1 --model-options '{"random_forest":{"n_trees":8000}}' 2>/dev/null)
curl -s -N -m 60 -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/v1/experiments/$slow/events" >"$TMP/events.txt" &
sse_pid=$!
for _ in $(seq 300); do
  [ "$(api GET "/v1/experiments/$slow" | head -1 | json_field .tasks.done)" -ge 2 ] 2>/dev/null && break
  sleep 0.1
done
check "cancel a running experiment" "$MLAC" cancel "$slow"
"$MLAC" wait "$slow" --timeout 60 --interval 0.2 >/dev/null 2>&1
check "running experiment ends cancelled" test $? -eq 3
api GET "/v1/experiments/$slow" | head -1 >"$TMP/slow.json"
slow_run=$(json_field .run_id <"$TMP/slow.json")
done_n=$(json_field .tasks.done <"$TMP/slow.json")
check "cancel stopped it early ($done_n of 18 done)" test "$done_n" -lt 18
check "finished tasks kept in the ledger" test "$(wc -l <"$TMP/results/$slow_run/tasks.jsonl")" -eq "$done_n"
wait "$sse_pid"
check "SSE sent progress events" grep -q '^event: progress' "$TMP/events.txt"
check "SSE ended with the final state" grep -q '^data: {"state":"cancelled"' "$TMP/events.txt"

# --workers 2: two experiments run at once, each with half of the --threads 2 budget
w1=$("$MLAC" submit --models random_forest --species coyote --training-sizes 5 10 20 --cv-folds 3 --max-concurrent 1 \
     --model-options '{"random_forest":{"n_trees":8001}}' 2>/dev/null)
w2=$("$MLAC" submit --models random_forest --species bullfrog --training-sizes 5 10 20 --cv-folds 3 --max-concurrent 1 \
     --model-options '{"random_forest":{"n_trees":8001}}' 2>/dev/null)
both=0
for _ in $(seq 200); do
  if curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/metrics" | grep -q '^mlac_experiments{state="running"} 2$'; then
    both=1
    break
  fi
  sleep 0.05
done
check "two workers run two experiments at once" test "$both" = 1
check "each gets 1 of the 2 threads" test "$(grep -Ec "experiment ($w1|$w2): running run-[0-9a-f]* \(1 threads\)" "$TMP/s.log")" -eq 2
"$MLAC" cancel "$w1" >/dev/null 2>&1; "$MLAC" cancel "$w2" >/dev/null 2>&1
"$MLAC" wait "$w1" --timeout 60 >/dev/null 2>&1; "$MLAC" wait "$w2" --timeout 60 >/dev/null 2>&1

# 50 concurrent submissions (scheduled in an hour, so nothing runs): each accepted exactly once
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in $(seq 50); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $MLAC_API_TOKEN" --data-binary \
    "{\"models\":[\"svm\"],\"species\":[\"coyote\"],\"training_sizes\":[5],\"cv_folds\":3,\"submission_id\":\"c-$i\",\"scheduled_at\":\"$future\"}" \
    "$URL/v1/experiments" >"$TMP/conc.$i" &
  pids+=($!)
done
wait "${pids[@]}"
check "50 concurrent submissions: 50 x 201" test "$(cat "$TMP"/conc.* | grep -c '^201$')" -eq 50
pids=()
for i in $(seq 20); do
  curl -s -w '\n%{http_code}\n' -H "Authorization: Bearer $MLAC_API_TOKEN" --data-binary \
    "{\"models\":\"svm\",\"species\":\"coyote\",\"training_sizes\":5,\"cv_folds\":3,\"submission_id\":\"race\",\"scheduled_at\":\"$future\"}" \
    "$URL/v1/experiments" >"$TMP/race.$i" &
  pids+=($!)
done
wait "${pids[@]}"
check "one submission id raced 20 times: one 201" test "$(cat "$TMP"/race.* | grep -c '^201$')" -eq 1
check "... and 19 x 200" test "$(cat "$TMP"/race.* | grep -c '^200$')" -eq 19
check "... all naming one experiment" test "$(grep -h '^{' "$TMP"/race.* | jq -r .id | sort -u | wc -l)" -eq 1
# paging through the list finds each submission exactly once
tok=""; : >"$TMP/listed"
for _ in $(seq 20); do
  api GET "/v1/experiments?state=scheduled&limit=7${tok:+&page_token=$tok}" | head -1 >"$TMP/page.json"
  jq -r '.experiments[].submission_id' <"$TMP/page.json" >>"$TMP/listed"
  tok=$(jq -r '.next_page_token // empty' <"$TMP/page.json")
  [ -n "$tok" ] || break
done
check "paged list: the 50 + race once each" test "$(grep -c '^c-' "$TMP/listed") $(sort "$TMP/listed" | uniq -d | wc -l) $(grep -c '^race$' "$TMP/listed")" = "50 0 1"
check "service still ready" curl -sf "$URL/readyz"
stop_server
check "access log has request ids" grep -q '"request_id":"[0-9a-f]*-[0-9]*"' "$TMP/s.access.log"
check "the token is never logged" bash -c "! grep -rq '$MLAC_API_TOKEN' '$TMP/s.log' '$TMP/s.access.log' '$TMP/results'"
finish
