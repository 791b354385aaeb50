#!/usr/bin/env bash
# embeddings.sh — birdnet and perch end to end through the CLI, with the stand-in embedder:
# the command route, the embedding cache (a second run does not call the embedder), the import
# route in each format (the same results as the command route), a failing embedder (its
# model's tasks fail, the run goes on), and no embedder configured (the run stops before any
# work; --skip-unavailable runs the rest).
# It finds the stand-in embedder (tests/tools/stand_in_embedder.c) beside MLAC_BIN.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"
SI="$(dirname "$MLAC")/stand_in_embedder"
check "stand-in embedder is built" test -x "$SI"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 4 --seed 7 --species coyote bullfrog
grid() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --training-sizes 3 6 --cv-folds 3 \
           --no-report "$@"; }
cmd_b="$SI --model birdnet --counter $TMP/counter"
cmd_p="$SI --model perch --counter $TMP/counter"

check "birdnet and perch run through the command protocol" \
  grid --models random_forest birdnet perch --output-dir "$TMP/cmd" --run-id r \
       --embedder-birdnet "$cmd_b" --embedder-perch "$cmd_p"
check "every task ok" test "$(grep -c '"status":"ok"' "$TMP/cmd/r/tasks.jsonl")" -eq 36
check "summary has birdnet rows" grep -q '^coyote,birdnet,3,3,false,roc_auc,' "$TMP/cmd/r/summary.csv"
check "summary has perch rows" grep -q '^bullfrog,perch,6,6,false,roc_auc,' "$TMP/cmd/r/summary.csv"
check "spec records the embedders" grep -q '"embedding"' "$TMP/cmd/r/spec.json"
calls=$(grep -c '^embed ' "$TMP/counter")
check "the embedder was called" test "$calls" -ge 2

grid --models birdnet perch --output-dir "$TMP/cached" --run-id r --embedder-birdnet "$cmd_b" \
     --embedder-perch "$cmd_p" > "$TMP/cached.log" 2>&1
check "second run: no embedder call" test "$(grep -c '^embed ' "$TMP/counter")" -eq "$calls"
check "second run: every clip from the cache" grep -q 'embeddings: 48 clips (birdnet, 1024-d), 48 from the cache' \
  "$TMP/cached.log"
check "cached run gives the same results" \
  cmp <(grep -E '^[a-z_]+,(birdnet|perch),' "$TMP/cmd/r/summary.csv") <(grep -E '^[a-z_]+,(birdnet|perch),' "$TMP/cached/r/summary.csv")

for fmt in txt csv npy; do
  check "export $fmt (BirdNET-Analyzer stand-in)" "$SI" --model birdnet --export-format "$fmt" export "$TMP/data" "$TMP/imp-$fmt"
  check "import:$fmt runs" grid --models birdnet --output-dir "$TMP/imp-$fmt-out" --run-id r \
    --embedder-birdnet "import:$TMP/imp-$fmt"
  check "import:$fmt gives the command route's results" \
    cmp <(grep -E '^[a-z_]+,birdnet,' "$TMP/cmd/r/summary.csv") <(grep -E '^[a-z_]+,birdnet,' "$TMP/imp-$fmt-out/r/summary.csv")
done

grid --models random_forest birdnet --output-dir "$TMP/crash" --run-id r --cache-dir "" \
     --embedder-birdnet "$SI --fail crash" > "$TMP/crash.log" 2>&1
check "a crashing embedder fails its model's tasks" test "$(grep -c '"status":"failed"' "$TMP/crash/r/tasks.jsonl")" -eq 12
check "the other model still runs" test "$(grep -c '"status":"ok"' "$TMP/crash/r/tasks.jsonl")" -eq 12
check "the failure says why" grep -q 'crashed (killed by signal 11' "$TMP/crash/r/tasks.jsonl"

expect_fail "no embedder: stops before any work" "needs an embedder.*embedder_perch" \
  grid --models random_forest perch --output-dir "$TMP/none" --run-id r
check "no run folder was written" test ! -e "$TMP/none/r/tasks.jsonl"
check "--skip-unavailable runs the rest" grid --models random_forest perch --output-dir "$TMP/skip" --run-id r \
  --skip-unavailable
check "only random_forest ran" test "$(grep -c '"model":"random_forest"' "$TMP/skip/r/tasks.jsonl")" -eq 12
finish
