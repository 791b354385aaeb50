#!/usr/bin/env bash
# deploy/slurm/submit.sh — submits the sharded grid (grid.sbatch, a job array) and its merge
# (merge.sbatch, started only after every array task succeeded: --dependency=afterok).
# Usage: MLAC_RUN_ID=ID deploy/slurm/submit.sh [SBATCH_OPTIONS... --] [RUN_EXPERIMENT_ARGS...]
#   MLAC_RUN_ID=birds deploy/slurm/submit.sh --array=0-15%4 -- --species coyote --training-sizes 25 50
# Prints "GRID_JOB_ID MERGE_JOB_ID". The environment (MLAC_*) travels with the jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MLAC_RUN_ID:?set MLAC_RUN_ID: the grid and the merge share one run folder}"
export MLAC_RUN_ID
opts=()
if [[ " $* " == *" -- "* ]]; then
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
fi
grid=$(sbatch --parsable "${opts[@]}" "$here/grid.sbatch" "$@")
grid=${grid%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$grid" "$here/merge.sbatch")
echo "$grid ${merge%%;*}"
