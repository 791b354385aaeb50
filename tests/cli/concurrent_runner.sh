#!/usr/bin/env bash
# End-to-end: the runner with tasks in parallel (--max-concurrent 2) and threads inside each task
# (--threads 4 for two tasks), over a forest, an SVM and a small CNN, gives exactly the results of one task at
# a time on one thread (same ledger metrics, byte-identical predictions). Small enough to run
# under ThreadSanitizer: scripts/test.sh's TSan phase runs it (any race report fails mlac there).
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1 --seed 8 --species coyote bullfrog
grid() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --models random_forest svm vgg \
           --training-sizes 4 --cv-folds 2 --epochs 1 --input-size 16 --width 0.25 --batch-size 4 \
           --model-options '{"random_forest": {"n_trees": 20}}' --run-id r --no-report "$@"; }
check "one at a time" grid --output-dir "$TMP/a" --max-concurrent 1 --threads 1
check "two tasks at a time, a budget of four threads" grid --output-dir "$TMP/b" --max-concurrent 2 --threads 4
check "every task ok" test "$(grep -c '"status":"ok"' "$TMP/b/r/tasks.jsonl")" -eq 12
check "identical metrics" cmp <(metrics_by_task "$TMP/a/r/tasks.jsonl") <(metrics_by_task "$TMP/b/r/tasks.jsonl")
check "identical predictions" diff -r "$TMP/a/r/predictions" "$TMP/b/r/predictions"
finish
