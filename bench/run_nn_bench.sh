#!/usr/bin/env bash
# run_nn_bench.sh — CNN engine vs PyTorch 1.13, same machine, one run, 2 threads:
# vgg@128, mobilenet@224, resnet@224, resnet@128; PyTorch as shipped and with glibc told to keep
# freed memory (its best case on these VMs); mlac as shipped (Winograd for 3x3 stride-1
# convolutions) and with MLAC_NN_DIRECT=1 (direct convolutions only). Prints the load average
# before each row: other work on the 2 cores skews any row it overlaps.
# Builds bench/nn_bench.c against BUILD_DIR/libmlac.a.
# usage: bench/run_nn_bench.sh [BUILD_DIR=build] [STEPS=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
steps=${2:-5}
out=$(mktemp -d)
cc -O2 -march=native -D_GNU_SOURCE -I"$root/src" -I/usr/include/oneapi "$root/bench/nn_bench.c" \
   "$build/libmlac.a" -o "$out/nn_bench" $(pkg-config --libs jansson openblas sndfile soxr fftw3f \
   sqlite3 yaml-0.1 libcurl openssl libmicrohttpd cairo) -lsvm -ldnnl -fopenmp -lpthread -lm
echo "# $(date -u +%FT%TZ) $(nproc) cores; load: $(uptime | sed 's/.*load average: //'); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for row in "vgg 128" "mobilenet 224" "resnet 224" "resnet 128"; do
    set -- $row
    echo "# $1@$2 load: $(uptime | sed 's/.*load average: //')"
    "$out/nn_bench" "$1" "$2" 32 2 "$steps" "$steps"
    MLAC_NN_DIRECT=1 "$out/nn_bench" "$1" "$2" 32 2 "$steps" "$steps"
    /usr/bin/python3 "$root/bench/nn_bench.py" "$1" "$2" 32 2 "$steps" "$steps"
    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
        /usr/bin/python3 "$root/bench/nn_bench.py" "$1" "$2" 32 2 "$steps" "$steps"
done
rm -rf "$out"
