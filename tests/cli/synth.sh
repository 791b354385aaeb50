#!/usr/bin/env bash
# synth.sh — end-to-end test of `mlac synth`: layout, WAV headers, determinism across runs and
# thread counts, refusal to overwrite, bad options. Needs MLAC_BIN; prints "N passed, N failed"
# and exits non-zero on any failure.
set -u
bin=${MLAC_BIN:?MLAC_BIN must point at the mlac binary}
tmp=$(mktemp -d /tmp/mlac_synth_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() { # check "description" command...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $what" >&2
    fi
}

# 16-bit PCM mono WAV at the given rate and frame count, read from the RIFF header.
wav_ok() { # wav_ok FILE RATE FRAMES
    local f=$1 rate=$2 frames=$3
    [[ $(head -c 4 "$f") == RIFF && $(dd if="$f" bs=1 skip=8 count=4 2>/dev/null) == WAVE ]] || return 1
    local fmt ch sr bits size
    fmt=$(od -An -tu2 -j20 -N2 "$f" | tr -d ' ')
    ch=$(od -An -tu2 -j22 -N2 "$f" | tr -d ' ')
    sr=$(od -An -tu4 -j24 -N4 "$f" | tr -d ' ')
    bits=$(od -An -tu2 -j34 -N2 "$f" | tr -d ' ')
    size=$(stat -c %s "$f")
    [[ $fmt == 1 && $ch == 1 && $sr == "$rate" && $bits == 16 && $size -ge $((44 + 2 * frames)) ]]
}

out1=$tmp/a
log=$tmp/log
check "synth runs" "$bin" synth --out "$out1" --per-class 6 --seconds 2 --threads 2
"$bin" synth --out "$tmp/b" --per-class 6 --seconds 2 --threads 1 >"$log" 2>&1
check "synth runs with 1 thread" test $? -eq 0
check "summary line names the clips" grep -q "wrote 36 clips" "$log"

for sp in coyote bullfrog human_vocal; do
    for d in data data_5s; do
        for c in pos neg; do
            n=$(find "$out1/$sp/$d/$c" -name "${sp}_${c}_*.wav" 2>/dev/null | wc -l)
            check "$sp/$d/$c holds 6 clips (found $n)" test "$n" -eq 6
        done
    done
    check "$sp first and last names" test -f "$out1/$sp/data/pos/${sp}_pos_0000.wav" -a \
        -f "$out1/$sp/data_5s/neg/${sp}_neg_0005.wav"
    check "$sp 2 s clip header" wav_ok "$out1/$sp/data/pos/${sp}_pos_0003.wav" 22050 44100
    check "$sp 5 s twin header" wav_ok "$out1/$sp/data_5s/pos/${sp}_pos_0003.wav" 22050 110250
done
check "README names the seed" grep -q "^seed: *42$" "$out1/README.txt"
check "manifest has a row per clip" test "$(wc -l <"$out1/manifest.csv")" -eq 37
check "nothing else written" test "$(find "$out1" -type f | wc -l)" -eq 74

# determinism: same seed, other folder and thread count -> identical bytes
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
check "same seed gives identical files" diff <(sums "$out1") <(sums "$tmp/b")
RANDOM_SEED=5 "$bin" synth --out "$tmp/c" --per-class 6 --seconds 2 >/dev/null 2>&1
check "RANDOM_SEED reaches synth" grep -q "^seed: *5$" "$tmp/c/README.txt"
check "another seed gives other files" \
    test "$(sha256sum <"$out1/coyote/data/pos/coyote_pos_0000.wav")" != \
    "$(sha256sum <"$tmp/c/coyote/data/pos/coyote_pos_0000.wav")"

# refuses to overwrite; --force does
"$bin" synth --out "$out1" --per-class 6 --seconds 2 >"$log" 2>&1
rc=$?
check "refuses an existing dataset (rc $rc)" test $rc -ne 0
check "refusal mentions --force" grep -q -- "--force" "$log"
check "--force overwrites" "$bin" synth --out "$out1" --per-class 6 --seconds 2 --force
check "forced rerun is identical" diff <(sums "$out1") <(sums "$tmp/b")

# bad options: permanent errors (64 EX_USAGE for a malformed flag, 78 EX_CONFIG for a bad value) naming the option
for args in "--per-class 0" "--rate 100" "--species wolf" "--snr-min 9 --snr-max 3" "--seconds abc"; do
    # shellcheck disable=SC2086
    "$bin" synth --out "$tmp/bad" $args >"$log" 2>&1
    rc=$?
    check "'$args' is a permanent usage/config error (rc $rc)" test $rc -eq 64 -o $rc -eq 78
    check "'$args' writes nothing" test ! -e "$tmp/bad/README.txt"
done
check "unknown species is named" bash -c "'$bin' synth --out '$tmp/bad' --species wolf 2>&1 | grep -q \"'wolf'\""
check "--help works" bash -c "'$bin' synth --help | grep -q -- '--per-class'"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
