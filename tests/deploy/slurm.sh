#!/usr/bin/env bash
# Slurm for real (MLAC_TEST_DEPLOY=1; otherwise skipped with 77): scripts/slurm-local.sh starts a
# single-node cluster under a temporary folder; deploy/slurm/submit.sh submits grid.sbatch as a
# 4-task array (throttled to 2 at once, -c 1) and merge.sbatch after it (afterok); every task
# wrote its own shard ledger, SLURM_CPUS_PER_TASK reached mlac, the merge ran after the array,
# and the merged results equal a single-process run. A grid with a bad setting fails its array
# and its merge never runs.
set -u
# shellcheck source=../cli/lib/testlib.sh
. "$(dirname "$0")/../cli/lib/testlib.sh"
# shellcheck source=lib/deploylib.sh
. "$(dirname "$0")/lib/deploylib.sh"
deploy_gate deploy_slurm

export MLAC_SLURM_DIR=$TMP/slurm
check "slurm-local.sh up" "$SRC/scripts/slurm-local.sh" up
on_exit "'$SRC/scripts/slurm-local.sh' down >/dev/null"
eval "$("$SRC/scripts/slurm-local.sh" env)"

check "host reference run" host_reference "$TMP/host"
wait_jobs() { # JOB_IDS...: until none is queued or running (at most 300 s)
  local _
  for _ in $(seq 1500); do
    [ -z "$(squeue -h -j "$(IFS=,; echo "$*")" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  return 1
}
state_of() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }

mkdir -p "$TMP/run"
submit() { # RUN_ID [run-experiment args...]
  local id=$1
  shift
  (cd "$TMP/run" && MLAC_RUN_ID=$id MLAC_BIN=$MLAC MLAC_DATA=$TMP/host/data MLAC_OUTPUT_DIR=$TMP/run/out \
    MLAC_CACHE_DIR=$TMP/run/cache "$SRC/deploy/slurm/submit.sh" --array=0-3%2 -c 1 --mem=1G -- "${GRID[@]}" "$@")
}
ids=$(submit ref)
read -r grid merge <<< "$ids"
check "submitted an array and a merge ($ids)" test -n "$merge"
check "both finish" wait_jobs "$grid" "$merge"
check "the merge depended on the array (afterok)" bash -c "scontrol -o show job $merge | grep -q 'Dependency=(null)\|Dependency=afterok'"
check "4 array tasks" test "$(find "$TMP/run" -maxdepth 1 -name "mlac-grid-${grid}_*.log" | wc -l)" -eq 4
check "one ledger per task" test "$(find "$TMP/run/out/ref/shards" -name '*-of-4.jsonl' | wc -l)" -eq 4
check "the merge ran after every shard" bash -c "for f in '$TMP/run/out/ref/shards/'*.jsonl; do
  [ '$TMP/run/out/ref/summary.json' -nt \"\$f\" ] || exit 1; done"
check "merged = single-process run (summary.json identical)" same_results "$TMP/host/out/ref" "$TMP/run/out/ref"
check "merge drew the report" test -s "$TMP/run/out/ref/report/index.html"
check "SLURM_CPUS_PER_TASK=1 reached the task" grep -q 'of 4, 1 CPUs' "$TMP/run/mlac-grid-${grid}_0.log"

# a permanent error fails the array; afterok then never starts the merge
ids=$(submit bad --cv-folds many)
read -r grid merge <<< "$ids"
check "bad grid: array finishes" wait_jobs "$grid"
check "bad grid: array tasks failed" bash -c "scontrol -o show job $grid | grep -q 'JobState=FAILED'"
check "bad grid: exit code 78" bash -c "scontrol -o show job $grid | grep -q 'ExitCode=78:0'"
check "bad grid: the merge is never run ($(state_of "$merge"))" bash -c \
  "sleep 1; ! scontrol -o show job $merge | grep -q 'JobState=\(RUNNING\|COMPLETED\)'"
scancel "$merge" 2>/dev/null
finish
