#!/usr/bin/env bash
# Housekeeping (issue 13 item 8): the feature cache under $XDG_CACHE_HOME/mlac (or --cache-dir /
# MLAC_CACHE_DIR), its size shown at the end of a run, `mlac cache info|clean`; cache keys per
# input kind (changing only --input-size keeps the MFCC summaries); `mlac help CMD`; `mlac config`
# with a header, meanings and invalid values flagged; bad LOG_LEVEL / MLAC_LOG_FORMAT refused.
set -u
. "$(dirname "$0")/lib/testlib.sh"
unset MLAC_CACHE_DIR
export MLAC_LOG_FORMAT=json

"$MLAC" synth --out "$TMP/data" --per-class 8 --seconds 1 --species coyote > /dev/null 2>&1
mkdir -p "$TMP/work"
cd "$TMP/work" || exit 1
# each run its own results folder: finished tasks are reused within one (study13), and these checks
# are about the feature cache underneath
res=0
run() { res=$((res + 1)); "$MLAC" run-experiment --data "$TMP/data" --training-sizes 3 --cv-folds 2 --output-dir "$TMP/res$res" "$@"; }

# the cache: under $XDG_CACHE_HOME/mlac, not in the current folder; its size at the end of a run
run --models random_forest > "$TMP/r1.txt" 2>&1
check "run ok" grep -q "^report: " "$TMP/r1.txt"
check "cache under XDG_CACHE_HOME" test -n "$(find "$XDG_CACHE_HOME/mlac" -name '*.f32' | head -1)"
check "nothing cached in the working folder" test -z "$(ls -A "$TMP/work")"
check "the run says where the cache is and its size" grep -Eq "^cache: +$XDG_CACHE_HOME/mlac \([0-9.]+ KiB" "$TMP/r1.txt"
check "HOME/.cache/mlac without XDG_CACHE_HOME" \
  bash -c "env -u XDG_CACHE_HOME HOME=/nonexistent/h '$MLAC' config | grep -Eq '^cache_dir +/nonexistent/h/.cache/mlac +default'"
# cache info counts what is there: 16 MFCC summaries and 16 clip-metadata entries (the confound baseline's)
entries=$(find "$XDG_CACHE_HOME/mlac" -name '*.f32' | wc -l)
check "cache info: the entries on disk" bash -c "[ $entries -ge 16 ] && '$MLAC' cache info | grep -Eq '^entries: $entries '"
check "--cache-dir wins" bash -c "'$MLAC' cache info --cache-dir '$TMP/other' | grep -q '^cache:   $TMP/other (--cache-dir)'"

# changing only the image size recomputes no MFCC summary; a CNN's images are their own kind
run --models random_forest --input-size 64 --output-dir "$TMP/res2" > "$TMP/r2.txt" 2>&1 # another store: no task reuse
check "input size: summaries from the cache" grep -q 'features: 16 clips (summary), 16 from the cache' "$TMP/r2.txt"
MLAC_N_MFCC=20 run --models random_forest --output-dir "$TMP/res3" > "$TMP/r3.txt" 2>&1
check "a parameter summaries use: recomputed" grep -q 'features: 16 clips (summary), 0 from the cache' "$TMP/r3.txt"

# clean removes the entries, keeps files mlac did not write
echo keep > "$XDG_CACHE_HOME/mlac/notes.txt"
check "cache clean" bash -c "'$MLAC' cache clean | grep -Eq 'removed [0-9]+ files .*left 1 files mlac did not write'"
check "entries gone" test -z "$(find "$XDG_CACHE_HOME/mlac" -name '*.f32' | head -1)"
check "other files kept" test -f "$XDG_CACHE_HOME/mlac/notes.txt"
expect_fail "cache: a verb is needed" "expected 'info' or 'clean'" "$MLAC" cache

# help CMD is that command's help
check "help run-experiment" bash -c "'$MLAC' help run-experiment | head -1 | grep -q '^usage: mlac run-experiment'"
check "help cache" bash -c "'$MLAC' help cache | grep -q -- '--cache-dir'"
expect_fail "help of an unknown command" "help: unknown command 'nope'" "$MLAC" help nope

# config: a header, a meaning per key, invalid values flagged (exit 78)
check "config header" bash -c "'$MLAC' config | head -1 | grep -q '^# mlac configuration'"
check "the defaults are all valid (clip_seconds auto among them)" bash -c "'$MLAC' config > '$TMP/defaults.txt' && ! grep -q INVALID '$TMP/defaults.txt'"
check "config meanings" bash -c "'$MLAC' config | grep -Eq '^on_bad_clip +skip +default +unreadable clips'"
RANDOM_SEED=abc "$MLAC" config > "$TMP/cfg.txt" 2>&1
check "config flags seed abc (exit 78)" test $? -eq 78
check "config names the bad value" grep -q "INVALID seed: 'seed' (from \$RANDOM_SEED) must be an integer" "$TMP/cfg.txt"
check "config json marks it" bash -c "RANDOM_SEED=abc '$MLAC' config --json | grep -q '\"invalid\"'"

# logging settings are checked
expect_fail "LOG_LEVEL=verbose refused" "log_level: 'verbose' \(from \\\$LOG_LEVEL\) is not one of" \
  env LOG_LEVEL=verbose "$MLAC" datasets --data "$TMP/data"
expect_fail "MLAC_LOG_FORMAT=xml refused" "log_format: 'xml' \(from \\\$MLAC_LOG_FORMAT\) is not one of" \
  env MLAC_LOG_FORMAT=xml "$MLAC" datasets --data "$TMP/data"
expect_fail "--log-level checked" "log_level: 'loud' \(from --log-level\)" "$MLAC" datasets --data "$TMP/data" --log-level loud
check "a good LOG_LEVEL passes" env LOG_LEVEL=WARNING "$MLAC" datasets --data "$TMP/data"
finish
