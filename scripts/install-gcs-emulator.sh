#!/usr/bin/env bash
# Installs Google's Firebase Storage emulator (npm firebase-tools) into a cache folder outside
# the checkout, for tests/gcs/emulator.sh (ctest gcs_emulator). Reused when already present.
# The first install downloads from the npm registry: about 3.5 minutes and 312 MB (measured:
# 707 s, 312 MB, 625 packages on a 2-core machine under a load average of 8). Later runs find
# it and return at once (cache the folder between CI runs).
#   scripts/install-gcs-emulator.sh          install into $MLAC_GCS_EMULATOR_DIR
#                                            (default /var/cache/mlac/firebase-tools)
# Needs node + npm (Debian's nodejs and npm packages; installed here when missing).
# Only the emulator's HTTP layer is used (see tests/gcs/emulator_launch.js); its Java rules
# runtime is never downloaded.
set -euo pipefail
dir=${MLAC_GCS_EMULATOR_DIR:-/var/cache/mlac/firebase-tools}
version=${MLAC_FIREBASE_TOOLS_VERSION:-15.34.2}

if [[ -f "$dir/node_modules/firebase-tools/package.json" ]]; then
  echo "install-gcs-emulator: present in $dir"
  exit 0
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

mkdir -p "$(dirname "$dir")"
# One installer at a time (two test runs may start together); install into a fresh folder and
# rename it into place so a killed install never leaves a half-filled cache behind.
exec 9>"$dir.lock"
flock 9
if [[ -f "$dir/node_modules/firebase-tools/package.json" ]]; then
  echo "install-gcs-emulator: present in $dir"
  exit 0
fi
tmp=$(mktemp -d "$dir.tmp-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "install-gcs-emulator: npm install firebase-tools@$version into $dir (first time: ~3.5 min, ~312 MB)"
start=$(date +%s)
npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "firebase-tools@$version"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "install-gcs-emulator: installed in $(( $(date +%s) - start )) s, $(du -sh "$dir" | cut -f1)"
