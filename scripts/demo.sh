#!/usr/bin/env bash
# The main job on the built-in synthetic dataset: installs the Debian packages, builds the mlac
# binary only (not the tests and benchmarks: MLAC_BUILD_TARGET=mlac), synthesises the demo data
# (if absent), runs random forest and SVM over the three species at several training sizes with
# 5-fold cross-validation, writes results with a report and says where the report is.
# Run as root on Debian 12. Data goes to ./data, results to ./results (override with
# MLAC_DATA / MLAC_OUTPUT_DIR); the feature cache to ~/.cache/mlac (MLAC_CACHE_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
MLAC_BUILD_TARGET=${MLAC_BUILD_TARGET:-mlac} "$root/scripts/build.sh" build
mlac="$root/build/mlac"
data=${MLAC_DATA:-data}
out=${MLAC_OUTPUT_DIR:-results}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -d "$data/coyote" ]; then
  "$mlac" synth --out "$data" --per-class 200 --seconds 5
fi
"$mlac" datasets --data "$data"
"$mlac" run-experiment --data "$data" --output-dir "$out" \
  --models random_forest svm --species coyote bullfrog human_vocal \
  --training-sizes 10 25 50 100 150 --cv-folds 5 --max-concurrent 2 | tee "$log"
report=$(sed -n 's/^report: *//p' "$log")
[ -f "$report" ] && report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
echo
echo "The report: $report"
