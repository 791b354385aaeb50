#!/usr/bin/env bash
# Installs every Debian package mlac needs. Idempotent; run as root on Debian 12.
#   scripts/install-deps.sh            build + test dependencies (what the README commands need)
#   scripts/install-deps.sh --python   also the Python stack used only to regenerate fixtures
#                                      and to run the side-by-side benchmarks in bench/
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ca-certificates
  libsndfile1-dev libsoxr-dev libfftw3-dev libopenblas-dev libsvm-dev
  libsqlite3-dev libjansson-dev libyaml-dev libcurl4-openssl-dev libssl-dev
  libmicrohttpd-dev libcairo2-dev libdnnl-dev
  jq openssl curl libpcre2-dev
  chromium
  prometheus wrk jq sqlite3 openssl
)
python_pkgs=(
  python3 python3-numpy python3-torch python3-torchaudio python3-torchvision python3-sklearn
  python3-soundfile python3-scipy
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--python" ]]; then
  want+=("${python_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
