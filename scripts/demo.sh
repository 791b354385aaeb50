#!/usr/bin/env bash
# The main job on the built-in synthetic dataset: installs the Debian packages, builds mlac,
# synthesises the demo data (if absent), runs random forest and SVM over the three species at
# several training sizes with 5-fold cross-validation, and writes results with a report.
# Run as root on Debian 12. Data goes to ./data, results to ./results (override with
# MLAC_DATA / MLAC_OUTPUT_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" build
mlac="$root/build/mlac"
data=${MLAC_DATA:-data}
out=${MLAC_OUTPUT_DIR:-results}
if [ ! -d "$data/coyote" ]; then
  "$mlac" synth --out "$data" --per-class 200 --seconds 5
fi
"$mlac" datasets --data "$data"
"$mlac" run-experiment --data "$data" --output-dir "$out" \
  --models random_forest svm --species coyote bullfrog human_vocal \
  --training-sizes 10 25 50 100 150 --cv-folds 5 --max-concurrent 2
