#!/usr/bin/env bash
# The newcomer test (issue 13): a flat folder of WAVs whose names say nothing about their labels
# and a labels CSV with its own label words gets a report without moving a file; the default
# species is every species found; unreadable clips are left out and listed (not rc 2), or
# refused with --on-bad-clip fail; a folder that fits no layout says what was found.
set -u
. "$(dirname "$0")/lib/testlib.sh"

"$MLAC" synth --out "$TMP/syn" --per-class 12 --seconds 1 --species coyote bullfrog > /dev/null 2>&1
mkdir -p "$TMP/flat"
printf 'file,species,label\n' > "$TMP/labels.csv"
printf 'file,species,label\n' > "$TMP/auto.csv"
i=0
for f in $(cd "$TMP/syn" && find . -path '*/data/*' -name '*.wav' | sort); do
  i=$((i + 1))
  name=$(printf 'rec_%04d.wav' "$i")          # nothing in the name says species or label
  sp=$(echo "$f" | cut -d/ -f2)
  lab=$(echo "$f" | cut -d/ -f4)
  cp "$TMP/syn/$f" "$TMP/flat/$name"
  [ "$lab" = pos ] && w=vocalisation || w=quiet
  printf '%s,%s,%s\n' "$name" "$sp" "$w" >> "$TMP/labels.csv"
  [ "$lab" = pos ] && w="${sp}_call" || w=background
  printf '"%s",%s,%s\n' "$name" "$sp" "$w" >> "$TMP/auto.csv"   # quoted fields too (RFC 4180)
done
(cd "$TMP/flat" && find . -type f | sort) > "$TMP/before.txt"

# a flat folder without the CSV: the error says what was found and how to use it
expect_fail "flat folder: says what it found" "48 audio files in all, 48 directly under the root.*--labels FILE.csv" \
  "$MLAC" run-experiment --data "$TMP/flat" --output-dir "$TMP/res"

# the newcomer's run: own label words, named on the command line
common=(--models random_forest --training-sizes 4 8 --cv-folds 3 --output-dir "$TMP/res")
"$MLAC" run-experiment --data "$TMP/flat" --labels "$TMP/labels.csv" --positive-label vocalisation \
  --negative-label quiet "${common[@]}" > "$TMP/run.txt" 2>&1
check "run with --labels succeeds" grep -q "^report: " "$TMP/run.txt"
rep=$(sed -n 's/^report: *//p' "$TMP/run.txt")
check "report written" test -s "$rep"
run=$(dirname "$(dirname "$rep")")
check "default species = every species found" \
  python3 -c "import json,sys; d=json.load(open('$run/spec.json')); sys.exit(d['species'] != ['bullfrog','coyote'])"
check "12 positives and 12 negatives per species" \
  python3 -c "import json,sys; d=json.load(open('$run/spec.json'))['dataset']; sys.exit(any((v['positives'],v['negatives'])!=(12,12) for v in d.values()))"
check "tasks of both species ran" test "$(grep -c '"status":"ok"' "$run/tasks.jsonl")" -eq 12
check "the mapping is printed" grep -q "labels of 'coyote': 'quiet' -> negative, 'vocalisation' -> positive" "$TMP/run.txt"
check "no file was moved" bash -c "cd '$TMP/flat' && find . -type f | sort | cmp -s - '$TMP/before.txt'"

# the same data, another CSV (paths relative to the CSV's folder); words decided from the values
cp "$TMP/auto.csv" "$TMP/flat/auto.csv"
"$MLAC" run-experiment --labels "$TMP/flat/auto.csv" "${common[@]}" --output-dir "$TMP/res2" > "$TMP/run2.txt" 2>&1
check "auto mapping: run succeeds" grep -q "^report: " "$TMP/run2.txt"
check "auto mapping printed" grep -q "labels of 'bullfrog': 'background' -> negative, 'bullfrog_call' -> positive" "$TMP/run2.txt"
expect_fail "a label word not named" "neither --positive-label 'vocalisation' nor --negative-label 'silence'" \
  "$MLAC" run-experiment --data "$TMP/flat" --labels "$TMP/labels.csv" --positive-label vocalisation \
  --negative-label silence "${common[@]}"
