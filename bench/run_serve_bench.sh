#!/usr/bin/env bash
# The service under read load: wrk (64 connections, 2 threads) on GET /v1/experiments/{id} while
# an RF + SVM grid runs in the service, against the same grid's wall time without the load,
# REPEATS times (alternating alone / under load, so drifting machine load hits both alike).
# Goal (issue 11): >= 5,000 requests/s, p99 < 20 ms, zero errors; grid wall time within 5 %.
# usage: bench/run_serve_bench.sh [per_class=60] [repeats=3]
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
grid=(--models random_forest svm --species coyote bullfrog human_vocal --training-sizes 5 10 20 40 --cv-folds 5
      --max-concurrent 2)
now() { date +%s.%N; }
run_grid() { # run-id -> prints the wall seconds from submit to finished
  local t0 id
  t0=$(now)
  id=$("$mlac" submit "${grid[@]}" --run-id "$1" 2>/dev/null)
  "$mlac" wait "$id" --interval 0.05 >/dev/null
  echo "$(now) - $t0" | bc
}
cpu_of() { # CPU seconds (user + system) the service has used so far
  awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / t}' "/proc/$pid/stat"
}
ms() { # wrk latency (850.00us, 3.61ms, 1.20s) -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run_grid warmup >/dev/null            # fills the feature cache, so every timed grid starts equal
bases=() loads=() rpss=() p99s=() errs=() wrk_cpus=() us_per=()
for r in $(seq "$repeats"); do
  c0=$(cpu_of)
  bases+=("$(run_grid "base$r")")
  cpu_alone=$(echo "$(cpu_of) - $c0" | bc)
  t0=$(now)
  c0=$(cpu_of)
  id=$("$mlac" submit "${grid[@]}" --run-id "load$r" 2>/dev/null)
  wrk -t2 -c64 -d600s --latency -H "Authorization: Bearer $MLAC_API_TOKEN" "$MLAC_SERVER/v1/experiments/$id" \
    >"$work/wrk.$r.txt" 2>&1 &
  wrk_pid=$!
  "$mlac" wait "$id" --interval 0.05 >/dev/null
  loads+=("$(echo "$(now) - $t0" | bc)")
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  cpu_loaded=$(echo "$(cpu_of) - $c0" | bc)
  echo "--- repeat $r: wrk for the loaded grid's ${loads[-1]} s"
  sed -n '/Thread Stats/,/Transfer/p' "$work/wrk.$r.txt"
  rpss+=("$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.$r.txt")")
  p99s+=("$(ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.$r.txt")")")
  e=$({ grep -Eo '(Non-2xx or 3xx responses|Socket errors): .*' "$work/wrk.$r.txt" || true; } | { grep -Eo '[0-9]+' || true; } |
    paste -sd+ | bc)
  errs+=("${e:-0}")
  n_req=$(awk '/requests in/ {print $1}' "$work/wrk.$r.txt")
  us_per+=("$(echo "($cpu_loaded - $cpu_alone) * 1000000 / $n_req" | bc -l)")
  printf 'grid: %.2f s alone, %.2f s under load (%+.1f %%); service CPU %.2f s alone, %.2f s loaded: %.1f us per request\n' \
    "${bases[-1]}" "${loads[-1]}" "$(echo "(${loads[-1]} - ${bases[-1]}) * 100 / ${bases[-1]}" | bc -l)" \
    "$cpu_alone" "$cpu_loaded" "${us_per[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
base=$(median "${bases[@]}")
loaded=$(median "${loads[@]}")
total_errs=$(printf '%s\n' "${errs[@]}" | paste -sd+ | bc)
echo "---"
echo "machine: $(nproc) cores; load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
us=$(median "${us_per[@]}")
printf 'serve bench: %.0f req/s, p99 %.2f ms, errors %d, grid %+.1f %% (%.2f s alone, %.2f s loaded), service %.1f us CPU per request (5,000 req/s = %.1f %% of %d cores); medians of %d repeats (req/s %s; p99 ms %s)\n' \
  "$(median "${rpss[@]}")" "$(median "${p99s[@]}")" "$total_errs" "$(echo "($loaded - $base) * 100 / $base" | bc -l)" \
  "$base" "$loaded" "$us" "$(echo "$us * 5000 / 10000 / $(nproc)" | bc -l)" "$(nproc)" "$repeats" "${rpss[*]}" "${p99s[*]}"
