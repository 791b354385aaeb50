# testlib.sh — helpers for the shell end-to-end tests (sourced, not a test itself).
# check DESC CMD...: runs CMD, counts a pass or a failure; finish prints "N passed, N failed".
passed=0
failed=0
MLAC=${MLAC_BIN:?MLAC_BIN must point at the mlac binary}
TMP=$(mktemp -d /tmp/mlac-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export XDG_CACHE_HOME="$TMP/xdg-cache" # the default feature cache: never the user's ~/.cache/mlac

check() {
  local desc=$1
  shift
  if "$@" >"$TMP/last.out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $desc" >&2
    sed 's/^/    /' "$TMP/last.out" | tail -20 >&2
  fi
}

# expect_fail DESC PATTERN CMD...: CMD must fail and print PATTERN (a grep -E regex).
expect_fail() {
  local desc=$1 pattern=$2
  shift 2
  if "$@" >"$TMP/last.out" 2>&1; then
    failed=$((failed + 1))
    echo "FAIL: $desc (succeeded but should have failed)" >&2
  elif grep -Eq -- "$pattern" "$TMP/last.out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $desc: output does not match '$pattern':" >&2
    sed 's/^/    /' "$TMP/last.out" | tail -10 >&2
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# metrics_by_task LEDGER: "task_id metrics" lines, sorted — what must not change between runs.
metrics_by_task() {
  sed -E 's/.*("metrics":\{[^}]*\}).*("task_id":"[^"]*").*/\2 \1/' "$1" | sort
}
