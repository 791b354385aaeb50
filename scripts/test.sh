#!/usr/bin/env bash
# The test command: installs the Debian packages, builds mlac twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test in both builds.
# Run as root on Debian 12 (packages are installed with apt-get).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# MLAC_TEST_EMULATOR=1: install Firebase's storage emulator first (~3.5 min once), so gcs_emulator runs
if [[ ${MLAC_TEST_EMULATOR:-0} == 1 ]]; then "$root/scripts/install-gcs-emulator.sh"; fi

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
ctest --test-dir "$root/build-asan" --output-on-failure -j2 --timeout 1800
