#!/usr/bin/env bash
# End-to-end: training sizes beyond what the data allows are capped and said so, with numbers in
# number columns: the plan names the cap and its reason; summary.csv (and report/summary.csv)
# hold one row per requested size, n_requested always an integer, capped per row; summary.json
# keeps the list. The CNN options and their defaults are listed, and the per-model flags say
# which models they apply to.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 1 --seed 4
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models svm --cv-folds 3 \
          --training-sizes 3 50 100 --output-dir "$TMP/out" --run-id r "$@"; }
check "plan" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --dry-run > '$TMP/plan.out' 2>/dev/null"
check "plan says both capped sizes and why" grep -q 'training sizes: 3, 50 -> 8, 100 -> 8 (capped: only 12 positives and 12 negatives with 3 folds allow at most 8' "$TMP/plan.out"
check "two sizes collapse onto one set of tasks" grep -Eq 'svm +6 tasks: 0 done, 0 reusable, 6 to run' "$TMP/plan.out"
check "run" run
S="$TMP/out/r/summary.csv"
check "a row per requested size" test "$(grep -c '^coyote,svm,8,\(50\|100\),true,roc_auc,' "$S")" -eq 2
check "the uncapped size says capped false" grep -q '^coyote,svm,3,3,false,roc_auc,' "$S"
check "n_requested is always an integer" bash -c "tail -n +2 '$S' | cut -d, -f4 | grep -vqE '^[0-9]+\$' && exit 1 || exit 0"
check "n is always an integer" bash -c "tail -n +2 '$S' | cut -d, -f3 | grep -vqE '^[0-9]+\$' && exit 1 || exit 0"
check "summary.json keeps the list" grep -q '"n_requested": \[$' "$TMP/out/r/summary.json"
check "summary.json lists 50 and 100" bash -c "tr -d ' \n' < '$TMP/out/r/summary.json' | grep -q '\"n\":8,\"n_requested\":\[50,100\]'"
R="$TMP/out/r/report/summary.csv"
check "report export too: a row per requested size" test "$(grep -c '^coyote,svm,8,\(50\|100\),true,roc_auc,' "$R")" -eq 2
check "report export: n_requested an integer" bash -c "tail -n +2 '$R' | cut -d, -f4 | grep -vqE '^[0-9]+\$' && exit 1 || exit 0"
check "redrawn report reads the rows back" "$MLAC" report "$TMP/out/r"

# the results table: asked for with --table, left out when stdout is not a terminal
"$MLAC" run-experiment --data "$TMP/data" --species coyote --models svm random_forest --cv-folds 3 \
  --training-sizes 3 6 --output-dir "$TMP/out" --run-id t --no-report --table > "$TMP/table.out" 2>/dev/null
check "the run ends with the results table" grep -q '^coyote: ROC-AUC mean \[95% CI\] by training clips per class' "$TMP/table.out"
check "the table has a row per model" test "$(grep -cE '^  (svm|random_forest) +[01]\.[0-9]{3}' "$TMP/table.out")" -eq 2
check "one best model marked per size" test "$(grep -oE '[01]\.[0-9]{3} \[[0-9.]+, [0-9.]+\] \*' "$TMP/table.out" | wc -l)" -eq 2
check "the clips for 0.9 are said per model" test "$(sed -n '/clips per class for ROC-AUC 0.9/,$p' "$TMP/table.out" | grep -cE '^    (svm|random_forest) ')" -eq 2
sed -n '/clips per class for ROC-AUC 0.9/,$p' "$TMP/table.out" | tail -n +2 > "$TMP/clips.out"
check "two sizes: never a forecast" bash -c "! grep -q 'about ' '$TMP/clips.out'"
check "two sizes: reached (measured) or why there is no forecast" bash -c "! grep -vE 'reached at n = [36] \(measured mean (0\.9|1\.0)|not reached by n = 6; a forecast needs a fit on at least 4 sizes \(this run has 2\)' '$TMP/clips.out'"
"$MLAC" report "$TMP/out/t" > "$TMP/report.out"
check "piped report: no table" bash -c "! grep -q 'ROC-AUC mean' '$TMP/report.out'"
check "report --table prints it" bash -c "'$MLAC' report '$TMP/out/t' --table | grep -q '^coyote: ROC-AUC mean'"

# options of every model with defaults; per-model flags say where they apply
"$MLAC" models vgg > "$TMP/vgg.txt"
check "CNN epochs default 10" grep -Eq '^ +epochs +.*\(default 10\)' "$TMP/vgg.txt"
check "CNN patience default 3" grep -Eq '^ +patience +.*\(default 3\)' "$TMP/vgg.txt"
check "CNN input size default" grep -Eq '^ +input_size +.*\(default the image size, 128\)' "$TMP/vgg.txt"
check "vgg dropout default" grep -Eq '^ +dropout +.*\(default 0.5 for vgg' "$TMP/vgg.txt"
"$MLAC" run-experiment --help > "$TMP/help.txt" 2>&1
check "--epochs applies to every CNN" grep -Eq -- '--epochs .*every CNN: vgg, mobilenet, resnet \(default 10' "$TMP/help.txt"
check "--width says mobilenet only" grep -Eq -- '--width .*mobilenet .*vgg and resnet have fixed widths' "$TMP/help.txt"
check "--dry-run is documented" grep -q -- '--dry-run' "$TMP/help.txt"
expect_fail "an unknown CNN option names the known ones" "vgg has no option 'epoch'.*epochs" \
  "$MLAC" run-experiment --data "$TMP/data" --species coyote --models vgg --cv-folds 3 --training-sizes 3 \
  --output-dir "$TMP/x" --model-options '{"vgg":{"epoch":2}}' --dry-run
finish
