#!/usr/bin/env bash
# End-to-end: `mlac report RUN_DIR` on the fixture runs (tests/fixtures/report/) and on a fresh run
# of the engine writes a complete report/: index.html, <species>_roc_auc.svg/.png at the asked
# dpi, the tidy exports; regenerating from the run folder alone gives the same files; the page
# runs in headless Chromium without errors. Bad arguments fail with a message.
set -u
. "$(dirname "$0")/lib/testlib.sh"
FIX=${MLAC_FIXTURES:-$MLAC_SOURCE/tests/fixtures}/report
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk
png_size() {
  od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
is_png() { [ "$(od -An -c -j1 -N3 "$1" | tr -d ' ')" = "PNG" ]; }

cp -r "$FIX/basic" "$TMP/basic"
check "report on the fixture run" "$MLAC" report "$TMP/basic/run1"
R=$TMP/basic/run1/report
for f in index.html coyote_roc_auc.svg coyote_roc_auc.png bullfrog_roc_auc.svg bullfrog_roc_auc.png \
         tasks.csv summary.csv summary.json significance.csv curves.csv; do
  check "writes report/$f" test -s "$R/$f"
done
check "png signature" is_png "$R/coyote_roc_auc.png"
check "png is 1125x708 at 150 dpi" test "$(png_size "$R/coyote_roc_auc.png")" = "1125 708"
check "svg is an svg" grep -q '<svg xmlns="http://www.w3.org/2000/svg" width="540pt"' "$R/coyote_roc_auc.svg"
check "tasks.csv: one row per ledger line" test "$(($(wc -l < "$R/tasks.csv") - 1))" -eq "$(grep -c . "$TMP/basic/run1/tasks.jsonl")"
check "index.html is self-contained" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$R/index.html'"
check "index.html shows both species" bash -c "grep -q 'id=\"sp-coyote\"' '$R/index.html' && grep -q 'id=\"sp-bullfrog\"' '$R/index.html'"

cp "$R/index.html" "$TMP/first.html"
cp "$R/coyote_roc_auc.svg" "$TMP/first.svg"
rm -rf "$R"
check "regenerate from the run folder alone" "$MLAC" report "$TMP/basic/run1/"
check "same index.html" cmp "$TMP/first.html" "$R/index.html"
check "same svg" cmp "$TMP/first.svg" "$R/coyote_roc_auc.svg"
check "--dpi 300" "$MLAC" report --dpi 300 "$TMP/basic/run1"
check "png is 2250x1417 at 300 dpi" test "$(png_size "$R/coyote_roc_auc.png")" = "2250 1417"

for run in one failed perfect partial; do
  cp -r "$FIX/$run" "$TMP/$run"
  check "report of the '$run' run" "$MLAC" report "$TMP/$run/run1"
  check "'$run' has index.html" test -s "$TMP/$run/run1/report/index.html"
done

mkdir -p "$TMP/empty"
expect_fail "no run there" "no run at .*empty/nothing" "$MLAC" report "$TMP/empty/nothing"
expect_fail "no RUN_DIR" "give a RUN_DIR" "$MLAC" report
expect_fail "bad dpi" "dpi" "$MLAC" report --dpi 5 "$TMP/basic/run1"

# A fresh run of the engine draws its report at the end, from the same code.
check "synth" "$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 1 --seed 3 --species coyote bullfrog
check "run-experiment" "$MLAC" run-experiment --data "$TMP/data" --species coyote bullfrog \
  --models random_forest,svm --training-sizes 3 5 8 --cv-folds 3 --output-dir "$TMP/res" --run-id e2e
E=$TMP/res/e2e/report
for f in index.html coyote_roc_auc.svg coyote_roc_auc.png bullfrog_roc_auc.png tasks.csv summary.csv; do
  check "engine run writes report/$f" test -s "$E/$f"
done
check "engine run: tasks.csv rows = ledger lines" \
  test "$(($(wc -l < "$E/tasks.csv") - 1))" -eq "$(grep -c . "$TMP/res/e2e/tasks.jsonl")"
# report/summary.csv (from summary.json) agrees with the engine's summary.csv to its 6 decimals
check "engine summary.csv and report/summary.csv agree" awk -F, '
  NR == FNR { if (FNR > 1) { key = $1 FS $2 FS $3 FS $6; for (i = 7; i <= 10; i++) v[key, i] = $i; n++ } next }
  FNR > 1 { key = $1 FS $2 FS $3 FS $6; seen++
            for (i = 7; i <= 10; i++) { a = v[key, i]; b = $i
              if ((a == "") != (b == "") || (a != "" && (a - b > 5e-7 || b - a > 5e-7))) { print "differs:", key, i, a, b; bad = 1 } } }
  END { if (seen != n || n == 0) { print "rows:", seen, n; bad = 1 } exit bad }' \
  "$TMP/res/e2e/summary.csv" "$E/summary.csv"

# The page runs in a real browser: no script error, the controls self-test passes.
CHROMIUM=${MLAC_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  failed=$((failed + 1))
  echo "FAIL: chromium is missing (scripts/install-deps.sh installs it)" >&2
else
  dom() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-quic \
      --no-first-run --disable-component-update --disable-sync --user-data-dir="$TMP/profile" \
      --enable-logging=stderr --v=0 --dump-dom "file://$1#mlac-selftest" 2>"$TMP/chromium.err"
  }
  dom "$E/index.html" > "$TMP/e2e.dom"
  check "browser: the script ran to the end" grep -q 'MLAC_REPORT_READY' "$TMP/e2e.dom"
  check "browser: the controls work" grep -q 'MLAC_SELFTEST_OK' "$TMP/e2e.dom"
  check "browser: no javascript error" bash -c "! grep -q 'MLAC_JS_ERROR\|data-js-errors=\"' '$TMP/e2e.dom'"
fi
finish
