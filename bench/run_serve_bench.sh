#!/usr/bin/env bash
# The service under read load: wrk (64 connections, 2 threads) on GET /v1/experiments/{id} while
# an RF + SVM grid runs in the service, against the same grid's wall time without the load,
# REPEATS times (alternating alone / under load, so drifting machine load hits both alike).
# Goal (issue 11): >= 5,000 requests/s, p99 < 20 ms, zero errors; grid wall time within 5 %.
# Each repeat times the grid three ways: alone; under wrk at full speed (closed loop: the most the
# service can answer, which takes all the CPU it is given); and under wrk paced to RATE requests/s
# (default 5,000, the goal's rate; bench/serve_rate.lua), which is the load the 5 % goal is about.
# usage: bench/run_serve_bench.sh [per_class=60] [repeats=3] [rate=5000] [grid_seconds=10]
#   environment: SIZES (training sizes, below); FULL_SPEED=0 skips the closed-loop phase (its grid
#   runs 4-8x longer; the summary then shows 0 for it and the service CPU of the paced load)
# The grid is RF + SVM x 3 species x sizes $SIZES (default 5 10 20 40: fits of a few milliseconds,
# which measure the runner's per-task bookkeeping; SIZES="25 50 100 200 300" with per_class 400
# gives the fits of the original platform's protocol) x 5 folds x R CV repeats, R chosen from a
# calibration (grids of 1 and 3 CV repeats, run after the warm-up has filled the feature cache) so
# that the grid alone takes about grid_seconds on this machine: long enough that its start-up (submit, spec
# checks, the aggregate and the report) does not dominate its wall time, short enough that the
# whole bench (per repeat: alone, full speed, paced) stays within minutes.
# Needs a build in build/ and Debian's wrk. wrk runs for exactly as long as the loaded grid (stopped
# with SIGINT when it finishes, so it prints its figures). It runs on the same cores as the service:
# its own CPU time and the service's extra CPU per request are printed beside the figures, because
# the grid's slowdown is the CPU that the load takes from it (a closed-loop load generator at full
# speed takes all it is given; at a fixed rate R the cost is R x the CPU per request).
# The last line is the summary the lead compares across machines:
#   serve bench: <req/s> req/s, p99 <ms>, errors <n>, grid +<pct> % (<alone> s alone, <loaded> s loaded), ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
per_class=${1:-60}
repeats=${2:-3}
rate=${3:-5000}
grid_seconds=${4:-10}
grid_repeats=1 # the warm-up's; then calibrated below
export RATE=$rate CONNS=64 THREADS=2 # read by bench/serve_rate.lua (wrk -t2 -c64)
mlac="$root/build/mlac"
work=$(mktemp -d /tmp/mlac-serve-bench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export MLAC_API_TOKEN=bench-$$ MLAC_LOG_FORMAT=json
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$mlac" synth --out "$work/data" --per-class "$per_class" --seconds 2 --seed 9 >/dev/null 2>&1
"$mlac" serve --listen 127.0.0.1:0 --port-file "$work/port" --state "$work/state" --data-roots "$work/data" \
  --results "$work/results" --workers 1 --threads 2 --access-log "$work/access.log" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
export MLAC_SERVER=http://127.0.0.1:$(cat "$work/port")
read -r -a sizes <<<"${SIZES:-5 10 20 40}"
tasks_per_repeat=$((30 * ${#sizes[@]})) # 2 models x 3 species x 5 folds per size
grid=(--models random_forest svm --species coyote bullfrog human_vocal --training-sizes "${sizes[@]}" --cv-folds 5
      --repeats "$grid_repeats" --max-concurrent 2)
now() { date +%s.%N; }
# Every grid gets its own seed: grids of one spec share a results store, and a task finished by an
# earlier run of the same spec and seed is copied, not computed (src/exp/task_reuse.h), which would
# time the copy. The feature cache does not depend on the seed, so every grid reads it alike.
run_grid() { # run-id seed -> prints the wall seconds from submit to finished
  local t0 id
  t0=$(now)
  id=$("$mlac" submit "${grid[@]}" --run-id "$1" --seed "$2" 2>/dev/null)
  "$mlac" wait "$id" --interval 0.05 >/dev/null
  echo "$(now) - $t0" | bc
}
cpu_of() { # [pid] -> CPU seconds (user + system) the service (or pid) has used so far
  awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / t}' "/proc/${1:-$pid}/stat"
}
ms() { # wrk latency (850.00us, 3.61ms, 1.20s) -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run_grid warmup 1 >/dev/null            # fills the feature cache, so every timed grid starts equal
# Two calibration grids (1 and 3 CV repeats) split a grid's wall time into its fixed part (submit,
# checks, aggregate, report) and its per-repeat part, so the timed grids land near grid_seconds.
grid[${#grid[@]} - 3]=1               # the value after --repeats
calib1=$(run_grid calibrate1 2)
grid[${#grid[@]} - 3]=3
calib3=$(run_grid calibrate3 3)
grid_repeats=$(echo "v = ($calib3 - $calib1) / 2; if (v < 0.05) v = 0.05; f = $calib1 - v; if (f < 0) f = 0;
  r = ($grid_seconds - f) / v + 0.5; scale = 0; if (r < 1) 1 else r / 1" | bc -l)
grid[${#grid[@]} - 3]=$grid_repeats
echo "calibration grids: 1 CV repeat $calib1 s, 3 CV repeats $calib3 s; timed grids: $grid_repeats CV repeats ($((tasks_per_repeat * grid_repeats)) tasks)"
wrk_phase() { # run-id seed label [wrk args...] -> runs the grid under wrk, appends to the arrays of label
  local run=$1 seed=$2 label=$3 t0 c0 id wrk_pid secs cpu n_req e wrk_cpu
  shift 3
  t0=$(now)
  c0=$(cpu_of)
  id=$("$mlac" submit "${grid[@]}" --run-id "$run" --seed "$seed" 2>/dev/null)
  wrk -t2 -c64 -d600s --latency "$@" -H "Authorization: Bearer $MLAC_API_TOKEN" \
    "$MLAC_SERVER/v1/experiments/$id" >"$work/wrk.$run.txt" 2>&1 &
  wrk_pid=$!
  "$mlac" wait "$id" --interval 0.05 >/dev/null
  secs=$(echo "$(now) - $t0" | bc)
  wrk_cpu=$(cpu_of "$wrk_pid")
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  cpu=$(echo "$(cpu_of) - $c0" | bc)
  echo "--- $run ($label): wrk for the loaded grid's $secs s"
  sed -n '/Thread Stats/,/Transfer/p' "$work/wrk.$run.txt"
  n_req=$(awk '/requests in/ {print $1}' "$work/wrk.$run.txt")
  e=$({ grep -Eo '(Non-2xx or 3xx responses|Socket errors): .*' "$work/wrk.$run.txt" || true; } |
      { grep -Eo '[0-9]+' || true; } | paste -sd+ | bc)
  eval "${label}_secs+=(\"$secs\")"
  eval "${label}_rps+=(\"$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.$run.txt")\")"
  eval "${label}_p99+=(\"$(ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.$run.txt")")\")"
  eval "${label}_err+=(\"${e:-0}\")"
  eval "${label}_us+=(\"$(echo "($cpu - $cpu_alone) * 1000000 / $n_req" | bc -l)\")"
  eval "${label}_wrk_us+=(\"$(echo "$wrk_cpu * 1000000 / $n_req" | bc -l)\")"
  printf 'grid: %.2f s alone, %.2f s under this load (%+.1f %%); service CPU %.2f s (alone: %.2f s); wrk CPU %.2f s\n' \
    "${bases[-1]}" "$secs" "$(echo "($secs - ${bases[-1]}) * 100 / ${bases[-1]}" | bc -l)" "$cpu" "$cpu_alone" "$wrk_cpu"
}
bases=() max_secs=() max_rps=() max_p99=() max_err=() max_us=() max_wrk_us=()
rate_secs=() rate_rps=() rate_p99=() rate_err=() rate_us=() rate_wrk_us=()
for r in $(seq "$repeats"); do
  c0=$(cpu_of)
  bases+=("$(run_grid "base$r" $((10 * r)))")
  cpu_alone=$(echo "$(cpu_of) - $c0" | bc)
  [ "${FULL_SPEED:-1}" = 0 ] || wrk_phase "max$r" $((10 * r + 1)) max
  wrk_phase "rate$r" $((10 * r + 2)) rate -s "$root/bench/serve_rate.lua"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
sum() { printf '%s\n' "$@" | paste -sd+ | bc; }
pct() { echo "($1 - $2) * 100 / $2" | bc -l; }
base=$(median "${bases[@]}")
if [ "${FULL_SPEED:-1}" = 0 ]; then # not measured: zeros in the summary, the service's CPU from the paced load
  max_rps=(0) max_p99=(0) max_err=(0) max_us=("${rate_us[@]}") max_secs=(skipped)
fi
echo "---"
echo "machine: $(nproc) cores; load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "grid alone: ${bases[*]} s; full speed: ${max_secs[*]} s; at $rate req/s: ${rate_secs[*]} s"
echo "req/s at full speed: ${max_rps[*]}; p99 ms at full speed: ${max_p99[*]}; at $rate req/s: ${rate_rps[*]} req/s, p99 ${rate_p99[*]} ms"
pairs=() # each repeat's paced grid over the same repeat's grid alone: the paired slowdown
for i in "${!bases[@]}"; do pairs+=("$(pct "${rate_secs[$i]}" "${bases[$i]}")"); done
echo "paced grid over the same repeat's grid alone: ${pairs[*]} %"
printf 'serve bench (medians of %d): full speed %.0f req/s p99 %.2f ms; at %s req/s (got %.0f) p99 %.2f ms, grid %+.1f %% (%.2f s alone, %.2f s loaded; paired %+.1f %%); errors %d; CPU per request: service %.1f us, wrk %.1f us (paced)\n' \
  "$repeats" "$(median "${max_rps[@]}")" "$(median "${max_p99[@]}")" "$rate" "$(median "${rate_rps[@]}")" \
  "$(median "${rate_p99[@]}")" "$(pct "$(median "${rate_secs[@]}")" "$base")" "$base" "$(median "${rate_secs[@]}")" \
  "$(median "${pairs[@]}")" "$(sum "${max_err[@]}" "${rate_err[@]}")" "$(median "${max_us[@]}")" "$(median "${rate_wrk_us[@]}")"
