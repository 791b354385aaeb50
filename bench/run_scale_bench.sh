#!/usr/bin/env bash
# Scaling benchmark (issue 16, item 5): wall time and peak RSS of an RF + SVM grid and of one CNN
# on synthetic datasets of growing size. Time should grow linearly with the clips, peak memory
# should stay flat (the feature tables are row files, not memory: core/row_file.h).
#
# usage: bench/run_scale_bench.sh [clips...]          (default: 1000 10000 100000)
#   SCALE_BENCH_DATA  folder of the synthetic datasets, kept so reruns skip the generation
#                     (default /tmp/mlac-scale-bench-data; ~90 kB a clip)
#   SCALE_BENCH_WORK  results, caches and /usr/bin/time logs (default /tmp/mlac-scale-bench)
#   MLAC              the binary (default build/mlac; point it at another build to compare)
#   THREADS           thread budget of every run (default 2)
# Each size is 3 species x (clips/6 positives + clips/6 negatives) of 1 s clips. Per size:
#   grid: random_forest svm x 3 species x sizes 25 50 100 x 5 folds, features computed afresh
#         (an empty cache folder), predictions of every test clip written;
#   cnn:  vgg at --input-size 64, 1 epoch, one species (coyote), one size (25), 5 folds.
# Prints one row per size (clips, wall s and peak RSS MB of each), then for each size the ratio of
# its time to (its clips / the previous size's clips) x the previous size's time (1.0 = linear).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mlac=${MLAC:-$root/build/mlac}
threads=${THREADS:-2}
data_root=${SCALE_BENCH_DATA:-/tmp/mlac-scale-bench-data}
work=${SCALE_BENCH_WORK:-/tmp/mlac-scale-bench}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
mkdir -p "$data_root" "$work"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}

# wall seconds and peak RSS in MB from a /usr/bin/time -v log
measure() {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
              /Maximum resident set size/ { m = $2 / 1024 }
              END { printf "%.1f %.0f\n", w, m }' "$1"
}

run_timed() { # log_file, then the command
  local log=$1
  shift
  if ! /usr/bin/time -v -o "$log" "$@" > "$log.out" 2>&1; then
    echo "failed: $* (see $log.out)" >&2
    tail -5 "$log.out" >&2
    exit 1
  fi
}

echo "mlac=$mlac threads=$threads host=$(nproc) cores; $(uptime)"
printf '%8s %10s %12s %10s %12s\n' clips grid_s grid_MB cnn_s cnn_MB
prev_clips=0 prev_grid=0 prev_cnn=0 ratios=()
for clips in "${sizes[@]}"; do
  per_class=$(( (clips + 5) / 6 ))
  data="$data_root/synth-$per_class"
  if [ ! -f "$data/.complete" ]; then
    "$mlac" synth --out "$data" --per-class "$per_class" --seconds 1 --threads "$threads" --force > /dev/null
    touch "$data/.complete"
  fi
  common=(--data "$data" --cv-folds 5 --threads "$threads" --max-concurrent "$threads" --no-report)
  rm -rf "$work/grid-$clips" "$work/cache-grid-$clips" "$work/cnn-$clips" "$work/cache-cnn-$clips"
  run_timed "$work/grid-$clips.time" "$mlac" run-experiment "${common[@]}" --models random_forest svm \
    --species coyote bullfrog human_vocal --training-sizes 25 50 100 \
    --output-dir "$work/grid-$clips" --run-id grid --cache-dir "$work/cache-grid-$clips"
  run_timed "$work/cnn-$clips.time" "$mlac" run-experiment "${common[@]}" --models vgg --species coyote \
    --training-sizes 25 --epochs 1 --input-size 64 \
    --output-dir "$work/cnn-$clips" --run-id cnn --cache-dir "$work/cache-cnn-$clips"
  read -r grid_s grid_mb < <(measure "$work/grid-$clips.time")
  read -r cnn_s cnn_mb < <(measure "$work/cnn-$clips.time")
  printf '%8d %10.1f %12.0f %10.1f %12.0f\n' "$clips" "$grid_s" "$grid_mb" "$cnn_s" "$cnn_mb"
  if [ "$prev_clips" -gt 0 ]; then
    ratios+=("$(awk -v c="$clips" -v pc="$prev_clips" -v g="$grid_s" -v pg="$prev_grid" -v n="$cnn_s" -v pn="$prev_cnn" \
      'BEGIN { f = c / pc; printf "%d vs %d clips: grid time / (%.0f x %d-clip time) = %.2f, cnn %.2f", c, pc, f, pc, g / (f * pg), n / (f * pn) }')")
  fi
  prev_clips=$clips prev_grid=$grid_s prev_cnn=$cnn_s
done
for r in "${ratios[@]}"; do echo "$r"; done
echo "$(uptime)"
