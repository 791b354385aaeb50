# emulator.sh — sourced by tests that need Google's Firebase Storage emulator (not a test itself).
# emulator_installed: true when scripts/install-gcs-emulator.sh has put it in $EMULATOR_DIR.
# emulator_start WORKDIR: starts tests/gcs/emulator_launch.js (its log in WORKDIR/emu.log) and
#   sets EMULATOR_PID and EMULATOR_PORT; returns 1 (the log on stderr) if it is not up in 30 s.
# emulator_stop: SIGTERM and wait.
EMULATOR_DIR=${MLAC_GCS_EMULATOR_DIR:-/var/cache/mlac/firebase-tools}
EMULATOR_PID=
EMULATOR_PORT=
_emulator_here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

emulator_installed() {
  [[ -f $EMULATOR_DIR/node_modules/firebase-tools/package.json ]] && command -v node >/dev/null
}

emulator_start() {
  local w=$1
  # fds above 2 closed so the emulator holds no lock or pipe of whoever started the test
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [[ $fd -gt 2 ]] && eval "exec $fd>&-"
    done
    exec node "$_emulator_here/emulator_launch.js" "$EMULATOR_DIR" "$w/emu.port"
  ) >"$w/emu.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 300); do
    [[ -s $w/emu.port ]] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s $w/emu.port ]]; then
    echo "the Firebase Storage emulator did not start within 30 s:" >&2
    cat "$w/emu.log" >&2
    return 1
  fi
  EMULATOR_PORT=$(cat "$w/emu.port")
}

emulator_stop() {
  if [[ -n $EMULATOR_PID ]]; then
    kill -TERM "$EMULATOR_PID" 2>/dev/null
    wait "$EMULATOR_PID" 2>/dev/null
    EMULATOR_PID=
  fi
}
