#!/usr/bin/env bash
# inputs_parity.sh — `mlac features` writes exactly what the runner feeds the models, for every
# kind in the table of input kinds (src/exp/input_kinds.c, listed by `mlac features --kinds`).
# For each kind, a run of the first model that reads it fills a fresh feature cache: every row the
# runner computed for a model is an entry there (<key>.f32: an 88-byte header, count float32, a
# 32-byte checksum; src/features/feature_cache.c). `mlac features --format npy` then writes the
# same kind for every clip, and the float bytes of the .npy files must be, as a multiset, the
# entries with that many floats: the same values, bit for bit, one per clip. The embedding kind
# runs with the stand-in embedder (tests/tools/stand_in_embedder.c), which needs no network.
set -u
. "$(dirname "$0")/lib/testlib.sh"
SI="$(dirname "$MLAC")/stand_in_embedder"
check "stand-in embedder is built" test -x "$SI"
check "synth" "$MLAC" synth --out "$TMP/root" --per-class 4 --seconds 2 --seed 11 --species coyote
mapfile -t clips < <(find "$TMP/root" -path '*/coyote/data/*' -name '*.wav' | sort)
check "8 clips" test "${#clips[@]}" -eq 8

# sha256 of the float bytes of a cache entry, with their count: "<count> <sha>"
entry_rows() {
  local f size count
  for f in $(find "$1" -name '*.f32' | sort); do
    size=$(stat -c %s "$f")
    count=$(((size - 88 - 32) / 4))
    echo "$count $(tail -c +89 "$f" | head -c $((count * 4)) | sha256sum | cut -d' ' -f1)"
  done
}
# the same for .npy files (format 1.0: a 10-byte preamble whose last two bytes are the header's length)
npy_rows() {
  local f size hlen
  for f in "$1"/*.npy; do
    size=$(stat -c %s "$f")
    hlen=$(od -An -tu2 -j8 -N2 "$f" | tr -d ' ')
    echo "$(((size - 10 - hlen) / 4)) $(tail -c +$((11 + hlen)) "$f" | sha256sum | cut -d' ' -f1)"
  done
}

"$MLAC" features --kinds > "$TMP/kinds.tsv"
check "the table lists the three kinds" test "$(wc -l < "$TMP/kinds.tsv")" -ge 3
common=(--clip-seconds 2)
while IFS=$'\t' read -r kind what models source; do
  model=${models%% *}
  [ "$model" != - ] || { echo "FAIL: no model reads $kind" >&2; failed=$((failed + 1)); continue; }
  extra=()
  [ "$source" = embedder ] && extra=(--embedder-"$model" "$SI --model $model")
  check "$kind: a run of $model" "$MLAC" run-experiment --data "$TMP/root" --species coyote --models "$model" \
    --training-sizes 2 --cv-folds 2 --epochs 1 --batch-size 4 --no-report --run-id r --output-dir "$TMP/run-$kind" \
    --cache-dir "$TMP/cache-$kind" --input-size 24 "${common[@]}" "${extra[@]}"
  check "$kind: its tasks ran" test "$(grep -c '"status":"ok"' "$TMP/run-$kind/r/tasks.jsonl")" -eq 2
  feat=(--kind "$kind")
  [ "$source" = embedder ] && feat+=(--model "$model")
  check "$kind: mlac features" "$MLAC" features "${clips[@]}" "${feat[@]}" --format npy --out "$TMP/npy-$kind" \
    --image-size 24 "${common[@]}" "${extra[@]}"
  npy_rows "$TMP/npy-$kind" | sort > "$TMP/features-$kind.txt"
  count=$(head -1 "$TMP/features-$kind.txt" | cut -d' ' -f1)
  entry_rows "$TMP/cache-$kind" | awk -v c="${count:-0}" '$1 == c' | sort > "$TMP/runner-$kind.txt"
  check "$kind: one row per clip" test "$(wc -l < "$TMP/features-$kind.txt")" -eq 8
  check "$kind ($what, $count values): mlac features = what $model was fed" \
    cmp "$TMP/features-$kind.txt" "$TMP/runner-$kind.txt"
done < "$TMP/kinds.tsv"
finish
