#!/usr/bin/env bash
# gcs_e2e.sh — mlac end to end on gs://: the demo data written to the bucket by `mlac synth`,
# `datasets` on it, an RF+SVM grid from gs:// data to gs:// results killed with SIGKILL mid-grid
# (its lease lock then refuses a second writer until it expires) and resumed from the bucket,
# its summary identical to a local run of the same spec; `report` of the gs:// run; a second
# run over the same bucket making zero media GETs (download cache, counted by the server);
# unopenable output locations refused with a clear error, never a crash.
#   MLAC_E2E_SERVER=ours (default, ctest store_gcs_e2e): against build/gcs_test_server.
#   MLAC_E2E_SERVER=emulator (ctest store_gcs_e2e_emulator): the same against Google's Firebase
#     Storage emulator (tests/gcs/emulator_launch.js); exits 77 (skipped) when it is not installed.
#     Its known gaps, and what this test does about them: it ignores ifGenerationMatch (never a
#     412), so the "lease refuses a second writer" check is not made there; it finalises a
#     chunked resumable upload on its first chunk and refuses requests over 130 MB, so
#     MLAC_GCS_UPLOAD_THRESHOLD is set to 64 MiB (every object here is single-request; the
#     largest is under 1 MB); it injects no faults, so the uploads are slowed by the launcher's
#     /_stall hook instead of a retry_test; it counts nothing, so media GETs are counted by the
#     launcher's /_stats hook, a counter in front of the emulator's request handler.
set -u
source "$(dirname "$0")/../cli/lib/testlib.sh"
SERVER_KIND=${MLAC_E2E_SERVER:-ours}
case $SERVER_KIND in
ours)
  SERVER=${MLAC_BUILD:?}/gcs_test_server
  "$SERVER" --port 0 --port-file "$TMP/port" --log "$TMP/requests.log" >"$TMP/server.log" 2>&1 &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$TMP"' EXIT
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
  PORT=$(cat "$TMP/port")
  ;;
emulator)
  source "$(dirname "$0")/../gcs/lib/emulator.sh"
  if ! emulator_installed; then
    echo "store_gcs_e2e_emulator: skipped: emulator not installed (no Firebase Storage emulator in $EMULATOR_DIR;"
    echo "  scripts/install-gcs-emulator.sh installs it, or MLAC_TEST_EMULATOR=1 scripts/test.sh)"
    exit 77
  fi
  trap 'emulator_stop; rm -rf "$TMP"' EXIT
  emulator_start "$TMP" || exit 1
  PORT=$EMULATOR_PORT
  export MLAC_GCS_UPLOAD_THRESHOLD=$((64 << 20))
  : >"$TMP/requests.log" # the emulator keeps no request log
  ;;
*)
  echo "gcs_e2e.sh: MLAC_E2E_SERVER must be 'ours' or 'emulator', not '$SERVER_KIND'" >&2
  exit 2
  ;;
esac
echo "gcs_e2e: against $SERVER_KIND on port $PORT"
BASE=http://127.0.0.1:$PORT
export STORAGE_EMULATOR_HOST=127.0.0.1:$PORT
export MLAC_GCS_RETRY_INITIAL=0.01 MLAC_GCS_RETRY_MAX=0.1 MLAC_GCS_LOCK_LEASE=30 LOG_FORMAT=text
unset GOOGLE_APPLICATION_CREDENTIALS MLAC_GCS_ENDPOINT GCS_BUCKET_NAME MLAC_GCS_BUCKET_NAME CLOUD_STORAGE_EMULATOR_ENDPOINT

media_gets() { curl -s "$BASE/_stats" | jq -r .requests.media_get; }
reset_stats() { curl -s -X POST "$BASE/_stats/reset" >/dev/null; }
# objects under a prefix (object names, one a line), all pages
objects() {
  local token="" out
  while :; do
    out=$(curl -s "$BASE/storage/v1/b/bkt/o?prefix=$1${token:+&pageToken=$token}")
    echo "$out" | jq -r '.items[]?.name'
    token=$(echo "$out" | jq -r '.nextPageToken // empty')
    [ -n "$token" ] || break
  done
}

