#!/usr/bin/env bash
# The Docker image for real (MLAC_TEST_DEPLOY=1; otherwise skipped with 77): a private dockerd,
# the local Debian base, `docker build` of the Dockerfile; in the image `mlac synth` + a 24-task
# grid run as the non-root user into a mounted folder give a summary.json identical to a host run;
# the image runs as uid 10001, has no -march=native build, passes its HEALTHCHECK; setup-docker.sh
# + docker-compose run the demo service, and the serve service becomes healthy; the image size is
# reported.
set -u
# shellcheck source=../cli/lib/testlib.sh
. "$(dirname "$0")/../cli/lib/testlib.sh"
# shellcheck source=lib/deploylib.sh
. "$(dirname "$0")/lib/deploylib.sh"
deploy_gate deploy_docker
docker_up
image_build

# the host's single-process reference
check "host reference run" host_reference "$TMP/host"

# the same data and grid inside the image, as its own user, into a mounted folder
mkdir -p "$TMP/ctr"
chown 10001:10001 "$TMP/ctr"
in_image() { "$DOCKER" run --rm -v "$TMP/ctr:/work" "$IMAGE" "$@"; }
check "synth in the image" in_image synth --out /work/data "${synth_args[@]}"
check "same clips as the host's synth" diff -r "$TMP/host/data" "$TMP/ctr/data"
check "grid in the image" in_image run-experiment --data /work/data "${GRID[@]}" \
  --output-dir /work/out --run-id ref
check "results written by uid 10001" test "$(stat -c %u "$TMP/ctr/out/ref/summary.json")" = 10001
check "image results = host results (summary.json identical)" same_results "$TMP/host/out/ref" "$TMP/ctr/out/ref"

# the image's user, entry point and CPU baseline
check "runs as uid 10001" test "$("$DOCKER" run --rm --entrypoint id "$IMAGE" -u)" = 10001
check "ENTRYPOINT is mlac" bash -c "'$DOCKER' run --rm '$IMAGE' --version | grep -q '^mlac '"
# the build stage (cached from the build above): configured without -march=native
native_off() {
  DOCKER_BUILDKIT=1 "$DOCKER" build -q --target build -t "$IMAGE-build" "$SRC" > /dev/null &&
    "$DOCKER" run --rm --entrypoint grep "$IMAGE-build" -q '^MLAC_NATIVE:BOOL=OFF' /build/CMakeCache.txt &&
    ! "$DOCKER" run --rm --entrypoint grep "$IMAGE-build" -rq -- '-march=native' /build/CMakeFiles
}
check "the image's binary is built without -march=native" native_off
on_exit "'$DOCKER' rmi '$IMAGE-build' >/dev/null"
check "a read-only root filesystem is enough" "$DOCKER" run --rm --read-only --tmpfs /tmp \
  -v "$TMP/ctr:/work" "$IMAGE" datasets --data /work/data
expect_fail "the user cannot write the image's /usr" 'denied|Read-only|cannot' \
  "$DOCKER" run --rm --entrypoint touch "$IMAGE" /usr/local/bin/x

# HEALTHCHECK: a container kept alive becomes healthy through the image's own check
health_of() { "$DOCKER" inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
wait_healthy() {

  for _ in $(seq 60); do
    [ "$(health_of "$1")" = healthy ] && return 0
    sleep 0.5
  done
  echo "health: $(health_of "$1")"
  return 1
}
check "image declares a HEALTHCHECK running mlac" bash -c \
  "'$DOCKER' inspect -f '{{json .Config.Healthcheck.Test}}' '$IMAGE' | grep -q mlac"
cid=$("$DOCKER" run -d --health-interval 1s --entrypoint sleep "$IMAGE" 60)
on_exit "'$DOCKER' rm -f $cid >/dev/null"
check "HEALTHCHECK reports healthy" wait_healthy "$cid"

# setup-docker.sh + docker-compose: the demo service in a copy of the tree
mkdir -p "$TMP/tree"
(cd "$SRC" && tar --exclude='./build*' --exclude=./.git --exclude=./data --exclude=./results -cf - .) |
  tar -C "$TMP/tree" -xf -
# shellcheck disable=SC2054 # commas belong to the values
compose_env=(MLAC_IMAGE="$IMAGE" DEMO_PER_CLASS=12 DEMO_SECONDS=1 DEMO_RUN_ID=demo
  MLAC_TRAINING_SIZES=4,8 MLAC_SPECIES=coyote,bullfrog DEFAULT_CV_FOLDS=3 MAX_WORKERS=2
  COMPOSE_PROJECT_NAME="mlactest$$")
check "setup-docker.sh runs the demo with docker-compose" \
  env "${compose_env[@]}" "$TMP/tree/scripts/setup-docker.sh" --no-build
on_exit "(cd '$TMP/tree' && env ${compose_env[*]} docker-compose down -v >/dev/null 2>&1)"
check "demo: summary.json" test -s "$TMP/tree/results/demo/summary.json"
check "demo: report" test -s "$TMP/tree/results/demo/report/index.html"
check "demo: 24 tasks" test "$(wc -l < "$TMP/tree/results/demo/tasks.jsonl")" -eq 24
check "demo: written by the image's user" test "$(stat -c %u "$TMP/tree/results/demo/summary.json")" = 10001
check "demo: .env written from .env.example" grep -q '^GCP_PROJECT_ID=' "$TMP/tree/.env"
check "compose: the mlac service answers" bash -c \
  "cd '$TMP/tree' && env ${compose_env[*]} docker-compose run --rm mlac --version | grep -q '^mlac '"

# the service through Compose: healthy by its health check, /healthz answers, the API wants the token
serve_port=""
for p in $(seq 18080 18180); do (: < "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { serve_port=$p; break; }; done
serve_env=("${compose_env[@]}" MLAC_SERVE_PORT="$serve_port" MLAC_API_TOKEN=compose-test-token)
check "compose: serve starts" bash -c "cd '$TMP/tree' && env ${serve_env[*]} docker-compose up -d --no-build serve"
serve_healthy() {
  local s=""
  for _ in $(seq 60); do
    s=$("$DOCKER" inspect -f '{{.State.Health.Status}}' "mlactest$$_serve_1" 2>/dev/null)
    [ "$s" = healthy ] && return 0
    sleep 1
  done
  echo "health: $s"
  return 1
}
check "compose: serve becomes healthy" serve_healthy
check "compose: serve /healthz" bash -c "curl -sf http://127.0.0.1:$serve_port/healthz | grep -q ok"
check "compose: the API refuses a request without the token" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$serve_port/v1/experiments")" = 401
check "compose: the API answers with the token" bash -c \
  "curl -sf -H 'Authorization: Bearer compose-test-token' http://127.0.0.1:$serve_port/v1/experiments | grep -q experiments"
(cd "$TMP/tree" && env "${serve_env[@]}" docker-compose stop serve >/dev/null 2>&1)

echo "image size: $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}')"
finish
