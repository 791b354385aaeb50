#!/usr/bin/env bash
# First run of mlac in Docker, as the original platform's setup-docker.sh did: checks Docker and
# Compose, creates the data/results/cache/credentials folders, writes .env from .env.example
# (with your uid/gid, so results belong to you), builds the image and runs the demo in a container.
#   scripts/setup-docker.sh              everything above; results in ./results/demo/
#   scripts/setup-docker.sh --no-build   use the image named by MLAC_IMAGE (default mlac:latest)
#   scripts/setup-docker.sh --no-demo    stop after the build
# Small demo: DEMO_PER_CLASS=20 DEMO_SECONDS=1 MLAC_TRAINING_SIZES=4,8 scripts/setup-docker.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 demo=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --no-demo) demo=0 ;;
    *) echo "usage: $0 [--no-build] [--no-demo]" >&2; exit 2 ;;
  esac
done

say() { echo "setup-docker: $*"; }
command -v docker >/dev/null || { say "docker is not installed (Debian: apt-get install docker.io)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { say "cannot reach the Docker engine (is dockerd running? DOCKER_HOST=${DOCKER_HOST:-unset})" >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  say "neither 'docker compose' nor docker-compose is installed (Debian: apt-get install docker-compose)" >&2
  exit 1
fi
say "engine $(docker version --format '{{.Server.Version}}'), compose: ${compose[*]}"

mkdir -p data results cache credentials
if [[ ! -f .env ]]; then
  cp .env.example .env
  if [[ $(id -u) -ne 0 ]]; then
    sed -i "s/^MLAC_UID=.*/MLAC_UID=$(id -u)/; s/^MLAC_GID=.*/MLAC_GID=$(id -g)/" .env
  fi
  say "wrote .env from .env.example (edit GCP_PROJECT_ID and GCS_BUCKET_NAME for gs:// data)"
fi
if [[ $(id -u) -eq 0 ]]; then
  # root on the host: the containers keep the image's user, which must own the folders
  uid=$(sed -n 's/^MLAC_UID=//p' .env) gid=$(sed -n 's/^MLAC_GID=//p' .env)
  chown "${uid:-10001}:${gid:-10001}" data results cache
fi
if [[ ! -f credentials/gcp-key.json ]]; then
  say "no credentials/gcp-key.json: fine for local data; for gs:// put a service-account key there"
fi

if ((build)); then
  say "building the image"
  "${compose[@]}" build
fi
if ((demo)); then
  say "running the demo in a container"
  "${compose[@]}" run --rm demo
  say "done: results in results/${DEMO_RUN_ID:-demo}/"
fi
