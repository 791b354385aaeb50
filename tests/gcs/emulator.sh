#!/usr/bin/env bash
# emulator.sh (ctest gcs_emulator) — runs conformance.sh --simple-only against Google's
# Firebase Storage emulator (tests/gcs/emulator_launch.js), the check that our gcs_test_server
# behaves as Google's own code does wherever the emulator implements a behaviour. Runs only
# when the emulator is installed (scripts/install-gcs-emulator.sh, or MLAC_TEST_EMULATOR=1
# scripts/test.sh); otherwise it says so and exits 77, which CTest reports as skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${MLAC_GCS_EMULATOR_DIR:-/var/cache/mlac/firebase-tools}
if [[ ! -f $dir/node_modules/firebase-tools/package.json ]] || ! command -v node >/dev/null; then
  echo "gcs_emulator: NOT RUN — the Firebase Storage emulator is not installed in $dir"
  echo "gcs_emulator: install it with scripts/install-gcs-emulator.sh (first time ~3.5 min, 312 MB)"
  exit 77
fi
W=$(mktemp -d /tmp/mlac-gcs-emu-XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
# fds above 2 closed so the emulator holds no lock of whoever started the test
(
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [[ $fd -gt 2 ]] && eval "exec $fd>&-"
  done
  exec node "$here/emulator_launch.js" "$dir" "$W/port"
) >"$W/emu.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
  [[ -s $W/port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s $W/port ]]; then
  echo "gcs_emulator: the emulator did not start within 30 s:" >&2
  cat "$W/emu.log" >&2
  exit 1
fi
echo "gcs_emulator: firebase-tools $(jq -r .version "$dir/node_modules/firebase-tools/package.json") on port $(cat "$W/port")"
bash "$here/conformance.sh" --simple-only "http://127.0.0.1:$(cat "$W/port")"
rc=$?
kill -TERM "$pid"
wait "$pid"
pid=
exit $rc
