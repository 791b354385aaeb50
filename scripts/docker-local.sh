#!/usr/bin/env bash
# A private Docker engine and a local Debian 12 base image, for machines with no registry access
# (CI, the deploy tests). Run as root on Debian 12 with docker.io and mmdebstrap installed
# (scripts/install-deps.sh --deploy).
#   scripts/docker-local.sh up      start dockerd on a socket of its own (if not running) and build
#                                   the base image debian:bookworm from this machine's apt sources
#                                   with mmdebstrap -> docker import (once; it stays in the cache)
#   scripts/docker-local.sh down    stop that dockerd by its pid file; remove the docker0 bridge and
#                                   the nft tables it leaves behind (only when nothing else is in them)
#   scripts/docker-local.sh purge   down, then delete the engine's images and build cache
#   scripts/docker-local.sh env     print the DOCKER_HOST line for clients
# Idempotent. State: $MLAC_DOCKER_DIR (default ~/.cache/mlac-docker). Clients use
# DOCKER_HOST=unix://$MLAC_DOCKER_DIR/docker.sock, never the machine's default engine.
set -euo pipefail
dir=${MLAC_DOCKER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlac-docker}
export DOCKER_HOST=unix://$dir/docker.sock
base=${MLAC_DOCKER_BASE:-debian:bookworm}
# Debian's client: the one in /usr/local/bin (if any) may lack the builder this engine speaks.
docker=/usr/bin/docker

alive() { [[ -s $dir/dockerd.pid ]] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; }

start() {
  mkdir -p "$dir"
  if ! alive; then
    # Close every inherited fd above 2 first: a daemon started under `flock LOCK cmd` would
    # otherwise hold the lock for as long as it lives.
    (
      for fd in "/proc/$BASHPID/fd/"*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-"; fi
      done
      exec setsid dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        -H "$DOCKER_HOST" --storage-driver=overlay2 >"$dir/dockerd.log" 2>&1 </dev/null
    ) &
    disown
  fi
  for _ in $(seq 150); do
    if "$docker" version >/dev/null 2>&1; then
      "$docker" version --format 'docker-local: engine {{.Server.Version}} on '"$DOCKER_HOST"
      return 0
    fi
    sleep 0.2
  done
  echo "docker-local: dockerd did not answer within 30 s; its log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}

base_image() {
  if "$docker" image inspect "$base" >/dev/null 2>&1; then
    echo "docker-local: base image $base present"
    return 0
  fi
  # The machine's own apt sources (deb822 file or one-line list): the image reaches the same mirror.
  local src=/etc/apt/sources.list.d/debian.sources
  [[ -f $src ]] || src=/etc/apt/sources.list
  echo "docker-local: building $base with mmdebstrap from $src"
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm - "$src" 2>"$dir/mmdebstrap.log" |
    "$docker" import --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
  "$docker" image ls "$base"
}

down() {
  if alive; then
    local pid
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid"
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  # dockerd leaves its bridge and firewall tables behind (with the FORWARD policy set to DROP).
  if ip link show docker0 >/dev/null 2>&1; then ip link del docker0 || true; fi
  if command -v nft >/dev/null &&
    ! nft list ruleset 2>/dev/null | grep -v -q -E 'DOCKER|docker0|^\s*(table|chain|type|counter|\}|$|#)'; then
    nft delete table ip nat 2>/dev/null || true
    nft delete table ip filter 2>/dev/null || true
  fi
  echo "docker-local: stopped"
}

case "${1:-up}" in
  up) start && base_image ;;
  down) down ;;
  purge) down && rm -rf "$dir/data" "$dir/exec" ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  *) echo "usage: $0 up|down|purge|env" >&2; exit 2 ;;
esac
