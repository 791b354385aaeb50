#!/usr/bin/env bash
# Feature extraction, mlac vs torchaudio, same files, one run: decode + resample + MFCC summary +
# log-mel image per clip, 1 and 2 threads. The clips are synthesised at 44100 Hz so both sides
# really resample. usage: bench/run_features_bench.sh [n_clips_per_class=100]
# FEATURES_BENCH_BIN picks another features_bench binary (say, one built from main) for before/after
# runs; mlac's CPU time per clip (user + sys of the timed loop) is printed beside its clips/s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
per_class=${1:-100}
work=${BENCH_DIR:-/tmp/mlac-features-bench}
data="$work/data-44k-$per_class"
[ -d "$data/coyote" ] || "$root/build/mlac" synth --out "$data" --per-class "$per_class" --seconds 5 --rate 44100 >/dev/null
mapfile -t files < <(find "$data" -path '*/data/*' -name '*.wav' | sort)
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; ${#files[@]} clips of 5 s at 44100 Hz"
for t in 1 2; do
  c=$("${FEATURES_BENCH_BIN:-$root/build/features_bench}" "$t" "${files[@]}")
  p=$(/usr/bin/python3 "$root/bench/features_bench.py" "$t" "${files[@]}")
  pb=$(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 /usr/bin/python3 "$root/bench/features_bench.py" "$t" "${files[@]}")
  /usr/bin/python3 - "$c" "$p" "$pb" <<'PY'
import json, sys
c, p, pb = (json.loads(a) for a in sys.argv[1:])
cpu = f" ({c['cpu_ms_per_clip']:.3f} CPU ms/clip)" if 'cpu_ms_per_clip' in c else ""
print(f"threads {c['threads']}: mlac {c['clips_per_second']:8.1f} clips/s{cpu} | torchaudio {p['clips_per_second']:7.1f} "
      f"(ratio {c['clips_per_second'] / p['clips_per_second']:5.1f}x) | torchaudio, glibc keeps memory "
      f"{pb['clips_per_second']:7.1f} (ratio {c['clips_per_second'] / pb['clips_per_second']:5.1f}x)")
PY
done
