#!/usr/bin/env bash
# layers.sh — fails when a source folder includes a folder above it (docs/ARCHITECTURE.md).
#
# The table below is the layering: each folder of src/ with the folders it may include. A new
# folder must be added here (an unknown folder fails the test), so the layers stay a decision.
set -euo pipefail
src="${MLAC_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/src"

declare -A may=(
  [core]=""
  [audio]="core"
  [features]="core"
  [stats]="core"
  [store]="core"
  [dataset]="core store audio"
  [synth]="core audio store"
  [nn]="core stats"
  [ml]="core stats nn"
  [embed]="core audio"
  [exp]="core audio features stats store dataset nn ml embed"
  [report]="core stats store nn ml"
  [serve]="core audio features stats store dataset nn ml embed exp report"
  [cli]="core audio features stats store dataset synth nn ml embed exp report serve"
)

# check_tree SRC: prints one FAIL line per upward include (or unknown folder); returns 1 if any.
check_tree() {
  local src=$1 bad=0 dir folder allowed file line text target
  for dir in "$src"/*/; do
    folder=$(basename "$dir")
    if [[ ! -v may[$folder] ]]; then
      echo "FAIL: src/$folder/ is not in the layer table of tests/arch/layers.sh"
      bad=1
      continue
    fi
    allowed=" $folder ${may[$folder]} "
    while IFS=: read -r file line text; do
      target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([a-z_]+)\/.*/\1/' <<<"$text")
      if [[ "$allowed" != *" $target "* ]]; then
        echo "FAIL: ${file#"$src"/}:$line includes $target/ (src/$folder/ may include: ${may[$folder]:-nothing})"
        bad=1
      fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$dir"*.[ch] /dev/null || true)
  done
  return $bad
}

# The checker itself must catch a planted upward include and an unknown folder.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/core" "$tmp/src/stats" "$tmp/src/zzz"
printf '#include "stats/metrics.h"\n' >"$tmp/src/core/planted.c"
printf '#include "core/error.h"\n' >"$tmp/src/stats/fine.c"
planted=$(check_tree "$tmp/src" || true)
grep -q 'core/planted.c:1 includes stats/' <<<"$planted" || { echo "FAIL: the checker missed a planted upward include"; exit 1; }
grep -q 'src/zzz/ is not in the layer table' <<<"$planted" || { echo "FAIL: the checker missed an unknown folder"; exit 1; }
grep -q 'fine.c' <<<"$planted" && { echo "FAIL: the checker flagged a downward include"; exit 1; }

check_tree "$src"
echo "layers: every include in src/ goes downward"
