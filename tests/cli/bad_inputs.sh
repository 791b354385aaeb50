#!/usr/bin/env bash
# bad_inputs.sh — the bad-input corpus of the CLI with golden error messages (issue 14, standing
# protection): every folder of tests/cli/bad_inputs/ is one case:
#   setup.sh      (optional) run with bash in the case's empty work folder to make the input;
#                 it sees MLAC, S (shared inputs, below) and CASE (the case's own folder)
#   cmd           the command line (bash, run in the work folder; stdout is dropped)
#   expected.txt  the golden result: "exit N", then the command's stderr, with the work folder
#                 written <W>, the shared folder <S> and the case folder <CASE>, log
#                 timestamps "ts":"<ts>"
# A case passes when exit code and stderr equal the golden file. MLAC_UPDATE_GOLDEN=1 rewrites
# the golden files from what the commands do now (read the diff before committing it);
# MLAC_BAD_INPUTS=NAME runs only the cases whose name holds NAME.
# Shared inputs ($S), made once: data/ (synth: coyote and bullfrog, 8 clips a class, 1 s),
# res/r/ (a finished random_forest run on coyote, 2 folds, n=4), res/gx/ (the same with --groups,
# --group-score max and --test-data ext/) and emb/ (BirdNET text
# embeddings of every clip of data/, 4 values each).
set -u
source "$(dirname "$0")/lib/testlib.sh"
CASES=${MLAC_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/bad_inputs
export MLAC S=$TMP/shared MLAC_CACHE_DIR="$TMP/cache"
unset MLAC_LOG_FORMAT

mkdir -p "$S"
"$MLAC" synth --out "$S/data" --per-class 8 --seconds 1 --species coyote bullfrog >/dev/null 2>&1 ||
  { echo "FAIL: synth"; exit 1; }
"$MLAC" run-experiment --data "$S/data" --species coyote --models random_forest --training-sizes 4 --cv-folds 2 \
  --output-dir "$S/res" --run-id r --no-report >/dev/null 2>&1 || { echo "FAIL: the shared run"; exit 1; }
"$MLAC" synth --out "$S/ext" --per-class 6 --seconds 1 --species coyote --seed 9 >/dev/null 2>&1 &&
  { echo file,group; (cd "$S/data" && find coyote -path '*/data/*' -name '*.wav' | LC_ALL=C sort | awk '{print $0",g"int(NR/2)}'); } \
    > "$S/groups.csv" &&
  "$MLAC" run-experiment --data "$S/data" --species coyote --models random_forest --training-sizes 4 --cv-folds 2 \
    --output-dir "$S/res" --run-id gx --no-report --groups "$S/groups.csv" --group-score max --test-data "$S/ext" \
    >/dev/null 2>&1 || { echo "FAIL: the shared run with group and external ROC-AUCs"; exit 1; }
(cd "$S/data" && find . -name '*.wav' | sed 's|^\./||' | sort) | while read -r clip; do
  mkdir -p "$S/emb/$(dirname "$clip")"
  printf '0.0\t1.0\t0.1,0.2,0.3,%s\n' "$(printf '%s' "$clip" | cksum | cut -c1-4)" \
    > "$S/emb/${clip%.wav}.birdnet.embeddings.txt"
done

# normalise FILE: temporary paths replaced by their names in expected.txt
normalise() { sed -e "s|\"ts\":\"[^\"]*\"|\"ts\":\"<ts>\"|g" -e "s|$W|<W>|g" -e "s|$S|<S>|g" -e "s|$CASE|<CASE>|g" -e "s|$TMP|<TMP>|g" "$1"; }

n_cases=0
for CASE in "$CASES"/*/; do
  CASE=${CASE%/}
  name=$(basename "$CASE")
  [ -n "${MLAC_BAD_INPUTS:-}" ] && [[ "$name" != *"$MLAC_BAD_INPUTS"* ]] && continue
  n_cases=$((n_cases + 1))
  W=$TMP/cases/$name
  mkdir -p "$W"
  export CASE W
  if [ -f "$CASE/setup.sh" ] && ! (cd "$W" && bash "$CASE/setup.sh") >"$TMP/setup.out" 2>&1; then
    failed=$((failed + 1))
    echo "FAIL: $name: setup.sh failed" >&2
    sed 's/^/    /' "$TMP/setup.out" | tail -10 >&2
    continue
  fi
  (cd "$W" && bash -c "$(cat "$CASE/cmd")") >/dev/null 2>"$TMP/stderr"
  rc=$?
  { echo "exit $rc"; normalise "$TMP/stderr"; } > "$TMP/got.txt"
  if [ -n "${MLAC_UPDATE_GOLDEN:-}" ]; then
    cp "$TMP/got.txt" "$CASE/expected.txt"
  fi
  if ! [ -f "$CASE/expected.txt" ]; then
    failed=$((failed + 1))
    echo "FAIL: $name: no expected.txt (MLAC_UPDATE_GOLDEN=1 writes it)" >&2
  elif diff -u "$CASE/expected.txt" "$TMP/got.txt" > "$TMP/diff"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit code or stderr differs from expected.txt:" >&2
    sed 's/^/    /' "$TMP/diff" | head -20 >&2
  fi
  # a crash or a sanitizer report is never a golden message
  if [ "$rc" -ge 128 ] || grep -q 'Sanitizer' "$TMP/stderr"; then
    failed=$((failed + 1))
    echo "FAIL: $name: exit $rc (crash or sanitizer report)" >&2
  fi
done
if [ -z "${MLAC_BAD_INPUTS:-}" ] && [ "$n_cases" -lt 40 ]; then
  failed=$((failed + 1))
  echo "FAIL: only $n_cases cases in $CASES" >&2
fi
echo "$n_cases cases"
finish