expect_fail "files not where the CSV says: the error says where they are looked for" \
  "no positive clip is readable .* relative to --data, or to the CSV's folder" \
  "$MLAC" run-experiment --labels "$TMP/labels.csv" --positive-label vocalisation "${common[@]}"
expect_fail "a CSV without the columns" "must name the columns file, species and label" \
  bash -c "printf 'name,kind\nrec_0001.wav,x\n' > '$TMP/bad.csv'; '$MLAC' run-experiment --data '$TMP/flat' --labels '$TMP/bad.csv'"

# one unreadable clip (and one truncated) no longer aborts: left out, listed, fingerprinted
cp -r "$TMP/flat" "$TMP/flat_bad"
printf 'not audio' > "$TMP/flat_bad/rec_0002.wav"
head -c 100 "$TMP/flat/rec_0020.wav" > "$TMP/flat_bad/rec_0020.wav"
"$MLAC" run-experiment --data "$TMP/flat_bad" --labels "$TMP/labels.csv" --positive-label vocalisation \
  "${common[@]}" --output-dir "$TMP/res3" > "$TMP/run3.txt" 2>&1
check "bad clips: the run finishes" grep -q "^report: " "$TMP/run3.txt"
check "bad clips: listed once" test "$(grep -c '2 unreadable clips left out' "$TMP/run3.txt")" -eq 1
check "bad clips: both named" grep -q "rec_0002.wav.*rec_0020.wav" "$TMP/run3.txt"
run3=$(dirname "$(dirname "$(sed -n 's/^report: *//p' "$TMP/run3.txt")")")
check "bad clips: in spec.json" \
  python3 -c "import json,sys; d=json.load(open('$run3/spec.json')); sys.exit([u['file'] for u in d['unreadable_clips']] != ['rec_0002.wav','rec_0020.wav'])"
check "bad clips: left out of the counts" \
  python3 -c "import json,sys; d=json.load(open('$run3/spec.json'))['dataset']; sys.exit(d['bullfrog']['positives']+d['bullfrog']['negatives']+d['coyote']['positives']+d['coyote']['negatives'] != 46)"
check "bad clips: another fingerprint" \
  python3 -c "import json,sys; a=json.load(open('$run/spec.json')); b=json.load(open('$run3/spec.json')); sys.exit(a['data_fingerprint']==b['data_fingerprint'])"
check "bad clips: in the report" grep -q "2 unreadable clips left out" "$run3/report/index.html"
check "bad clips: no task reads them" bash -c "! grep -rq 'rec_0002.wav\|rec_0020.wav' '$run3/predictions'"
expect_fail "--on-bad-clip fail refuses, naming them" "2 unreadable clips under .*rec_0002.wav" \
  "$MLAC" run-experiment --data "$TMP/flat_bad" --labels "$TMP/labels.csv" --positive-label vocalisation \
  "${common[@]}" --output-dir "$TMP/res4" --on-bad-clip fail
expect_fail "--on-bad-clip checked" "on_bad_clip: expected skip or fail" \
  "$MLAC" run-experiment --data "$TMP/flat_bad" --labels "$TMP/labels.csv" --on-bad-clip maybe

# a sharded manifest run with bad clips merges: merge reads the CSV and replays the list
for i in 0 1; do
  "$MLAC" run-experiment --data "$TMP/flat_bad" --labels "$TMP/labels.csv" --positive-label vocalisation \
    "${common[@]}" --output-dir "$TMP/res5" --run-id r --shard "$i/2" > "$TMP/shard$i.txt" 2>&1
done
check "sharded: merge" "$MLAC" merge "$TMP/res5/r"
check "sharded + merge = one process" cmp "$TMP/res5/r/summary.csv" "$run3/summary.csv"

# datasets decodes every clip: both bad clips are counted (a header probe saw only one)
"$MLAC" datasets --data "$TMP/flat_bad" --labels "$TMP/labels.csv" --positive-label vocalisation --json > "$TMP/ds.json" 2>/dev/null
check "datasets counts every unreadable clip" \
  python3 -c "import json,sys; d=json.load(open('$TMP/ds.json')); sys.exit(sum(s['unreadable'] for s in d['species']) != 2)"
finish
