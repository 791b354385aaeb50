#!/usr/bin/env bash
# emulator.sh (ctest gcs_emulator) — runs conformance.sh --simple-only against Google's
# Firebase Storage emulator (tests/gcs/emulator_launch.js), the check that our gcs_test_server
# behaves as Google's own code does wherever the emulator implements a behaviour. Runs only
# when the emulator is installed (scripts/install-gcs-emulator.sh, or MLAC_TEST_EMULATOR=1
# scripts/test.sh); otherwise it says so and exits 77, which CTest reports as skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/emulator.sh"
if ! emulator_installed; then
  echo "gcs_emulator: skipped: emulator not installed (the Firebase Storage emulator is not in $EMULATOR_DIR)"
  echo "gcs_emulator: install it with scripts/install-gcs-emulator.sh (first time ~3.5 min, 312 MB)"
  exit 77
fi
W=$(mktemp -d /tmp/mlac-gcs-emu-XXXXXX)
trap 'emulator_stop; rm -rf "$W"' EXIT
emulator_start "$W" || exit 1
echo "gcs_emulator: firebase-tools $(jq -r .version "$EMULATOR_DIR/node_modules/firebase-tools/package.json") on port $EMULATOR_PORT"
bash "$here/conformance.sh" --simple-only "http://127.0.0.1:$EMULATOR_PORT"
rc=$?
emulator_stop
exit $rc
