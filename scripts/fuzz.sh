#!/usr/bin/env bash
# Fuzzes libFuzzer targets for a CPU-time budget each and records what each run did.
# Usage: scripts/fuzz.sh CPU_SECONDS [TARGET...]      (default: every tests/*/fuzz_*.c)
#   builds build-fuzz (clang, MLAC_FUZZ=ON) once, then runs each target in slices of at most
#   SLICE seconds (default 600) until the target's CPU time (user + sys of the fuzzer process,
#   from /usr/bin/time) reaches CPU_SECONDS; wall time is longer when the machine is busy.
#   NICE=19 (default) runs the fuzzers at the lowest priority, so they only take idle CPU.
#   Results: one line per slice appended to $FUZZ_LOG (default build-fuzz/fuzz-log.tsv):
#   date, target, cpu_s, executions, edges (cov), features (ft), result. New inputs go to
#   build-fuzz/corpus/<target> (the committed corpus is read, never written); a crash stops the
#   target and leaves crash-* under build-fuzz/artifacts/<target>/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
budget=${1:?usage: scripts/fuzz.sh CPU_SECONDS [TARGET...]}
shift
slice=${SLICE:-600}
nice_level=${NICE:-19}
out="$root/build-fuzz"
log=${FUZZ_LOG:-$out/fuzz-log.tsv}

# The committed seed corpus of each target, read from its source's header comment.
corpus_of() { # target
  local src
  src=$(ls "$root"/tests/*/"$1".c)
  grep -o 'tests/fixtures/[A-Za-z0-9_/]*' "$src" | head -1 | sed 's:/$::'
}
max_len_of() { # target: binary formats get room for real files
  case $1 in fuzz_decode | fuzz_safetensors | fuzz_import) echo 65536 ;; *) echo 8192 ;; esac
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in "$root"/tests/*/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

CC=clang cmake -S "$root" -B "$out" -DMLAC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice -n "$nice_level" cmake --build "$out" -j"$(nproc)" --target "${targets[@]}" >/dev/null
[[ -f $log ]] || printf 'date\ttarget\tcpu_s\texecutions\tedges\tfeatures\tresult\n' >"$log"

for t in "${targets[@]}"; do
  seed="$root/$(corpus_of "$t")"
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  spent=0
  while ((spent < budget)); do
    left=$((budget - spent))
    wall=$((left < slice ? left : slice))
    err="$out/artifacts/$t/last.log"
    set +e
    /usr/bin/time -f '%U %S' -o "$out/artifacts/$t/time" nice -n "$nice_level" "$out/$t" \
      -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 -max_total_time="$wall" \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" "$out/corpus/$t" "$seed" 2>"$err"
    rc=$?
    set -e
    cpu=$(awk '{printf "%d", $1 + $2}' "$out/artifacts/$t/time" 2>/dev/null || echo 0)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$err" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -oE 'cov: [0-9]+' "$err" | tail -1 | grep -o '[0-9]*' || echo "?")
    ft=$(grep -oE 'ft: [0-9]+' "$err" | tail -1 | grep -o '[0-9]*' || echo "?")
    result="nothing found"
    if ((rc != 0)); then
      result="rc $rc:"
      for a in "$out/artifacts/$t"/{crash,leak,timeout,oom}-*; do [[ -e $a ]] && result+=" ${a##*/}"; done
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$cpu" "$execs" "$cov" "$ft" "$result" >>"$log"
    echo "fuzz.sh: $t slice: ${cpu} CPU-s, $execs executions, cov $cov ft $ft: $result"
    spent=$((spent + (cpu > 0 ? cpu : wall)))
    ((rc == 0)) || break
  done
done
