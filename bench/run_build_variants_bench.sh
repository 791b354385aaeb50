#!/usr/bin/env bash
# Build variants side by side (issue 15, items 4 and 6): the same features and CNN rows through
# several builds of mlac, alternating round by round so that a drifting machine load hits every
# variant alike. A variant is NAME=BUILD_DIR, a build folder holding features_bench and nn_bench
# (e.g. base=build native=/tmp/native, where /tmp/native is `cmake -DMLAC_NATIVE=ON`, or a build
# of an older commit from `git archive REV | tar -x -C DIR`).
# usage: bench/run_build_variants_bench.sh [-r FEATURE_ROUNDS=6] [-n CNN_ROUNDS=2] NAME=DIR...
# Features: features_bench at 1 and 2 threads over 120 clips of 5 s at 44.1 kHz (made once by the
# first variant's mlac, or found under $BENCH_DATA); CNN: nn_bench ARCH 128 32 2 3 3 for vgg and
# resnet. Prints every JSON line with its variant and round, then the medians per variant.
set -euo pipefail
feature_rounds=6 cnn_rounds=2
while getopts r:n: o; do
  case $o in
    r) feature_rounds=$OPTARG ;;
    n) cnn_rounds=$OPTARG ;;
    *) exit 64 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-r N] [-n N] NAME=BUILD_DIR..." >&2; exit 64; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
data=${BENCH_DATA:-/tmp/mlac-variants-data}
first=${1#*=}
if [ ! -d "$data" ]; then
  mlac=$first/mlac
  [ -x "$mlac" ] || mlac=$(dirname "$0")/../build/mlac
  "$mlac" synth --out "$data" --per-class 10 --seconds 5 --rate 44100 --seed 5 >/dev/null
fi
mapfile -t files < <(find "$data" -name '*.wav' | sort)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "clips: ${#files[@]}; $(uptime)"
for _ in $(seq "$feature_rounds"); do
  for v in "$@"; do
    for t in 1 2; do echo "feat ${v%%=*} t$t $("${v#*=}/features_bench" "$t" "${files[@]}")"; done
  done
done | tee -a "$out"
for _ in $(seq "$cnn_rounds"); do
  for v in "$@"; do
    for a in vgg resnet; do echo "nn ${v%%=*} $a $("${v#*=}/nn_bench" "$a" 128 32 2 3 3 2>/dev/null | tail -1)"; done
  done
done | tee -a "$out"
echo "end: $(uptime)"
median() { sort -g | awk '{a[NR] = $1} END {if (!NR) print "-"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "--- medians"
for v in "$@"; do
  n=${v%%=*}
  for t in t1 t2; do
    echo "$n features $t: $(awk -v n="$n" -v t="$t" '$1 == "feat" && $2 == n && $3 == t' "$out" | cut -d' ' -f4- |
      jq -r .clips_per_second | median) clips/s"
  done
  for a in vgg resnet; do
    sel=$(awk -v n="$n" -v a="$a" '$1 == "nn" && $2 == n && $3 == a' "$out" | cut -d' ' -f4-)
    echo "$n $a: train $(jq -r .train_samples_per_s <<<"$sel" | median), infer $(jq -r .infer_samples_per_s <<<"$sel" | median) samples/s"
  done
done
