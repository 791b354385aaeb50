#!/usr/bin/env bash
# Installs every Debian package mlac needs. Idempotent; run as root on Debian 12.
#   scripts/install-deps.sh            build + test dependencies (what the README commands need)
#   scripts/install-deps.sh --python   also the Python stack used only to regenerate fixtures
#                                      and to run the side-by-side benchmarks in bench/
#   scripts/install-deps.sh --build-only   only what building mlac needs (no test-only packages)
#   scripts/install-deps.sh --deploy   also what the deploy tests need (tests/deploy/): Docker,
#                                      mmdebstrap, docker-compose, Slurm + munge, node/npm (unless on PATH) and
#                                      kubectl (Debian's kubernetes-client) unless one is on PATH
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ca-certificates
  libsndfile1-dev libsoxr-dev libfftw3-dev libopenblas-dev libsvm-dev
  libsqlite3-dev libjansson-dev libyaml-dev libcurl4-openssl-dev libssl-dev
  libmicrohttpd-dev libcairo2-dev libdnnl-dev libpcre2-dev
)
test_pkgs=(
  chromium clang          # the browser test; the clang build of the test command
  jq openssl curl         # the GCS test server's conformance and auth tests
  nghttp2-server          # nghttpd: the gs:// HTTP/2 test (store_test_gcs_h2)
  prometheus wrk sqlite3  # the service's metrics test and benchmark
)
python_pkgs=(
  python3 python3-numpy python3-torch python3-torchaudio python3-torchvision python3-sklearn
  python3-soundfile python3-scipy
)

deploy_pkgs=(
  docker.io mmdebstrap docker-compose iproute2 nftables
  slurmctld slurmd slurm-client munge shellcheck
)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --build-only) want=("${build_pkgs[@]}") ;;   # no test-only packages (the Docker build stage)
    --python) want+=("${python_pkgs[@]}") ;;
    --deploy)
      want+=("${deploy_pkgs[@]}")
      command -v npm >/dev/null || want+=(nodejs npm)        # a nodesource nodejs bundles npm
      command -v kubectl >/dev/null || want+=(kubernetes-client)
      ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

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
$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
