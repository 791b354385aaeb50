#!/usr/bin/env bash
# first_hour.sh — issue 13's first list, the bullets no other test reproduces (the table of
# bullet -> test is in the issue's verification report): a gs:// results path with no
# credentials, no reachable bucket or a bad key file is a clear error, never a crash; capped
# sizes are said in the terminal of a real run (not only --dry-run) and the report header lists
# the sizes that ran and what was capped, not the requested ones; a failed task's log line
# carries no AUC (never roc_auc=0.0000); on a terminal the run ends with its results table and a
# progress bar never shares a line with a log line; the stand-in embedder is labelled as such in the report
# written by a run; scripts/demo.sh builds the mlac binary only (run against a fake cmake that
# records its arguments and a stub mlac, so no build and no demo run).
# It finds the stand-in embedder (tests/tools/stand_in_embedder.c) beside MLAC_BIN.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=text MLAC_CACHE_DIR="$TMP/cache"
SI="$(dirname "$MLAC")/stand_in_embedder"
SRC=${MLAC_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 6 --seconds 1 --seed 13 --species coyote

# 1. --output-dir gs://... (the platform's documented results path) with no bucket to be had:
# a clear error naming what is missing, an error code (1..125), never a signal (SIGSEGV was 139).
SPEC=(--data "$TMP/data" --species coyote --models random_forest --training-sizes 3 --cv-folds 2)
nocred() {
  env -u STORAGE_EMULATOR_HOST -u CLOUD_STORAGE_EMULATOR_ENDPOINT -u GOOGLE_APPLICATION_CREDENTIALS \
    -u CLOUDSDK_CONFIG -u MLAC_GCS_ENDPOINT HOME="$TMP/home" GCE_METADATA_HOST=127.0.0.1:1 "$@"
}
gs_rc() { "$@" >"$TMP/gs.out" 2>&1; echo $?; }
rc=$(gs_rc nocred "$MLAC" run-experiment "${SPEC[@]}" --output-dir gs://dse-staff/soundhub/results/)
check "gs:// with no credentials: an error code, not a signal (rc $rc)" test "$rc" -ge 1 -a "$rc" -le 125
check "gs:// with no credentials: says none were found and where it looked" \
  grep -q "no Google Cloud credentials found: STORAGE_EMULATOR_HOST is not set, GOOGLE_APPLICATION_CREDENTIALS is not set" "$TMP/gs.out"
rc=$(gs_rc nocred env GOOGLE_APPLICATION_CREDENTIALS="$TMP/no-key.json" \
  "$MLAC" run-experiment "${SPEC[@]}" --output-dir gs://dse-staff/soundhub/results/)
check "gs:// with a missing key file: an error code, not a signal (rc $rc)" test "$rc" -ge 1 -a "$rc" -le 125
check "gs:// with a missing key file: names the file" grep -q "$TMP/no-key.json" "$TMP/gs.out"
rc=$(gs_rc env -u GOOGLE_APPLICATION_CREDENTIALS STORAGE_EMULATOR_HOST=127.0.0.1:1 MLAC_GCS_RETRY_DEADLINE=1 \
  MLAC_GCS_RETRY_INITIAL=0.01 MLAC_GCS_RETRY_MAX=0.1 \
  "$MLAC" run-experiment "${SPEC[@]}" --output-dir gs://dse-staff/soundhub/results/)
check "gs:// bucket unreachable: an error code, not a signal (rc $rc)" test "$rc" -ge 1 -a "$rc" -le 125
check "gs:// bucket unreachable: names the location" grep -q "gs://dse-staff/soundhub/results" "$TMP/gs.out"
check "no local folder named after the gs:// path" test ! -e gs: -a ! -e "$TMP/gs:"

# 2. sizes beyond the data: a real run says the cap in the terminal; the report header lists
# the sizes that ran (2 and 3) and the cap, never the requested 50 as if it had run.
"$MLAC" run-experiment "${SPEC[@]}" --training-sizes 2 50 --output-dir "$TMP/out" --run-id cap >"$TMP/cap.out" 2>&1
check "capped run finishes" test $? -eq 0
check "the run says the cap and why (not only --dry-run)" \
  grep -Eq 'training sizes: 2, 50 -> ([0-9]+) \(capped: only 6 positives and 6 negatives with 2 folds' "$TMP/cap.out"
nrun=$(sed -nE 's/.*training sizes: 2, 50 -> ([0-9]+) .*/\1/p' "$TMP/cap.out" | head -1)
sub=$(sed -n 's/.*<p class="sub">\(.*\)/\1/p' "$TMP/out/cap/report/index.html" | sed 's#</p>.*##' | head -1)
check "report header: the sizes run and the cap ($sub)" grep -qF "sizes 2, ${nrun:-?} (capped: 50 → ${nrun:-?})" <<<"$sub"
check "report header: 50 only as the capped request" bash -c "! grep -qE 'sizes [0-9, ]*50' <<<'$sub'"

# 3. and 4. a failed task's log line shows no AUC; the stand-in embedder is named in the report
check "stand-in embedder is built" test -x "$SI"
"$MLAC" run-experiment "${SPEC[@]}" --models random_forest birdnet --output-dir "$TMP/out-fail" --run-id fail \
  --cache-dir "" --embedder-birdnet "$SI --fail crash" >"$TMP/fail.out" 2>&1
check "failing embedder: the run goes on (2 failed tasks)" test "$(grep -c '"status":"failed"' "$TMP/out-fail/fail/tasks.jsonl")" -eq 2
check "ok tasks log their AUC" test "$(grep -cE 'task [0-9]+/4 coyote/random_forest/[^ ]+ ok roc_auc=[01]\.[0-9]{4}' "$TMP/fail.out")" -eq 2
check "failed tasks log 'failed'" test "$(grep -cE 'task [0-9]+/4 coyote/birdnet/[^ ]+ failed$' "$TMP/fail.out")" -eq 2
check "no failed task logged with an AUC" bash -c "! grep -E 'birdnet.*roc_auc|roc_auc=0\.0000' '$TMP/fail.out'"
"$MLAC" run-experiment "${SPEC[@]}" --models birdnet --output-dir "$TMP/out" --run-id si \
  --embedder-birdnet "$SI --model birdnet" >"$TMP/si.out" 2>&1
check "stand-in run finishes" test $? -eq 0
check "report: birdnet labelled as the stand-in beside its name" grep -q "birdnet.\{0,80\}(stand-in embedder)" "$TMP/out/si/report/index.html"
check "chart legend says stand-in" bash -c "cat '$TMP'/out/si/report/*.svg | grep -q 'embedder: stand-in'"

# 3b. on a terminal (a pty from script(1)): the run ends with the results table unasked, and a
# progress bar never shares a line with a log line: after each carriage return comes another bar
# or a cleared line (ESC [K) before the log text, and a bar is never followed by other text
if command -v script >/dev/null; then
  script -qec "$(printf '%q ' "$MLAC" run-experiment "${SPEC[@]}" --training-sizes 2 3 --models random_forest birdnet \
    --output-dir "$TMP/out-tty" --no-report --embedder-birdnet "$SI --fail crash")" /dev/null >"$TMP/tty.out" 2>&1
  check "terminal: the run ends with the results table" grep -aq '^coyote: ROC-AUC mean \[95% CI\] by training clips per class' "$TMP/tty.out"
  check "terminal: a bar was drawn" grep -aq 'tasks     \[#' "$TMP/tty.out"
  check "terminal: no bar and log line on one line" perl -ne '
    s/\r?\n$//; my @p = split /\r/, $_, -1; my $bad = 0;
    for my $i (0 .. $#p) {
      my $x = $p[$i];
      if ($x =~ /^[a-z]+ +\[[#.]+\]/) { $bad ||= $x !~ /^[a-z]+ +\[[#.]+\] \d+\/\d+ +\d+%  elapsed \d+s  eta \d+s(  \(some failed\))? *$/ }
      elsif ($i > 0 && length $x) { $bad ||= $x !~ /^\e\[K/ }
    }
    if ($bad) { print STDERR "glued: $_\n"; $fail = 1 } END { exit($fail ? 1 : 0) }' "$TMP/tty.out"
else
  echo "first_hour: script(1) not found: the terminal checks are not made"
fi

# 5. scripts/demo.sh builds only what it runs: its own copy of the tree with install-deps.sh a
# no-op, the real build.sh, a cmake on PATH that logs its arguments and "builds" a stub mlac
D="$TMP/demo"
mkdir -p "$D/scripts" "$D/bin"
cp "$SRC/scripts/demo.sh" "$SRC/scripts/build.sh" "$D/scripts/"
printf '#!/bin/sh\nexit 0\n' >"$D/scripts/install-deps.sh"
cat >"$D/stub-mlac" <<EOF
#!/bin/sh
echo "mlac \$*" >>"$D/mlac.log"
[ "\$1" = run-experiment ] && echo "report: $D/r/index.html"
exit 0
EOF
cat >"$D/bin/cmake" <<EOF
#!/bin/sh
echo "cmake \$*" >>"$D/cmake.log"
[ "\$1" = --build ] && mkdir -p "\$2" && cp "$D/stub-mlac" "\$2/mlac"
exit 0
EOF
chmod +x "$D/scripts/"*.sh "$D/bin/cmake" "$D/stub-mlac"
check "demo.sh runs (fake cmake, stub mlac)" bash -c "cd '$D' && env -u MLAC_BUILD_TARGET PATH='$D/bin':\"\$PATH\" bash scripts/demo.sh >'$D/demo.out' 2>&1"
check "demo.sh: one build, of the mlac target only" test "$(grep -c '^cmake --build' "$D/cmake.log")" -eq 1
check "demo.sh: the build names --target mlac" grep -Eq '^cmake --build .*/build .*--target mlac$' "$D/cmake.log"
check "demo.sh: then runs the built mlac" grep -q '^mlac run-experiment ' "$D/mlac.log"
finish
