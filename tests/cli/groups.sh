#!/usr/bin/env bash
# End-to-end (issue 12): on `mlac synth --windows-per-recording 8`, clip-level folds put windows
# of one recording on both sides of a split and overstate ROC-AUC; folds grouped by recording
# (--group-by 're:...') do not. datasets and run-experiment warn about the windows when grouping
# is off; splits prints each clip's group and no group crosses a split; grouped results do not
# depend on --max-concurrent/--threads; bad group inputs fail before any work, naming the field.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"
RE='re:^(.+)_w\d+\.wav$'

check "synth 8 windows per recording" "$MLAC" synth --out "$TMP/data" --per-class 128 --seconds 2 \
  --windows-per-recording 8 --species coyote bullfrog --seed 42
check "file names carry the recording" test -f "$TMP/data/coyote/data/pos/coyote_pos_rec0003_w5.wav"

# datasets: the leakage warning without groups; groups per class with them
"$MLAC" datasets --data "$TMP/data" > "$TMP/ds.txt" 2>&1
check "datasets warns about windows" grep -q "coyote': 256 of 256 clips look like windows of 32 recordings" "$TMP/ds.txt"
check "datasets suggests --group-by" grep -qF -- "--group-by 're:^(.+)_w\d+\.wav$'" "$TMP/ds.txt"
"$MLAC" datasets --data "$TMP/data" --group-by "$RE" > "$TMP/dsg.txt" 2>&1
check "datasets shows groups per class" grep -q "groups: positives 16 groups, largest 'bullfrog_pos_rec0000' (8 clips); negatives 16 groups" "$TMP/dsg.txt"
check "no leakage warning with groups" bash -c "! grep -q 'look like windows' '$TMP/dsg.txt'"

# splits: every clip with its group, and no group on both sides of any split
"$MLAC" splits --data "$TMP/data" --species coyote --training-sizes 8 64 --cv-folds 4 --repeats 2 \
  --group-by "$RE" > "$TMP/splits.jsonl" 2>/dev/null
