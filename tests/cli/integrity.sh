#!/usr/bin/env bash
# integrity.sh — nothing silently wrong in a run's results (issue 14 items 3, 5, 6, 7, 9). A clip
# whose name holds a newline, a quote and a comma goes through run -> aggregate -> rerun -> report;
# then a real run's files are damaged one way at a time: a rerun names what it found and redoes
# that task (exit 0, results equal to the undamaged run), `mlac merge` refuses it (exit 65, naming
# the task), a damaged earlier result is not reused by a new run, and a run folder whose spec.json
# is missing or corrupt is refused (exit 65).
source "$(dirname "$0")/lib/testlib.sh"

"$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 1 --species coyote >/dev/null 2>&1 || { echo "FAIL: synth"; exit 1; }
clip=$(find "$TMP/data/coyote/data/pos" -name '*.wav' | sort | head -n 1)
hostile=$(printf 'odd "name",\nwith newline.wav')
mv "$clip" "$(dirname "$clip")/$hostile"
# run ARGS: a run (its output also kept in $TMP/run.out, as check's last.out is the next check's)
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models random_forest --training-sizes 4 \
  --cv-folds 2 --output-dir "$TMP/res" --run-id r "$@" > "$TMP/run.out" 2>&1; local rc=$?; cat "$TMP/run.out"; return $rc; }
R=$TMP/res/r
P=$R/predictions/coyote/random_forest
check "a run with the hostile clip name" run
check "its predictions quote the name" grep -q '^"coyote/data/pos/odd ""name"",$' "$P/n00004_r0_f0.csv" "$P/n00004_r0_f1.csv"
check "the rerun aggregates again" run
check "...and redoes nothing" grep -q "2 already done, 0 run" "$TMP/run.out"
check "report" "$MLAC" report "$R"
check "merge of the finished run" "$MLAC" merge --no-report "$R"
cp -r "$R" "$TMP/pristine"

reset() { rm -rf "$R" && cp -r "$TMP/pristine" "$R"; }
same_summary() { cmp "$TMP/pristine/summary.csv" "$R/summary.csv"; }
# damage DESC: the rerun names the task, redoes one task, and gives the undamaged results
redone() {
  local desc=$1 want=$2
  expect_fail "$desc: merge refuses (exit 65)" "$want" bash -c '"$0" merge --no-report "$1"; rc=$?; [ $rc -eq 65 ] || echo "rc $rc"; exit 1' "$MLAC" "$R"
  check "$desc: the rerun succeeds" run
  check "$desc: ...names the task" grep -q "n00004/r0/f0" "$TMP/run.out"
  check "$desc: ...says why" grep -q -- "$want" "$TMP/run.out"
  check "$desc: ...redoes it" grep -q "1 already done, 1 run" "$TMP/run.out"
  check "$desc: ...and the summary is the undamaged one" same_summary
  reset
}

# item 6: damaged predictions
F=$P/n00004_r0_f0.csv
head -c -25 "$TMP/pristine/predictions/coyote/random_forest/n00004_r0_f0.csv" > "$F"
redone "truncated predictions" "does not match the line's SHA-256"
printf 'garbage\x01\x02' > "$F"
redone "garbage predictions" "does not match the line's SHA-256"
sed -i '3s/,[^,]*,\([^,]*\)$/,nan,\1/' "$F"
redone "a NaN score" "does not match the line's SHA-256"
: > "$F"
redone "emptied predictions" "does not match the line's SHA-256"
rm "$F"
redone "deleted predictions" "is missing"

# item 7: an edited metric; a later duplicate line
L=$R/tasks.jsonl
sed -i '1s/"roc_auc":[0-9.e-]*/"roc_auc":0.999/' "$L"
redone "an edited metric" "'roc_auc' is 0.999 in the line"
head -n 1 "$L" | sed 's/"roc_auc":[0-9.e-]*/"roc_auc":0.999/' >> "$L"
check "a duplicate line: the rerun succeeds" run
check "...and reports it, naming the line and the task" grep -q "tasks.jsonl:3: task 'coyote/random_forest/n00004/r0/f0' already finished on line 1" "$TMP/run.out"
check "...and the summary is the first line's" same_summary
reset

# item 9: a line with a missing field, a line of a task outside the grid
sed -i '1s/"species":"coyote",//' "$L"
redone "a line with no species" "task 'coyote/random_forest/n00004/r0/f0': the line has no 'species'"
sed -i '1s/"species":"coyote",//' "$L"
check "a line with no species: the rerun" run
check "...names the ledger line" grep -q "r/tasks.jsonl:1: task 'coyote/random_forest/n00004/r0/f0': the line has no 'species'" "$TMP/run.out"
reset
head -n 1 "$L" | sed 's#n00004/r0/f0#n00004/r5/f0#; s#"repeat":0#"repeat":5#' >> "$L"
check "a line outside the grid: the rerun succeeds" run
check "...names the line" grep -q "tasks.jsonl:3: task 'coyote/random_forest/n00004/r5/f0' is not in this run's grid; ignored" "$TMP/run.out"
check "...and the summary is the undamaged one" same_summary
reset

