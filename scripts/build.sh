#!/usr/bin/env bash
# Configures and builds mlac. Usage: scripts/build.sh [build-dir] [extra cmake args...]
#   scripts/build.sh                      -> build/ (release, -Werror)
#   scripts/build.sh build-asan -DMLAC_SANITIZE=ON
#   MLAC_BUILD_TARGET=mlac scripts/build.sh /build -DMLAC_NATIVE=OFF   only the binary (the Docker image)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
shift || true
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
cmake -S "$root" -B "$dir" -DMLAC_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" ${MLAC_BUILD_TARGET:+--target "$MLAC_BUILD_TARGET"}
