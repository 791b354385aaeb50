#!/usr/bin/env bash
# End-to-end checks of the small commands: --version, --help everywhere, config precedence and
# provenance, datasets (table, JSON, wrong layout), features (shapes, CSV/npy, bad audio).
set -u
. "$(dirname "$0")/lib/testlib.sh"

check "--version" bash -c "'$MLAC' --version | grep -Eq '^mlac [0-9]+\.[0-9]+\.[0-9]+$'"
for cmd in synth datasets features run-experiment grid-search report config; do
  check "$cmd --help" bash -c "'$MLAC' $cmd --help | grep -q '^usage: mlac $cmd'"
done
expect_fail "unknown command" "unknown command 'frobnicate'" "$MLAC" frobnicate

# configuration: default < YAML < environment < flag, each with its source
printf 'seed: 5\ncv_folds: 3\n' > "$TMP/spec.yaml"
check "config default" bash -c "env -u RANDOM_SEED -u MLAC_SEED '$MLAC' config | grep -Eq '^seed +42 +default'"
check "config yaml" bash -c "env -u RANDOM_SEED -u MLAC_SEED '$MLAC' config --spec '$TMP/spec.yaml' | grep -Eq '^seed +5 +file'"
check "config env beats yaml" bash -c "RANDOM_SEED=7 '$MLAC' config --spec '$TMP/spec.yaml' | grep -Eq '^seed +7 +env +\\\$RANDOM_SEED'"
check "config json" bash -c "MAX_WORKERS=3 '$MLAC' config --json | grep -q '\"origin\": \"\$MAX_WORKERS\"'"
expect_fail "a bad environment value names the key" "cv_folds" bash -c "DEFAULT_CV_FOLDS=x '$MLAC' run-experiment --data '$TMP/none'"

# datasets
check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1
check "datasets table" bash -c "'$MLAC' datasets --data '$TMP/data' | grep -Eq '^coyote +6 +6 .*WAV +22050'"
check "datasets json" bash -c "'$MLAC' datasets --data '$TMP/data' --json | grep -q '\"max_balanced_n_by_folds\"'"
mkdir -p "$TMP/bad/coyote/stuff"
expect_fail "wrong layout shows the expected one" "expected layout" "$MLAC" datasets --data "$TMP/bad"

# features: shapes of what the models see
clip=$(ls "$TMP/data/coyote/data/pos/"*.wav | head -1)
check "summary has 78 values" bash -c "'$MLAC' features '$clip' --kind summary | tail -1 | awk -F, '{exit !(NF == 80)}'"
check "mfcc 13 per frame, 44 frames for 1 s" bash -c "'$MLAC' features '$clip' --kind mfcc | tail -n +2 | awk -F, 'NF != 15 {bad=1} END {exit bad || NR != 44}'"
check "deltas 39 per frame" bash -c "'$MLAC' features '$clip' --kind deltas | tail -1 | awk -F, '{exit !(NF == 41)}'"
check "logmel image is 128 x 128" bash -c "'$MLAC' features '$clip' --kind logmel | tail -n +2 | awk -F, 'NF != 130 {bad=1} END {exit bad || NR != 128}'"
check "image size option" bash -c "'$MLAC' features '$clip' --kind logmel --image-size 32 | tail -n +2 | wc -l | grep -qx 32"
check "npy to a file" "$MLAC" features "$clip" --kind summary --format npy --out "$TMP/s.npy"
check "npy header" bash -c "head -c 80 '$TMP/s.npy' | grep -q \"'shape': (78,)\""
clip2=$(ls "$TMP/data/coyote/data/neg/"*.wav | head -1)
check "npy for several files" "$MLAC" features "$clip" "$clip2" --kind mfcc --format npy --out "$TMP/npys"
check "npy files written" test -s "$TMP/npys/$(basename "$clip").mfcc.npy" -a -s "$TMP/npys/$(basename "$clip2").mfcc.npy"
mkdir -p "$TMP/twin" && cp "$clip2" "$TMP/twin/$(basename "$clip")"
expect_fail "inputs sharing a base name are refused, naming both" "'$clip' and '$TMP/twin/$(basename "$clip")' share the base name" \
  "$MLAC" features "$clip" "$TMP/twin/$(basename "$clip")" --kind mfcc --format npy --out "$TMP/npys2"
check "... and nothing is written" test ! -e "$TMP/npys2"
printf 'this is not audio' > "$TMP/text.wav"
expect_fail "bad audio names the file" "text.wav" "$MLAC" features "$TMP/text.wav"
expect_fail "missing file names the file" "nope.wav" "$MLAC" features "$TMP/nope.wav"
expect_fail "bad kind" "--kind must be" "$MLAC" features "$clip" --kind cqt
check "models lists every model" bash -c "'$MLAC' models | grep -c '^[a-z_]* — ' | grep -qx 7"
check "models shows option defaults" bash -c "'$MLAC' models random_forest | grep -Eq 'n_trees .*\(default 100\)'"
expect_fail "models: unknown name" "unknown model 'nope'" "$MLAC" models nope
finish