# item 7, every metric kind: an edited value of each metric of the line is refused by merge,
# naming the metric (group_roc_auc: --group-score over --groups; external_roc_auc: --test-data)
# refused RUN PATTERN: merge exits 65 and says PATTERN (grep -F)
refused() { "$MLAC" merge --no-report "$1" > "$TMP/merge.out" 2>&1; local rc=$?; cat "$TMP/merge.out"; [ $rc -eq 65 ] && grep -qF -- "$2" "$TMP/merge.out"; }
for m in roc_auc pr_auc accuracy f1 log_loss brier ece precision_at_recall_90 recall_at_precision_90; do
  sed -i "1s/\"$m\":[0-9.e-]*/\"$m\":0.123/" "$L"
  check "an edited '$m': merge refuses, naming it" refused "$R" "'$m' is 0.123 in the line"
  reset
done
# the groups CSV quotes every path (the hostile clip's too: RFC 4180, issue 14 item 3)
{ echo file,group; i=0; while IFS= read -r -d '' f; do printf '"%s",g%d\n' "${f//\"/\"\"}" $((i++ / 2)); done \
    < <(cd "$TMP/data" && find coyote -path '*/data/*' -name '*.wav' -print0 | LC_ALL=C sort -z); } > "$TMP/groups.csv"
"$MLAC" synth --out "$TMP/ext" --per-class 6 --seconds 1 --species coyote --seed 9 >/dev/null 2>&1
check "a run with group and external ROC-AUCs" run --run-id gx --groups "$TMP/groups.csv" --group-score max --test-data "$TMP/ext"
GX=$TMP/res/gx
check "...its lines keep what the two are recomputed from" grep -q '"external_check":{"labels":\[.*"group_check":{"gids":\[' "$GX/tasks.jsonl"
check "...and an untouched run merges" "$MLAC" merge --no-report "$GX"
cp "$GX/tasks.jsonl" "$TMP/gx.jsonl"
for m in group_roc_auc external_roc_auc; do
  sed -i "1s/\"$m\":[0-9.e-]*/\"$m\":0.123/" "$GX/tasks.jsonl"
  check "an edited '$m': merge refuses, naming it" refused "$GX" "'$m' is 0.123 in the line but"
  cp "$TMP/gx.jsonl" "$GX/tasks.jsonl"
done
sed -i '1s/"group_check":{[^}]*},//' "$GX/tasks.jsonl"
check "a line whose group_check is gone: merge refuses" refused "$GX" "'group_roc_auc' cannot be checked: the line has no 'group_check'"
cp "$TMP/gx.jsonl" "$GX/tasks.jsonl"

# item 5: spec.json deleted or corrupt: refused, naming the file and how to recover
rm "$R/spec.json"
expect_fail "a deleted spec.json with another seed is refused" "spec.json' is missing but the run folder holds results" run --seed 7
check "...and the message says how to recover" grep -q "restore spec.json, or move the run folder away" "$TMP/run.out"
check "...with exit 65" bash -c '"$0" run-experiment --data "$1" --species coyote --models random_forest --training-sizes 4 --cv-folds 2 --output-dir "$2" --run-id r --seed 7 >/dev/null 2>&1; [ $? -eq 65 ]' "$MLAC" "$TMP/data" "$TMP/res"
reset
echo '{"models": [' > "$R/spec.json"
expect_fail "a corrupt spec.json is refused" "spec.json' is not valid JSON .*restore the file, or move the run folder away" run
reset
echo '[1, 2]' > "$R/spec.json"
expect_fail "a spec.json that is not an object is refused" "spec.json' is not a JSON object" run
reset

# task reuse: an earlier run's damaged result is not copied into a new run; the task runs there
head -c -25 "$TMP/pristine/predictions/coyote/random_forest/n00004_r0_f0.csv" > "$F"
check "reuse: a second run of the same spec" run --run-id r2
check "...does not reuse the damaged task, and says why" grep -q "not reusing task coyote/random_forest/n00004/r0/f0 from run 'r'.*SHA-256" "$TMP/run.out"
check "...reuses the other and runs that one" grep -q "1 run, 0 failed, 1 reused from earlier runs" "$TMP/run.out"
check "...with the undamaged results" cmp "$TMP/pristine/summary.csv" "$TMP/res/r2/summary.csv"
rm -rf "$TMP/res/r2"
reset

# lines of an older mlac (no checksum) are used, reported as unverified
sed -i 's/,"predictions_rows":[0-9]*,"predictions_sha256":"[0-9a-f]*"//' "$L"
check "an older ledger: the rerun succeeds" run
check "...redoes nothing" grep -q "2 already done, 0 run" "$TMP/run.out"
check "...and says the lines are unverified" grep -q "without a predictions checksum" "$TMP/run.out"
finish
