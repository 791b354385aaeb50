#!/usr/bin/env bash
# gs:// transfers, mlac vs curl, against build/gcs_test_server on loopback (in memory): 1,000 5-s
# clips (mlac synth, 22050 Hz) uploaded to the server, then listed + downloaded with 1, 4, 16 and
# 64 transfers at once (bench/gcs_bench.c: store_prefetch into a fresh download cache), against
# curl in a loop (one process per clip) and one curl with all URLs (--parallel, 16 at once);
# then the RF+SVM grid from gs:// data and results vs from a local folder (fresh caches both).
# The numbers depend on the machine's load: run it on a quiet machine, or compare only numbers of
# one run (local and gs:// grids alternate, GRID_REPEATS times each, and the ratio is taken of
# the medians).
# usage: bench/run_gcs_bench.sh [per_class=167]
#   GRID_REPEATS=N (default 3)   grid pairs run back to back
#   SKIP_CURL=1                  leave out the curl comparisons (the one-process-per-clip loop
#                                alone takes a minute under load)
#   TRANSFERS="1 4 16 64"        the transfer counts of the download bench
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
per_class=${1:-167}
work=$(mktemp -d /tmp/mlac-gcs-bench-XXXXXX)
"$root/build/gcs_test_server" --port 0 --port-file "$work/port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
export STORAGE_EMULATOR_HOST=127.0.0.1:$port
base=http://127.0.0.1:$port
"$root/build/mlac" synth --out "$work/data" --per-class "$per_class" >/dev/null
MLAC_DOWNLOAD_CACHE_MAX=0 "$root/build/mlac" synth --out gs://bench/data --per-class "$per_class" >/dev/null
# the clips only (data/, not data_5s/): 6 * per_class of them
mapfile -t names < <(cd "$work/data" && find . -path '*/data/*' -name '*.wav' | sed 's|^\./||' | sort)
n=${#names[@]}
bytes=$(cd "$work/data" && cat "${names[@]}" | wc -c)
echo "$n clips of 5 s, $((bytes / 1000000)) MB, server on loopback; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
( cd "$work/data" && for f in "${names[@]}"; do echo "$f"; done ) >"$work/names"
for t in ${TRANSFERS:-1 4 16 64}; do
  rm -rf "$work/dl"
  echo "mlac  $("$root/build/gcs_bench" gs://bench/data "$t" "$work/dl" /data/)"
done
if [ "${SKIP_CURL:-0}" != 1 ]; then
enc() { /usr/bin/python3 -c 'import sys,urllib.parse; [print(urllib.parse.quote("data/"+l.strip(), safe="")) for l in sys.stdin]'; }
mapfile -t urls < <(enc <"$work/names" | sed "s|^|$base/storage/v1/b/bench/o/|; s|$|?alt=media|")
t0=$(date +%s.%N)
for u in "${urls[@]}"; do curl -sf -o /dev/null "$u"; done
t1=$(date +%s.%N)
awk -v n="$n" -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { d = z - a; printf "curl, one process per clip: %d clips in %.2f s: %.1f clips/s, %.1f MB/s\n", n, d, n / d, b / 1e6 / d }'
printf 'url = "%s"\noutput = "/dev/null"\n' "${urls[@]}" >"$work/curl.cfg"
t0=$(date +%s.%N)
curl -sf --no-progress-meter --parallel --parallel-max 16 -K "$work/curl.cfg"
t1=$(date +%s.%N)
awk -v n="$n" -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { d = z - a; printf "curl --parallel-max 16, one process:  %d clips in %.2f s: %.1f clips/s, %.1f MB/s\n", n, d, n / d, b / 1e6 / d }'
spec=(--models random_forest svm --species coyote bullfrog human_vocal --training-sizes 25 50 100 --cv-folds 5
      --max-concurrent 2 --no-report)
fi
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$work/local.t"
: >"$work/gs.t"
: >"$work/ratio.t"
for r in $(seq "${GRID_REPEATS:-3}"); do
  rm -rf "$work/results" "$work/c1" "$work/c2"
  t0=$(date +%s.%N)
  "$root/build/mlac" run-experiment "${spec[@]}" --data "$work/data" --output-dir "$work/results" --cache-dir "$work/c1" >/dev/null 2>&1
  t1=$(date +%s.%N)
  "$root/build/mlac" run-experiment "${spec[@]}" --data gs://bench/data --output-dir "gs://bench/results$r" --cache-dir "$work/c2" \
    --max-transfers 16 >/dev/null 2>&1
  t2=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/local.t"
  awk -v b="$t1" -v c="$t2" 'BEGIN { print c - b }' >>"$work/gs.t"
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { print (c - b) / (b - a) }' >>"$work/ratio.t"
  awk -v r="$r" -v a="$t0" -v b="$t1" -v c="$t2" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { printf "RF+SVM grid (90 tasks, cold caches) pair %d: local %.2f s, gs:// at 16 transfers %.2f s (%.2fx), load %s\n", r, b - a, c - b, (c - b) / (b - a), l }'
done
lm=$(median <"$work/local.t")
gm=$(median <"$work/gs.t")
rm_=$(median <"$work/ratio.t")
awk -v a="$lm" -v b="$gm" -v r="$rm_" -v n="${GRID_REPEATS:-3}" 'BEGIN { printf "RF+SVM grid, %d pairs: medians local %.2f s, gs:// %.2f s; median of the pairs'"'"' ratios %.2fx\n", n, a, b, r }'
