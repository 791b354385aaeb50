#!/usr/bin/env bash
# run_cnn_grid_bench.sh — the CNN grid (vgg mobilenet resnet x 3 species x sizes x folds) through
# mlac and through the equivalent PyTorch pipeline (bench/cnn_grid_bench.py) on the same splits
# and the same log-mel images, one after the other in one run (issue 16, item 6).
#
# Steps: synthetic data (`mlac synth`), the splits (`mlac splits`), mlac's images exported for
# PyTorch (`mlac features --kind logmel --format npy`), an untimed warm-up run that fills mlac's
# feature cache (so neither side's time includes computing features), the timed mlac grid, then
# PyTorch for SEEDS seeds (glibc told to keep freed memory: its best case on these VMs). Prints
# the load average, the wall-time and training-time ratios, and per (model, species, n): mlac's
# mean AUC over folds, PyTorch's (mean of its seeds), PyTorch's seed-to-seed sd and range, the
# difference, and whether mlac lies within PyTorch's seed noise: |diff| <= 2 sd sqrt(1 + 1/SEEDS)
# (where one more PyTorch seed would fall ~95 % of the time), "in range" when within [min, max].
#
# usage: bench/run_cnn_grid_bench.sh [--sizes "25 50 100"] [--folds 5] [--epochs 3]
#          [--input-size 64] [--seeds 3] [--threads 2] [--per-class 150] [--build build]
# quick check: bench/run_cnn_grid_bench.sh --sizes "25 50" --folds 3 --input-size 32
# Needs: a build (scripts/build.sh build), /usr/bin/python3 with torch, torchvision, sklearn
# (scripts/install-deps.sh --python). Work files go to $BENCH_DIR (default /tmp/mlac-cnn-grid-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes="25 50 100" folds=5 epochs=3 size=64 seeds=3 threads=2 per_class=150 build="$root/build"
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) sizes=$2 ;;
    --folds) folds=$2 ;;
    --epochs) epochs=$2 ;;
    --input-size) size=$2 ;;
    --seeds) seeds=$2 ;;
    --threads) threads=$2 ;;
    --per-class) per_class=$2 ;;
    --build) build=$2 ;;
    *) echo "run_cnn_grid_bench.sh: unknown option '$1' (see the usage at the top of the script)" >&2; exit 64 ;;
    esac
    shift 2