SPEC=(--models random_forest svm --species coyote bullfrog human_vocal --training-sizes 5 10 15 --cv-folds 3
      --max-concurrent 1)

# the demo data: locally and into the bucket, the same bytes
check "synth to a folder" "$MLAC" synth --out "$TMP/data" --per-class 30
check "synth to gs://" env MLAC_CACHE_DIR="$TMP/cache-synth" "$MLAC" synth --out gs://bkt/data --per-class 30
check "360 clips + README + manifest in the bucket" test "$(objects data/ | wc -l)" -eq 362
"$MLAC" datasets --data "$TMP/data" --json >"$TMP/ds-local.json" 2>/dev/null
check "datasets --data gs://" sh -c "MLAC_CACHE_DIR='$TMP/cache-ds' '$MLAC' datasets --data gs://bkt/data --json >'$TMP/ds-gs.json'"
fp_local=$(grep -o '"fingerprint": "[0-9a-f]*"' "$TMP/ds-local.json")
fp_gs=$(grep -o '"fingerprint": "[0-9a-f]*"' "$TMP/ds-gs.json")
check "same data fingerprint" test -n "$fp_local" -a "$fp_local" = "$fp_gs"

# the local reference run
check "local grid" "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir "$TMP/results" \
  --cache-dir "$TMP/cache-local"
local_run=$(ls "$TMP/results")

# the gs:// run, killed with SIGKILL mid-grid
export MLAC_CACHE_DIR=$TMP/cache-gs
# every upload of this run stalls 0.4 s (our server's fault injection, the emulator launcher's
# /_stall hook), so the kill lands mid-grid however fast the machine is
if [ "$SERVER_KIND" = ours ]; then
  stalls=$(printf '"stall-for-0.4s",%.0s' $(seq 300))
  slow_id=$(curl -s -X POST "$BASE/retry_test" -H 'Content-Type: application/json' \
    -d "{\"instructions\":{\"storage.objects.insert\":[${stalls%,}]},\"global\":true}" |
    sed -E 's/.*"id":"([^"]*)".*/\1/')
else
  curl -s -X POST "$BASE/_stall?seconds=0.4" >/dev/null
fi
"$MLAC" run-experiment "${SPEC[@]}" --data gs://bkt/data --output-dir gs://bkt/results >"$TMP/run1.out" 2>&1 &
run_pid=$!
parts=0
for _ in $(seq 600); do
  parts=$(objects results/ | grep -c 'tasks.jsonl.parts/' || true)
  [ "$parts" -ge 5 ] && break
  kill -0 $run_pid 2>/dev/null || break
  sleep 0.02
done
kill -9 $run_pid 2>/dev/null
wait $run_pid 2>/dev/null
if [ "$SERVER_KIND" = ours ]; then
  curl -s -X DELETE "$BASE/retry_test/$slow_id" >/dev/null
else
  curl -s -X DELETE "$BASE/_stall" >/dev/null
fi
done_before=$(objects results/ | grep -c 'tasks.jsonl.parts/' || true)
check "killed mid-grid ($done_before of 54 tasks in the bucket)" test "$done_before" -ge 1 -a "$done_before" -lt 54
gs_run=$(objects results/ | grep -m1 -o '^results/run-[0-9a-f]*' | sed 's|results/||')
check "the gs:// run has the local run's id" test "$gs_run" = "$local_run"
check "the dead run's lock object is still there" sh -c "curl -sf '$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2F.lock' >/dev/null"
if [ "$SERVER_KIND" = ours ]; then # the emulator ignores ifGenerationMatch: no create-only lock there
  expect_fail "its lease refuses a second writer" "locked by .* another mlac process" \
    "$MLAC" run-experiment "${SPEC[@]}" --data gs://bkt/data --output-dir gs://bkt/results