check "splits: a line per (n, repeat, fold)" test "$(wc -l < "$TMP/splits.jsonl")" -eq 16
check "splits print groups" grep -q '\["coyote/data/pos/coyote_pos_rec0000_w0.wav",1,"coyote_pos_rec0000"\]' "$TMP/splits.jsonl"
no_group_crosses() {
  while IFS= read -r line; do
    local train=${line#*\"train\":} test=${line#*\"test\":}
    train=${train%%\"test\":*}
    printf '%s' "$train" | grep -o ',"[^"]*"\]' | sort -u > "$TMP/tr.g"
    printf '%s' "$test" | grep -o ',"[^"]*"\]' | sort -u > "$TMP/te.g"
    [ -s "$TMP/te.g" ] && [ -s "$TMP/tr.g" ] || return 1
    [ -z "$(comm -12 "$TMP/tr.g" "$TMP/te.g")" ] || return 1
  done < "$1"
}
check "no group in both training and test" no_group_crosses "$TMP/splits.jsonl"
# each group is in the test fold of exactly one fold (per repeat)
grep '"n":8,' "$TMP/splits.jsonl" | grep '"repeat":0' | while IFS= read -r line; do
  f=${line#*\"fold\":}; f=${f%%,*}
  printf '%s' "${line#*\"test\":}" | grep -o ',"[^"]*"\]' | sort -u | sed "s/^/$f /"
done > "$TMP/fold_groups"
check "every group in exactly one fold" test "$(cut -d' ' -f2 "$TMP/fold_groups" | sort | uniq -d | wc -l)" -eq 0
check "all 32 recordings of coyote are tested" test "$(cut -d' ' -f2 "$TMP/fold_groups" | sort -u | wc -l)" -eq 32

# the two runs: clip-level folds and recording-level folds, same everything else
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog --models random_forest svm \
          --training-sizes 16 32 64 --cv-folds 4 --output-dir "$TMP/res" "$@"; }
run --run-id random > "$TMP/random.log" 2>&1
check "random-fold run" grep -q 'random: 48 tasks' "$TMP/random.log"
check "run-experiment warns about windows" grep -q '"level":"warning".*bullfrog.: 256 of 256 clips look like windows' "$TMP/random.log"
run --run-id grouped --group-by "$RE" > "$TMP/grouped.log" 2>&1
check "grouped run" grep -q 'grouped: 48 tasks' "$TMP/grouped.log"
check "spec.json records the groups" grep -q '"source": "re:^(.+)_w\\\\d+\\\\.wav\$"' "$TMP/res/grouped/spec.json"
check "report notes grouped folds" grep -q 'Folds are grouped (group_by re:' "$TMP/res/grouped/report/index.html"
check "report of the random run warns" grep -q 'Warning: species .*coyote.*: 256 of 256 clips look like windows' "$TMP/res/random/report/index.html"

# random-fold AUC overstates: mean gap over (species, model, n) and at the largest n.
# Measured (seed 42, default clip length = the clips' 2 s): mean gap 0.040, at n=64 0.055; with
# the old fixed 5 s (3 s of zero padding per clip) it was 0.077 and 0.09.
auc() { awk -F, '$6=="roc_auc"{print $1","$2","$3","$7}' "$TMP/res/$1/summary.csv" | sort; }
auc random > "$TMP/a.r"; auc grouped > "$TMP/a.g"
join -t, -j1 <(awk -F, '{print $1"/"$2"/"$3","$4}' "$TMP/a.r") <(awk -F, '{print $1"/"$2"/"$3","$4}' "$TMP/a.g") > "$TMP/gap"
check "12 paired cells" test "$(wc -l < "$TMP/gap")" -eq 12
gap_all=$(awk -F, '{s+=$2-$3} END{printf "%.4f", s/NR}' "$TMP/gap")
gap_big=$(awk -F, '$1 ~ /\/64$/ {s+=$2-$3; n++} END{printf "%.4f", s/n}' "$TMP/gap")
echo "random - grouped ROC-AUC: mean $gap_all, at n=64 $gap_big"
check "random folds overstate AUC by >= 0.03 on average ($gap_all)" awk -v g="$gap_all" 'BEGIN{exit !(g >= 0.03)}'
check "and by >= 0.04 at the largest n ($gap_big)" awk -v g="$gap_big" 'BEGIN{exit !(g >= 0.04)}'
check "random above grouped in at least 10 of 12 cells" test "$(awk -F, '$2>$3' "$TMP/gap" | wc -l)" -ge 10
# each report shows its own curve's numbers (heatmap cell of coyote, random_forest, n = 64)
for kind in random grouped; do
  m=$(awk -F, '$1=="coyote" && $2=="random_forest" && $3==64 && $6=="roc_auc" {printf "%.3f", $7}' "$TMP/res/$kind/summary.csv")
  check "the $kind report shows its AUC $m at n = 64" grep -q "data-tip=\"random_forest, n = 64&#10;ROC-AUC $m," "$TMP/res/$kind/report/index.html"
done

# operating points and calibration per task, aggregated; Platt scaling of the SVM on its training set
# the grouped grid sharded in 3 and merged: the same summary byte for byte (merge rebuilds the
# grouped folds from spec.json's group_by)
for i in 0 1 2; do
  run --run-id sharded --group-by "$RE" --shard "$i/3" > "$TMP/shard$i.log" 2>&1
done
check "merge of the grouped shards" "$MLAC" merge "$TMP/res/sharded"
check "sharded grouped summary = single grouped run" cmp "$TMP/res/sharded/summary.csv" "$TMP/res/grouped/summary.csv"
check "summary has precision at recall 0.9" grep -q '^coyote,svm,64,64,false,precision_at_recall_90,0\.' "$TMP/res/grouped/summary.csv"
check "summary has the forest's Brier score" grep -q '^coyote,random_forest,64,64,false,brier,0\.' "$TMP/res/grouped/summary.csv"
check "report: threshold table per species" test "$(grep -c 'threshold for recall 0.8' "$TMP/res/grouped/report/index.html")" -eq 2
check "report: reliability diagram of the forest" grep -q 'aria-label="Reliability (pooled out-of-fold)"' "$TMP/res/grouped/report/index.html"
check "no Brier for the uncalibrated SVM" test "$(grep '"task_id":"coyote/svm/' "$TMP/res/grouped/tasks.jsonl" | grep -c '"brier":null')" -eq 12
run --run-id platt --group-by "$RE" --models svm --training-sizes 32 --calibrate platt --no-report > /dev/null 2>&1
check "platt: every task calibrated" test "$(grep -c '"calibration":{[^}]*"method":"platt"' "$TMP/res/platt/tasks.jsonl")" -eq 8
check "platt: Brier and ECE reported" bash -c "! grep -q '\"brier\":null' '$TMP/res/platt/tasks.jsonl'"
check "platt: ranking unchanged" cmp <(grep 'svm,32,32,false,roc_auc' "$TMP/res/platt/summary.csv") \
  <(grep 'svm,32,32,false,roc_auc' "$TMP/res/grouped/summary.csv")

# recording-level ROC-AUC (--group-score max), checked against an awk Mann-Whitney over the groups
run --run-id gscore --group-by "$RE" --models random_forest --training-sizes 32 --group-score max > /dev/null 2>&1
pred="$TMP/res/gscore/predictions/bullfrog/random_forest/n00032_r0_f1.csv"
want=$(awk -F, 'NR>1 {g=$1; sub(/_w[0-9]+\.wav$/, "", g); if (!(g in s) || $3 > s[g]) s[g]=$3; if ($2==1) l[g]=1}
  END {for (a in s) for (b in s) if (l[a] && !l[b]) {t++; u += (s[a]>s[b]) + 0.5*(s[a]==s[b])} printf "%.9f", u/t}' "$pred")
got=$(grep '"task_id":"bullfrog/random_forest/n00032/r0/f1"' "$TMP/res/gscore/tasks.jsonl" | grep -o '"group_roc_auc":[0-9.e-]*' | cut -d: -f2)
check "group AUC of a task matches the groups' max scores ($got vs $want)" awk -v a="$got" -v b="$want" 'BEGIN{exit !(a != "" && (a-b)^2 < 1e-16)}'
check "summary has the recording-level AUC" grep -q '^coyote,random_forest,32,32,false,group_roc_auc,0\.' "$TMP/res/gscore/summary.csv"
check "curves.csv has a recording-level row (one size: no fit)" grep -q '^coyote,random_forest,group_roc_auc,0.90,.*,fit_failed,32$' "$TMP/res/gscore/curves.csv"
g_mean=$(awk -F, '$1=="coyote" && $6=="group_roc_auc" {printf "%.3f", $7}' "$TMP/res/gscore/summary.csv")
check "report heatmap: recording-level AUC $g_mean beside the CV one" grep -q "data-metric=\"group_roc_auc\">recording $g_mean<" "$TMP/res/gscore/report/index.html"
check "report chart (SVG): the recording-level line" grep -q '<g class="group" data-metric="group_roc_auc">' "$TMP/res/gscore/report/coyote_roc_auc.svg"

# an external test set (another seed: "another site") scored by every task, beside the CV AUC
check "synth an external test set" "$MLAC" synth --out "$TMP/ext" --per-class 24 --seconds 2 --species coyote bullfrog --seed 99
run --run-id ext --group-by "$RE" --models random_forest --training-sizes 8 16 32 --test-data "$TMP/ext" > /dev/null 2>&1
check "every task has an external AUC" test "$(grep -c '"external_roc_auc":0\.' "$TMP/res/ext/tasks.jsonl")" -eq 24
ext_auc=$(awk -F, '$1=="coyote" && $3==16 && $6=="external_roc_auc" {print $7}' "$TMP/res/ext/summary.csv")
check "curves.csv: a fit of the external AUC too" grep -Eq '^coyote,random_forest,external_roc_auc,0.90,[0-9.e-]+,.*,32$' "$TMP/res/ext/curves.csv"
check "curves.csv: and of the CV AUC" grep -Eq '^coyote,random_forest,roc_auc,0.90,[0-9.e-]+,.*,32$' "$TMP/res/ext/curves.csv"
e_mean=$(printf '%.3f' "$ext_auc")
check "report heatmap: external AUC $e_mean beside the CV one" grep -q "data-metric=\"external_roc_auc\">external $e_mean<" "$TMP/res/ext/report/index.html"
check "report chart (SVG): the external line" grep -q '<g class="external" data-metric="external_roc_auc">' "$TMP/res/ext/report/coyote_roc_auc.svg"
check "report chart says what the dotted line is" grep -q 'dotted: external test set' "$TMP/res/ext/report/coyote_roc_auc.svg"
check "summary: coyote external AUC beside the CV one ($ext_auc > 0.6)" awk -v a="$ext_auc" 'BEGIN{exit !(a != "" && a > 0.6 && a <= 1)}'

# confound check: positives at 8 kHz, negatives at 22.05 kHz -> the metadata baseline separates them
"$MLAC" synth --out "$TMP/r8" --per-class 20 --seconds 1 --rate 8000 --species coyote --seed 3 > /dev/null 2>&1
"$MLAC" synth --out "$TMP/r22" --per-class 20 --seconds 1 --species coyote --seed 4 > /dev/null 2>&1
mkdir -p "$TMP/conf/coyote/data"
cp -r "$TMP/r8/coyote/data/pos" "$TMP/conf/coyote/data/pos"; cp -r "$TMP/r22/coyote/data/neg" "$TMP/conf/coyote/data/neg"
"$MLAC" datasets --data "$TMP/conf" > "$TMP/conf.txt" 2>&1
check "datasets: rates per class" grep -q "positives: 8000 Hz; 1 ch; 1.00-1.00 s; negatives: 22050 Hz; 1 ch" "$TMP/conf.txt"
check "datasets: confound warning" grep -q "warning: species 'coyote': the recording format alone .* ROC-AUC 1.00" "$TMP/conf.txt"
"$MLAC" run-experiment --data "$TMP/conf" --species coyote --models random_forest --training-sizes 8 --cv-folds 4 \
  --output-dir "$TMP/res" --run-id conf > "$TMP/conf.log" 2>&1
check "run log: confound warning" grep -q '"level":"warning".*the recording format alone' "$TMP/conf.log"
check "the baseline decodes nothing again (metadata from the feature stage)" \
  grep -Eq "metadata-only baseline ROC-AUC [0-9.]+ \(40 clips' metadata from the feature stage, 0 decoded for it\)" "$TMP/conf.log"
check "report: confound warning" grep -q 'Warning: species .*coyote.*: the recording format alone' "$TMP/res/conf/report/index.html"
check "the warning is not fatal" grep -q 'conf: 4 tasks (0 already done, 4 run, 0 failed)' "$TMP/conf.log"

# determinism of grouped folds across concurrency and threads
run --run-id grouped --group-by "$RE" --output-dir "$TMP/res2" --max-concurrent 3 --threads 2 --no-report > /dev/null 2>&1
metrics_by_task "$TMP/res/grouped/tasks.jsonl" > "$TMP/g1"
metrics_by_task "$TMP/res2/grouped/tasks.jsonl" > "$TMP/g2"
check "grouped metrics identical (concurrency 3, threads 2)" cmp "$TMP/g1" "$TMP/g2"
check "grouped predictions identical" diff -r "$TMP/res/grouped/predictions" "$TMP/res2/grouped/predictions"

# run ids: unchanged without grouping, different with it
quick() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models random_forest --training-sizes 4 \
            --cv-folds 2 --output-dir "$TMP/ids" --no-report "$@" 2>/dev/null | head -1 | cut -d: -f1; }
id_plain=$(quick); id_none=$(quick --group-by none); id_re=$(quick --group-by "$RE")
check "no grouping: same run id ($id_plain)" test "$id_plain" = "$id_none"
check "grouping: another run id ($id_re)" test -n "$id_re" -a "$id_re" != "$id_plain"

# bad inputs: refused before any work, naming the field
bad() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --models random_forest --training-sizes 4 \
          --output-dir "$TMP/bad" --no-report "$@"; }
expect_fail "regex without a capture group" "group_by: regular expression .* has 0 capture groups" bad --group-by 're:^.+_w\d+\.wav$'
expect_fail "regex that does not compile" "does not compile" bad --group-by 're:^(.+_w\d+\.wav$'
expect_fail "folder without folders" "is not in a folder below pos/ or neg/" bad --group-by folder
expect_fail "fewer groups than folds" "cv_folds: 20 grouped folds need at least 20 groups holding positives" \
  bad --group-by "$RE" --cv-folds 20
printf 'file,group\ncoyote/data/pos/nope.wav,a\n' > "$TMP/g.csv"
expect_fail "groups CSV naming an unknown file" "gives no group for clip|names 'coyote/data/pos/nope.wav', which is not a clip" \
  bad --groups "$TMP/g.csv"
expect_fail "group score without groups" "group_score: species 'coyote' has no groups" bad --group-score max
expect_fail "calibrate typo" "calibrate: expected none or platt, got 'plat'" bad --calibrate plat
# the external test data is checked before spec.json is written, like the rest
expect_fail "test data without the species" "test_data: no species found|test_data: species 'coyote' needs positives" \
  bad --test-data "$TMP/data/bullfrog"
expect_fail "test data that does not exist" "test_data: " bad --test-data "$TMP/no-such-root"
check "nothing was written for bad inputs" test ! -e "$TMP/bad"

finish
