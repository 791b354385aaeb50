#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads (one per line, sorted):
# the runtime stage of the Dockerfile installs exactly these, so it never drifts from the build.
# Usage: deploy/docker/runtime-packages.sh BINARY
set -euo pipefail
bin=${1:?usage: runtime-packages.sh BINARY}
if ldd "$bin" | grep -q 'not found'; then
  echo "runtime-packages: $bin has unresolved libraries:" >&2
  ldd "$bin" | grep 'not found' >&2
  exit 1
fi
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  # merged /usr: dpkg may know the file under /lib or /usr/lib, by its link name or its target
  real=$(readlink -f "$lib")
  for p in "$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr$lib" "/usr$real"; do
    if owner=$(dpkg -S "$p" 2>/dev/null); then
      echo "${owner%%:*}"
      continue 2
    fi
  done
  echo "runtime-packages: no Debian package owns $lib" >&2
  exit 1
done | sort -u
