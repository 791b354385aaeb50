#!/usr/bin/env bash
# The RF + SVM grid through mlac and through the equivalent Python pipeline (bench/grid_bench.py:
# torchaudio + scikit-learn) on the same synthetic data and the same splits, in one run.
# Prints wall-time and RF-fit ratios and the per-cell mean AUC differences.
# usage: bench/run_grid_bench.sh [threads=2] [per_class=200]
# Needs: scripts/install-deps.sh --python, and a build in build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
threads=${1:-2}
per_class=${2:-200}
mlac="$root/build/mlac"
work=${BENCH_DIR:-/tmp/mlac-grid-bench}
mkdir -p "$work"
data="$work/data-$per_class"
[ -d "$data/coyote" ] || "$mlac" synth --out "$data" --per-class "$per_class" --seconds 5 >/dev/null
spec=(--data "$data" --species coyote bullfrog human_vocal --training-sizes 10 25 50 100 --cv-folds 5)
"$mlac" splits "${spec[@]}" > "$work/splits.jsonl"
rm -rf "$work/results" "$work/cache"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} threads=$threads per_class=$per_class host=$(nproc) cores"
t0=$(date +%s.%N)
MLAC_LOG_FORMAT=json "$mlac" run-experiment "${spec[@]}" --models random_forest svm --threads "$threads" \
  --max-concurrent "$threads" --output-dir "$work/results" --run-id grid --cache-dir "$work/cache" --no-report \
  > /dev/null 2>&1
t1=$(date +%s.%N)
/usr/bin/python3 "$root/bench/grid_bench.py" "$data" "$work/splits.jsonl" "$threads" > "$work/python.json"
MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
  /usr/bin/python3 "$root/bench/grid_bench.py" "$data" "$work/splits.jsonl" "$threads" > "$work/python-best.json"
/usr/bin/python3 - "$work" "$t0" "$t1" <<'PY'
import json, sys, collections
work, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
c_wall = t1 - t0
tasks = [json.loads(l) for l in open(f"{work}/results/grid/tasks.jsonl")]
rf_c = sum(t["train_seconds"] for t in tasks if t["model"] == "random_forest")
cells = collections.defaultdict(list)
for t in tasks:
    cells[f'{t["species"]},{t["model"]},{t["n"]}'].append(t["metrics"]["roc_auc"])
for name in ("python", "python-best"):
    py = json.load(open(f"{work}/{name}.json"))
    diffs = {k: sum(v) / len(v) - py["mean_auc"][k] for k, v in cells.items() if k in py["mean_auc"]}
    worst = max(diffs.items(), key=lambda kv: abs(kv[1]))
    print(f"{name:12s} wall: mlac {c_wall:6.1f} s  python {py['wall_seconds']:6.1f} s  ratio {py['wall_seconds'] / c_wall:5.1f}x"
          f" | RF fit (tuned): mlac {rf_c:5.2f} s  sklearn {py['rf_fit_seconds']:6.1f} s  ratio {py['rf_fit_seconds'] / rf_c:5.1f}x"
          f" | one plain sklearn fit per task {py['rf_single_fit_seconds']:5.1f} s ({py['rf_single_fit_seconds'] / rf_c:4.1f}x)"
          f" | max |dAUC| {abs(worst[1]):.3f} ({worst[0]})")
print("per-cell mean AUC (mlac - python at its best); RF cells also show sklearn's own seed-to-seed std:")
py = json.load(open(f"{work}/python-best.json"))
for k in sorted(cells):
    v = cells[k]
    d = sum(v) / len(v) - py["mean_auc"].get(k, float("nan"))
    sd = py["rf_seed_std"].get(k)
    note = f"  seed std {sd:.3f}  {'ok' if abs(d) <= max(0.02, 2 * sd) else 'OUTSIDE'}" if sd is not None else \
        f"  {'ok' if abs(d) <= 0.02 else 'OUTSIDE'}"
    print(f"  {k:32s} mlac {sum(v)/len(v):.3f}  python {py['mean_auc'].get(k, float('nan')):.3f}  diff {d:+.3f}{note}")
PY