done
mlac="$build/mlac"
[ -x "$mlac" ] || { echo "run_cnn_grid_bench.sh: no mlac at '$mlac' (scripts/build.sh build)" >&2; exit 66; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
# Both sides use libgomp. On the shared 2-core VM its spinning threads make 2 threads 3-4x slower
# than 1 for both mlac and PyTorch (a busy neighbour holds a core); passive waiting is each side's
# best there. Set OMP_WAIT_POLICY=ACTIVE to measure the default.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
work=${BENCH_DIR:-/tmp/mlac-cnn-grid-bench}
mkdir -p "$work"
data="$work/data-$per_class"
[ -d "$data/coyote" ] || "$mlac" synth --out "$data" --per-class "$per_class" --seconds 5 >/dev/null
read -r -a size_list <<< "$sizes"
spec=(--data "$data" --species coyote bullfrog human_vocal --training-sizes "${size_list[@]}" --cv-folds "$folds")
cnn=(--models vgg mobilenet resnet --epochs "$epochs" --input-size "$size")
"$mlac" splits "${spec[@]}" > "$work/splits.jsonl"
images="$work/images-$size"
if [ ! -d "$images" ]; then
    mkdir -p "$images.tmp"
    "$mlac" features "$data"/*/data/*/*.wav --kind logmel --format npy --image-size "$size" \
        --clip-seconds 5 --out "$images.tmp/"
    mv "$images.tmp" "$images"
fi
rm -rf "$work/results" "$work/warm" "$work/cache"
"$mlac" run-experiment --data "$data" --species coyote bullfrog human_vocal --training-sizes 5 \
    --cv-folds "$folds" --models vgg --epochs 1 --input-size "$size" --threads "$threads" \
    --output-dir "$work/warm" --run-id warm --cache-dir "$work/cache" --no-report --no-table >/dev/null 2>&1
load0=$(uptime | sed 's/.*load average: //')
echo "# $(date -u +%FT%TZ) $(nproc) cores; load before: $load0; threads=$threads OMP_WAIT_POLICY=$OMP_WAIT_POLICY sizes='$sizes' folds=$folds epochs=$epochs input=$size seeds=$seeds per_class=$per_class"
t0=$(date +%s.%N)
MLAC_LOG_FORMAT=json "$mlac" run-experiment "${spec[@]}" "${cnn[@]}" --threads "$threads" --max-concurrent 1 \
    --output-dir "$work/results" --run-id grid --cache-dir "$work/cache" --no-report --no-table \
    > "$work/mlac.log" 2>&1
t1=$(date +%s.%N)
echo "# mlac done; load: $(uptime | sed 's/.*load average: //')"
MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
    /usr/bin/python3 "$root/bench/cnn_grid_bench.py" "$work/splits.jsonl" "$images" --epochs "$epochs" \
    --seeds "$seeds" --threads "$threads" > "$work/pytorch.json" 2> "$work/pytorch.log"
echo "# pytorch done; load: $(uptime | sed 's/.*load average: //')"
/usr/bin/python3 - "$work" "$t0" "$t1" "$seeds" <<'PY'
import collections, json, math, sys
import numpy as np
work, t0, t1, seeds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
tasks = [json.loads(l) for l in open(f"{work}/results/grid/tasks.jsonl")]
bad = [t for t in tasks if "metrics" not in t or "roc_auc" not in t.get("metrics", {})]
if bad:
    sys.exit(f"{len(bad)} mlac tasks have no ROC-AUC (see {work}/mlac.log)")
py = json.load(open(f"{work}/pytorch.json"))
c_wall, p_wall = t1 - t0, py["wall_seconds"][0]
c_train = sum(t["train_seconds"] + t["predict_seconds"] for t in tasks)
p_train = py["train_seconds"] + py["predict_seconds"]
print(f"wall: mlac {c_wall:.1f} s  pytorch {p_wall:.1f} s (seed 0; seeds: "
      f"{', '.join(f'{w:.1f}' for w in py['wall_seconds'])})  ratio {p_wall / c_wall:.2f}x")
print(f"fit+score summed over tasks: mlac {c_train:.1f} s  pytorch {p_train:.1f} s  ratio {p_train / c_train:.2f}x")
cells = collections.defaultdict(list)
for t in tasks:
    cells[(t["model"], t["species"], t["n"])].append(t["metrics"]["roc_auc"])
order = {"vgg": 0, "mobilenet": 1, "resnet": 2}
print("| model | species | n | AUC mlac | AUC PyTorch (mean of %d seeds) | PyTorch seed sd | PyTorch seed range | "
      "diff | within seed noise | in range |" % seeds)
print("|---|---|---|---|---|---|---|---|---|---|")
inside = 0
for k in sorted(cells, key=lambda k: (order[k[0]], k[1], k[2])):
    m = float(np.mean(cells[k]))
    s = py["seed_mean_auc"][f"{k[1]},{k[0]},{k[2]}"]
    mu, sd = float(np.mean(s)), float(np.std(s, ddof=1)) if len(s) > 1 else float("nan")
    d = m - mu
    ok = abs(d) <= 2 * sd * math.sqrt(1 + 1 / len(s)) + 1e-12
    inside += ok
    rng = min(s) - 1e-12 <= m <= max(s) + 1e-12
    print(f"| {k[0]} | {k[1]} | {k[2]} | {m:.3f} | {mu:.3f} | {sd:.3f} | {min(s):.3f}-{max(s):.3f} | "
          f"{d:+.3f} | {'yes' if ok else 'NO'} | {'yes' if rng else 'no'} |")
print(f"cells within PyTorch's seed noise: {inside} of {len(cells)}")
PY
echo "# end $(date -u +%FT%TZ); load after: $(uptime | sed 's/.*load average: //')"
