#!/usr/bin/env bash
# /metrics passes `promtool check metrics` (Debian's prometheus package) after tasks ran, has every
# family the issue names, and a real Prometheus started on loopback (temp config and storage,
# bearer token from a file, stopped by its pid) scrapes the service and finds mlac_tasks_total.
# Last, the buffered access log loses no line on a clean stop right after a burst of requests.
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"
PROM_PID=
trap '[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null; stop_server; rm -rf "$TMP"' EXIT

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 10 --seconds 1 --seed 5
start_server s --workers 1
id=$("$MLAC" submit --models random_forest svm --species coyote --training-sizes 3 --cv-folds 3 2>/dev/null)
check "experiment succeeds" "$MLAC" wait "$id" --timeout 60 --interval 0.2
curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/metrics" >"$TMP/metrics.txt"
check "promtool check metrics passes" bash -c "promtool check metrics <'$TMP/metrics.txt'"
for family in mlac_build_info mlac_experiments mlac_queue_depth mlac_tasks_total mlac_task_duration_seconds \
              mlac_http_requests_total process_cpu_seconds_total process_resident_memory_bytes process_open_fds; do
  check "has $family" grep -q "^# TYPE $family " "$TMP/metrics.txt"
done
check "3 random_forest tasks counted" grep -q '^mlac_tasks_total{model="random_forest",status="ok"} 3$' "$TMP/metrics.txt"
check "histogram count matches" grep -q '^mlac_task_duration_seconds_count{model="svm"} 3$' "$TMP/metrics.txt"
check "one succeeded experiment" grep -q '^mlac_experiments{state="succeeded"} 1$' "$TMP/metrics.txt"
check "200s counted" grep -Eq '^mlac_http_requests_total\{code="200"\} [1-9]' "$TMP/metrics.txt"
check "metrics need the token" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 401

# a real Prometheus on a free loopback port
printf '%s' "$MLAC_API_TOKEN" >"$TMP/token"
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: mlac
    metrics_path: /metrics
    authorization: {type: Bearer, credentials_file: $TMP/token}
    static_configs: [{targets: ['${URL#http://}']}]
YML
check "promtool checks the config" promtool check config "$TMP/prometheus.yml"
pport=$(( (RANDOM % 20000) + 30000 ))
for _ in 1 2 3 4 5; do
  (exec 3<>"/dev/tcp/127.0.0.1/$pport") 2>/dev/null || break
  pport=$(( (RANDOM % 20000) + 30000 ))
done
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
found=0
for _ in $(seq 150); do
  if curl -s -m 2 "http://127.0.0.1:$pport/api/v1/query?query=mlac_tasks_total" | grep -q '"model":"random_forest"'; then
    found=1
    break
  fi
  sleep 0.2
done
check "Prometheus scraped mlac_tasks_total from the service" test "$found" = 1
check "Prometheus sees the target up" bash -c "curl -s 'http://127.0.0.1:$pport/api/v1/query?query=up' | grep -q '\"value\":\[[0-9.]*,\"1\"\]'"
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null; PROM_PID=
[ "$failed" -eq 0 ] || tail -5 "$TMP/prometheus.log" >&2

# the access log is buffered (serve/access_log.h): a clean stop right after a burst writes every line
urls=()
for _ in $(seq 300); do urls+=("$URL/v1/experiments/exp-flush"); done
curl -s -o /dev/null -H "Authorization: Bearer $MLAC_API_TOKEN" "${urls[@]}"
check "the 300 requests counted (404)" test "$(curl -s -H "Authorization: Bearer $MLAC_API_TOKEN" "$URL/metrics" |
  sed -n 's/^mlac_http_requests_total{code="404"} //p')" -ge 300
stop_server
check "SIGTERM right after the burst: all 300 access-log lines written, each whole JSON" test \
  "$(grep -c '"path":"/v1/experiments/exp-flush"' "$TMP/s.access.log") $(jq -c . "$TMP/s.access.log" | wc -l)" = \
  "300 $(wc -l <"$TMP/s.access.log")"
finish
