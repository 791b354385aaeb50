#!/usr/bin/env bash
# A spec with a labels CSV over the service: accepted when the CSV and every clip it names lie
# under --data-roots, and then the same run id and results as the CLI run of the same spec; 403
# naming the path when the CSV lies outside, when a clip row points outside (through a symlink
# inside the root), and when the CSV's folder (the data root it implies) is outside.
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"

check "synth" "$MLAC" synth --out "$TMP/synth" --per-class 20 --seconds 1 --seed 7
# a flat folder under the data root, labels in a CSV with the lab's own words
mkdir -p "$TMP/data/flat" "$TMP/outside"
printf 'file,species,label\n' >"$TMP/data/flat/labels.csv"
i=0
for sp in coyote bullfrog; do
  for kind in pos neg; do
    w=$([ "$kind" = pos ] && echo call || echo quiet)
    for f in "$TMP/synth/$sp/data/$kind"/*.wav; do
      i=$((i + 1))
      name=$(printf 'rec_%04d.wav' "$i")
      cp "$f" "$TMP/data/flat/$name"
      printf '%s,%s,%s\n' "$name" "$sp" "$w" >>"$TMP/data/flat/labels.csv"
    done
  done
done
start_server s --workers 1 --threads 2
check "server answers /healthz" curl -sf "$URL/healthz"

spec=(--models random_forest svm --species coyote bullfrog --training-sizes 5 10 --cv-folds 3)
id=$("$MLAC" submit --labels "$TMP/data/flat/labels.csv" --positive-label call "${spec[@]}" 2>"$TMP/submit.err")
check "a labels CSV spec is accepted" grep -Eq '^exp-[0-9a-f]{20}$' <<<"$id"
check "it succeeds" "$MLAC" wait "$id" --timeout 300 --interval 0.2
MLAC_CACHE_DIR="$TMP/cli-cache" "$MLAC" run-experiment --labels "$TMP/data/flat/labels.csv" --positive-label call \
  "${spec[@]}" --output-dir "$TMP/cli" >"$TMP/cli.out" 2>&1
cli_run=$(ls "$TMP/cli")
api GET "/v1/experiments/$id" | head -1 >"$TMP/one.json"
run=$(json_field .run_id <"$TMP/one.json")
check "service run id equals the CLI's ($cli_run)" test -n "$run" -a "$run" = "$cli_run"
check "state succeeded, 24/24 tasks" test "$(json_field '"\(.state) \(.tasks.done)/\(.tasks.total)"' <"$TMP/one.json")" = "succeeded 24/24"
for f in summary.csv summary.json significance.csv curves.csv; do
  check "$f equals the CLI run's" cmp "$TMP/cli/$run/$f" "$TMP/results/$run/$f"
done
check "predictions equal the CLI run's" diff -r "$TMP/cli/$run/predictions" "$TMP/results/$run/predictions"
check "task metrics equal the CLI run's" diff <(metrics_by_task "$TMP/cli/$run/tasks.jsonl") \
  <(metrics_by_task "$TMP/results/$run/tasks.jsonl")

# refused: 403 naming the path, and nothing queued
cp "$TMP/data/flat/labels.csv" "$TMP/outside/labels.csv"
body=$(jq -nc --arg l "$TMP/outside/labels.csv" '{labels: $l, models: ["svm"], species: ["coyote"], training_sizes: [5], cv_folds: 3}')
api POST /v1/experiments "$body" >"$TMP/r1.txt"
check "a CSV outside the data roots: 403" test "$(tail -1 "$TMP/r1.txt")" = 403
check "  naming the CSV" grep -q "labels: '$TMP/outside/labels.csv' is outside the allowed data roots" "$TMP/r1.txt"

cp "$TMP/data/flat/rec_0001.wav" "$TMP/outside/secret.wav"
ln -s "$TMP/outside" "$TMP/data/flat/link"
{ head -1 "$TMP/data/flat/labels.csv"; echo "link/secret.wav,coyote,call"; tail -n +2 "$TMP/data/flat/labels.csv"; } \
  >"$TMP/data/flat/sneaky.csv"
body=$(jq -nc --arg l "$TMP/data/flat/sneaky.csv" '{labels: $l, positive_label: "call", models: ["svm"], species: ["coyote"], training_sizes: [5], cv_folds: 3}')
api POST /v1/experiments "$body" >"$TMP/r2.txt"
check "a clip row outside the data roots (symlink): 403" test "$(tail -1 "$TMP/r2.txt")" = 403
check "  naming the clip" grep -q "labels: '$TMP/data/flat/link/secret.wav' is outside the allowed data roots" "$TMP/r2.txt"

body=$(jq -nc --arg l "$TMP/data/flat/labels.csv" --arg d "$TMP/outside" '{labels: $l, data: $d, models: ["svm"], species: ["coyote"], training_sizes: [5], cv_folds: 3}')
check "data given outside the roots with a CSV inside: 403" test "$(status_of POST /v1/experiments "$body")" = 403
check "only the accepted experiment is listed" test "$(api GET /v1/experiments | head -1 | json_field '.experiments | length')" = 1
finish
