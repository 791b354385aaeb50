#!/usr/bin/env bash
# bad_names.sh — a species folder or clip whose name is not valid UTF-8 is refused up front,
# naming it, by datasets and run-experiment, and nothing is written (issue 14 defect 4: such
# names used to half-work, losing task ids in the ledger).
source "$(dirname "$0")/lib/testlib.sh"

"$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 1 --species coyote >/dev/null 2>&1 || { echo "FAIL: synth"; exit 1; }
bad=$(printf 'caf\xe9')
mv "$TMP/data/coyote" "$TMP/data/$bad"
expect_fail "datasets names the folder" 'caf\\xE9' "$MLAC" datasets --data "$TMP/data"
expect_fail "run-experiment names the folder" 'not valid UTF-8' "$MLAC" run-experiment --data "$TMP/data" \
  --species "$bad" --models random_forest --training-sizes 4 --cv-folds 2 --output-dir "$TMP/results"
check "nothing written" test ! -e "$TMP/results"

mv "$TMP/data/$bad" "$TMP/data/coyote"
clip=$(find "$TMP/data/coyote/data/pos" -name '*.wav' | head -n 1)
mv "$clip" "$(dirname "$clip")/$(printf 'clip\xff').wav"
expect_fail "a clip name too" 'clip\\xFF.wav' "$MLAC" datasets --data "$TMP/data"
finish
