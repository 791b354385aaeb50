# deploylib.sh — shared by the deploy tests (sourced after tests/cli/lib/testlib.sh): the
# MLAC_TEST_DEPLOY gate, the private Docker engine and the test image, and the small grid every
# deploy test runs and compares with a single-process host run.
# Gate: the deploy tests start daemons and build images (minutes), so they run only with
# MLAC_TEST_DEPLOY=1 (CI sets it); otherwise they exit 77, which CTest reports as skipped.
# shellcheck shell=bash
SRC=${MLAC_SOURCE:?MLAC_SOURCE must point at the source tree}
IMAGE=${MLAC_TEST_IMAGE:-mlac:test}
DOCKER=/usr/bin/docker   # Debian's client (its builder matches Debian's dockerd)
chmod 755 "$TMP"         # the container's user (uid 10001) must reach the folders mounted from here
# One Docker engine state (base image, build cache) and one npm folder for every deploy test of a
# build folder, so the second test to build the image reuses the first one's layers (testlib's
# private XDG_CACHE_HOME would give each test its own, and each rebuilt everything). CTest's
# RESOURCE_LOCKs (mlac_docker, mlac_npm) keep two tests from using them at once. The folder is
# under /tmp, keyed by the build folder, so dockerd's socket paths stay short.
deploy_cache=${TMPDIR:-/tmp}/mlac-deploy-$(printf %s "${MLAC_BUILD:-$TMP}" | sha256sum | cut -c1-8)
# An engine left running in the tests' own folder (by a test killed at its timeout) is this test's
# to stop; one in a folder the caller chose (MLAC_DOCKER_DIR set) is left as it was found.
own_docker_dir=0
[ -n "${MLAC_DOCKER_DIR:-}" ] || own_docker_dir=1
export MLAC_DOCKER_DIR=${MLAC_DOCKER_DIR:-$deploy_cache/docker}
export MLAC_NPM_CACHE=${MLAC_NPM_CACHE:-$deploy_cache/npm}

deploy_gate() { # NAME: skip unless MLAC_TEST_DEPLOY=1; then install what the deploy tests need
  if [ "${MLAC_TEST_DEPLOY:-0}" != 1 ]; then
    echo "SKIPPED: $1 needs MLAC_TEST_DEPLOY=1 (it installs packages, starts daemons, builds images)"
    exit 77
  fi
  "$SRC/scripts/install-deps.sh" --deploy > "$TMP/install-deps.log" 2>&1 ||
    { cat "$TMP/install-deps.log" >&2; echo "FAIL: scripts/install-deps.sh --deploy" >&2; exit 1; }
}

# Cleanup actions run on exit, last registered first, then testlib's temporary folder goes.
cleanups=()
on_exit() { cleanups=("$1" "${cleanups[@]}"); }
run_cleanups() {
  local c
  for c in "${cleanups[@]}"; do eval "$c" || true; done
  rm -rf "$TMP"
}
trap run_cleanups EXIT

docker_up() { # start the private engine (stopped on exit unless it was already running)
  local was_running=0
  eval "$("$SRC/scripts/docker-local.sh" env)"
  "$DOCKER" version >/dev/null 2>&1 && was_running=1
  "$SRC/scripts/docker-local.sh" up > "$TMP/docker-up.log" 2>&1 ||
    { cat "$TMP/docker-up.log" >&2; echo "FAIL: scripts/docker-local.sh up" >&2; exit 1; }
  if [ "$was_running" = 0 ] || [ "$own_docker_dir" = 1 ]; then on_exit "'$SRC/scripts/docker-local.sh' down >/dev/null"; fi
}

image_build() { # build $IMAGE from the source tree; prints the build time
  local t0=$SECONDS
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$IMAGE" "$SRC" > "$TMP/build.log" 2>&1; then
    tail -30 "$TMP/build.log" >&2
    echo "FAIL: docker build" >&2
    exit 1
  fi
  echo "image $IMAGE built in $((SECONDS - t0)) s, $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" |
    awk '{printf "%.0f MB", $1 / 1e6}')"
}

# The grid of every deploy test: 2 species x 2 models x 2 sizes x 3 folds = 24 tasks.
# shellcheck disable=SC2054 # the comma joins two models
GRID=(--species coyote bullfrog --models random_forest,svm --training-sizes 4 8 --cv-folds 3 --no-report)
# shellcheck disable=SC2034 # used by the tests that source this file
synth_args=(--per-class 12 --seconds 1 --seed 7)

host_reference() { # DIR: synth data in DIR/data and a single-process run in DIR/out/ref
  "$MLAC" synth --out "$1/data" "${synth_args[@]}" > /dev/null &&
    MLAC_CACHE_DIR="$1/cache" "$MLAC" run-experiment --data "$1/data" "${GRID[@]}" \
      --output-dir "$1/out" --run-id ref > "$1/ref.log" 2>&1
}

same_results() { # REF_RUN_DIR RUN_DIR: the tables a run is judged by are byte-identical
  local f
  for f in summary.json summary.csv significance.csv curves.csv; do
    cmp "$1/$f" "$2/$f" || return 1
  done
  cmp <(metrics_by_task "$1/tasks.jsonl") <(metrics_by_task "$2/tasks.jsonl")
}
