#!/usr/bin/env bash
# The test command: installs the Debian packages, then builds mlac four ways — all with
# -Wall -Wextra -Werror — and tests each:
#   gcc RelWithDebInfo (the default build)   every test
#   gcc Debug -O1 + ASan/UBSan                every test but the deploy tests and nine long e2e ones
#   gcc Release (-O3)                         the C tests (numeric kernels, parsers, engine units)
#   clang                                     the C tests, and exactly one OpenMP runtime loaded
#   clang + ThreadSanitizer                   the pool, forest, CNN-training and runner tests
# Run as root on Debian 12 (packages are installed with apt-get).
# MLAC_TEST_DEPLOY=1 (CI sets it) adds the deploy tests (tests/deploy/: Docker image, Compose,
# Kubernetes manifests and Jobs, Slurm; minutes, they start daemons): their packages are installed
# and they run in the default build only; without it they are reported as skipped.
# MLAC_TEST_EMULATOR=1 (CI sets it) installs Firebase's storage emulator (~3.5 min once, cached in
# /var/cache/mlac/firebase-tools) alongside the first build, so the emulator tests run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps=()
if [[ ${MLAC_TEST_DEPLOY:-0} == 1 ]]; then deps=(--deploy); fi
"$root/scripts/install-deps.sh" "${deps[@]}"
# The emulator installs (network-bound) while the first build compiles; a failed install leaves the
# emulator tests reporting themselves skipped, said here, rather than failing every other test.
emulator_pid=""
if [[ ${MLAC_TEST_EMULATOR:-0} == 1 ]]; then
  "$root/scripts/install-gcs-emulator.sh" > "${TMPDIR:-/tmp}/mlac-emulator-install.log" 2>&1 &
  emulator_pid=$!
fi
wait_for_emulator() {
  [[ -n $emulator_pid ]] || return 0
  if wait "$emulator_pid"; then
    echo "test.sh: Firebase storage emulator ready"
  else
    echo "test.sh: WARNING: the Firebase emulator install failed (log below); its tests will say skipped" >&2
    tail -20 "${TMPDIR:-/tmp}/mlac-emulator-install.log" >&2
  fi
  emulator_pid=""
}

# "== what (at N s)": each phase's start, with the seconds since the test command began
phase() { echo "== $1 (at ${SECONDS} s)"; }

run_tests() { # build-dir [ctest args...]
  local dir=$1
  shift
  ctest --test-dir "$root/$dir" --output-on-failure -j2 --timeout 1800 "$@"
}

phase "build (gcc, RelWithDebInfo)"
"$root/scripts/build.sh" build
phase "test (gcc, RelWithDebInfo)"
wait_for_emulator
run_tests build

# -O1 as the sanitizers' own documentation suggests: every check stays, the CNN and grid tests run
# several times faster than at -O0, and stack traces keep their frames (-fno-omit-frame-pointer)
phase "build (gcc, Debug -O1, ASan + UBSan)"
"$root/scripts/build.sh" build-asan -DMLAC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g"
phase "test (gcc, Debug -O1, ASan + UBSan)"
(
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Left out here, each a minute or more of compute under the sanitizers whose code the C tests
  # already run under them (and each runs in the default build):
  #   store_gcs_e2e(_emulator) gs:// end to end against the test server and Firebase's emulator
  #                           (store_test_gcs_store, _gcs_units, _gcs_h2, _gcs_auth run here)
  #   cli_cnn                 CNN grids end to end (nn_test_cnn_model, nn_test_nets, nn_test_train)
  #   nn_test_determinism     byte-identical CNN results for 1/2/4 threads: a numeric property,
  #                           checked in the default build and under ThreadSanitizer
  #   cli_groups              grouped-fold learning curves (exp_test_groups, exp_test_group_folds)
  #   cli_embeddings          the embedding routes (embed_test_command, exp_test_embed_table)
  #   cli_shard               shards and merge (exp_test_shard, cli_concurrent_runner)
  #   arch_layers, report_test_browser   a script over #include lines, Chromium: no mlac code
  run_tests build-asan -E '^(deploy_.*|store_gcs_e2e|store_gcs_e2e_emulator|cli_cnn|nn_test_determinism|cli_groups|cli_embeddings|cli_shard|arch_layers|report_test_browser)$'
)

# ThreadSanitizer over the threaded code: core's pool, the forest's threads, CNN training at 1, 2
# and 4 threads, and the runner with parallel tasks (clang: mlac's own omp loops are serial there,
# so only libgomp/oneDNN need tests/tsan.supp). Only these targets are built (a few minutes).
phase "build (clang, ThreadSanitizer)"
tsan_tests=(core_test_core ml_test_forest nn_test_train nn_test_determinism)
CC=clang cmake -S "$root" -B "$root/build-tsan" -DMLAC_WERROR=ON -DMLAC_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-O1 -g" >/dev/null
cmake --build "$root/build-tsan" -j"$(nproc)" --target mlac "${tsan_tests[@]}"
phase "test (clang, ThreadSanitizer)"
(
  export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp:halt_on_error=1:exitcode=66:second_deadlock_stack=1"
  tsan_regex=$(IFS='|'; echo "${tsan_tests[*]}")
  run_tests build-tsan -R "^(${tsan_regex}|cli_concurrent_runner)\$"
)

phase "build (gcc, Release)"
"$root/scripts/build.sh" build-release -DCMAKE_BUILD_TYPE=Release
# nn_test_determinism (the CNN results' independence of --threads) runs in the default build and
# under ThreadSanitizer; in these two it would repeat the same property.
phase "test (gcc, Release)"
run_tests build-release -R '_test_' -E '^nn_test_determinism$'

phase "build (clang)"
CC=clang "$root/scripts/build.sh" build-clang
runtimes=$(ldd "$root/build-clang/mlac" | grep -cE 'lib(g|i)?omp' || true)
if [[ "$runtimes" -ne 1 ]]; then
  echo "test.sh: the clang build loads $runtimes OpenMP runtimes (want exactly one):" >&2
  ldd "$root/build-clang/mlac" | grep -E 'omp' >&2
  exit 1
fi
phase "test (clang)"
run_tests build-clang -R '_test_' -E '^nn_test_determinism$'
phase "done"