fi
# the lease (MLAC_GCS_LOCK_LEASE=30: long enough that a loaded machine still reaches the second
# writer's check inside it) runs out, as nobody renews it: wait until its expires_at
expires=$(curl -s "$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2F.lock?alt=media" | sed -E 's/.*"expires_at": *([0-9.]+).*/\1/')
while awk -v e="${expires:-0}" -v now="$(date +%s.%N)" 'BEGIN { exit !(now <= e + 0.2) }'; do sleep 0.2; done
check "resumed from the bucket" "$MLAC" run-experiment "${SPEC[@]}" --data gs://bkt/data --output-dir gs://bkt/results
cp "$TMP/last.out" "$TMP/run2.out"
check "resume skipped the finished tasks" grep -Eq "54 tasks \(([1-9][0-9]*) already done" "$TMP/run2.out"
skipped=$(grep -Eo '\(([0-9]+) already done' "$TMP/run2.out" | grep -Eo '[0-9]+')
check "skipped at least what was in the bucket at the kill" test "${skipped:-0}" -ge "$done_before"
check "54 ledger parts, one per task" test "$(objects results/$gs_run/tasks.jsonl.parts/ | wc -l)" -eq 54
check "the lock is released" sh -c "! curl -sf '$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2F.lock' >/dev/null"
curl -s "$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2Fsummary.csv?alt=media" >"$TMP/summary-gs.csv"
check "summary identical to the local run" cmp "$TMP/results/$local_run/summary.csv" "$TMP/summary-gs.csv"
for f in spec.json summary.json significance.csv curves.csv report/index.html; do
  check "results/$gs_run/$f in the bucket" curl -sf -o /dev/null "$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2F${f//\//%2F}"
done
check "predictions in the bucket" test "$(objects results/$gs_run/predictions/ | wc -l)" -eq 54

# report of a gs:// run folder
curl -s -X DELETE "$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2Freport%2Findex.html" >/dev/null
check "mlac report gs://..." "$MLAC" report "gs://bkt/results/$gs_run"
check "report/index.html written back" curl -sf -o /dev/null "$BASE/storage/v1/b/bkt/o/results%2F$gs_run%2Freport%2Findex.html"

# a second run over the same bucket: everything from the download cache
reset_stats
check "second run into a new results prefix" "$MLAC" run-experiment "${SPEC[@]}" --data gs://bkt/data \
  --output-dir gs://bkt/results2 --cache-dir "$TMP/cache-gs"
check "zero media GETs on the second run (got $(media_gets))" test "$(media_gets)" -eq 0
[ "$(media_gets)" -eq 0 ] || grep "alt=media" "$TMP/requests.log" | tail -3 >&2
check "datasets from the cache too" "$MLAC" datasets --data gs://bkt/data
check "still zero media GETs" test "$(media_gets)" -eq 0

# GCS_BUCKET_NAME: a bare data path that is no local folder means that bucket
mkdir -p "$TMP/cwd"
check "GCS_BUCKET_NAME + bare --data" sh -c "cd '$TMP/cwd' && GCS_BUCKET_NAME=bkt '$MLAC' datasets --data data --json >'$TMP/ds-bare.json'"
check "... read the bucket" grep -q '"data": "gs://bkt/data"' "$TMP/ds-bare.json"
check "a local folder of that name wins" sh -c "cd '$TMP' && GCS_BUCKET_NAME=bkt '$MLAC' datasets --data data --json | grep -q '\"data\": \"data\"'"

# outputs that cannot be opened: clear errors, never a crash (rc 139)
expect_fail "--output-dir gs:// without a bucket" "no bucket name" \
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir gs://
expect_fail "--output-dir with a bad bucket name" "Bad_Bucket" \
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir gs://Bad_Bucket/results
expect_fail "--output-dir with an unknown scheme" "unknown storage scheme" \
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir s3://bucket/results
expect_fail "--output-dir gs:// with no server" "gs://bkt/out/run-.*(failed|HTTP)" \
  env STORAGE_EMULATOR_HOST=127.0.0.1:1 MLAC_GCS_RETRY_DEADLINE=1 \
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir gs://bkt/out
expect_fail "--output-dir under a file" "cannot|not a directory|Not a directory" \
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir "$TMP/data/README.txt/x"
for c in "gs://" "gs://Bad_Bucket/r" "s3://b/r"; do
  "$MLAC" run-experiment "${SPEC[@]}" --data "$TMP/data" --output-dir "$c" >/dev/null 2>&1
  rc=$?
  check "rc $rc for --output-dir $c is an error code, not a signal" test "$rc" -ge 1 -a "$rc" -lt 126
done
finish
