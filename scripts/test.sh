#!/usr/bin/env bash
# The test command: installs the Debian packages, builds mlac twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test in both builds.
# Run as root on Debian 12 (packages are installed with apt-get).
# MLAC_TEST_DEPLOY=1 (CI sets it) adds the deploy tests (tests/deploy/: Docker image, Compose,
# Kubernetes manifests and Jobs, Slurm; minutes, they start daemons): their packages are installed
# and they run in the optimised pass only; without it they are reported as skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps=()
if [[ ${MLAC_TEST_DEPLOY:-0} == 1 ]]; then deps=(--deploy); fi
"$root/scripts/install-deps.sh" "${deps[@]}"

echo "== build (optimised)"
"$root/scripts/build.sh" build
echo "== test (optimised)"
ctest --test-dir "$root/build" --output-on-failure -j2 --timeout 900

echo "== build (ASan + UBSan)"
"$root/scripts/build.sh" build-asan -DMLAC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== test (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$root/build-asan" --output-on-failure -j2 --timeout 1800 -E '^deploy_'
