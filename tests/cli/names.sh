#!/usr/bin/env bash
# names.sh — names as users have them: a species with a space ("Turdus migratorius") is one
# species in flags, YAML lists and MLAC_SPECIES; a name given twice is refused; a species folder
# or clip whose name is not valid UTF-8 is refused up front, naming it, by datasets and
# run-experiment, and nothing is written (such names used to half-work, losing task ids).
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

rm -f "$TMP/data/coyote/data/pos/$(printf 'clip\xff').wav"
mv "$TMP/data/coyote" "$TMP/data/Turdus migratorius"
"$MLAC" synth --out "$TMP/data2" --per-class 12 --seconds 1 --species coyote >/dev/null 2>&1
mv "$TMP/data2/coyote" "$TMP/data/coyote"
check "a species with a space (flag)" "$MLAC" run-experiment --data "$TMP/data" --species "Turdus migratorius" coyote \
  --models random_forest --training-sizes 4 --cv-folds 2 --output-dir "$TMP/r1"
check "...runs both species" bash -c "grep -c '\"species\":\"Turdus migratorius\"' \"$TMP\"/r1/*/tasks.jsonl | grep -qx 2"
printf 'species:\n  - Turdus migratorius\n' > "$TMP/spec.yaml"
check "a species with a space (YAML list)" "$MLAC" run-experiment --data "$TMP/data" --spec "$TMP/spec.yaml" \
  --models random_forest --training-sizes 4 --cv-folds 2 --output-dir "$TMP/r2"
check "a species with a space (MLAC_SPECIES, comma-separated)" env "MLAC_SPECIES=Turdus migratorius,coyote" \
  "$MLAC" run-experiment --data "$TMP/data" --models random_forest --training-sizes 4 --cv-folds 2 \
  --output-dir "$TMP/r3"
expect_fail "a species given twice" "species: 'coyote' is listed twice" "$MLAC" run-experiment --data "$TMP/data" \
  --species coyote coyote --models random_forest --training-sizes 4 --cv-folds 2 --output-dir "$TMP/r4"
expect_fail "a training size too large" "1000000000000 is too large" "$MLAC" run-experiment --data "$TMP/data" \
  --species coyote --models random_forest --training-sizes 1000000000000 --cv-folds 2 --output-dir "$TMP/r5"
finish
