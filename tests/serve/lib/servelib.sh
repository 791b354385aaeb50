# servelib.sh — helpers for the service tests (sourced after tests/cli/lib/testlib.sh).
# start_server NAME ARGS...: starts `mlac serve` on a free loopback port with state in
#   $TMP/NAME.state, results in $TMP/results; sets URL and SERVER_PID. stop_server kills that pid.
# api METHOD PATH [BODY]: curl with the token; prints the body, then the status on its own line.
export MLAC_API_TOKEN=test-token-$$
export MLAC_LOG_FORMAT=json
SERVER_PID=
start_server() {
  local name=$1
  shift
  rm -f "$TMP/$name.port"
  "$MLAC" serve --listen 127.0.0.1:0 --port-file "$TMP/$name.port" --state "$TMP/$name.state" \
    --data-roots "$TMP/data" --results "$TMP/results" --access-log "$TMP/$name.access.log" "$@" \
    >>"$TMP/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    [ -s "$TMP/$name.port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  URL=http://127.0.0.1:$(cat "$TMP/$name.port" 2>/dev/null)
  export MLAC_SERVER=$URL
}
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
trap 'stop_server; rm -rf "$TMP"' EXIT
api() {
  local method=$1 path=$2
  shift 2
  if [ $# -gt 0 ]; then
    curl -s --path-as-is -m 30 -X "$method" -H "Authorization: Bearer $MLAC_API_TOKEN" \
      -H 'Content-Type: application/json' --data-binary "$1" -w '\n%{http_code}\n' "$URL$path"
  else
    curl -s --path-as-is -m 30 -X "$method" -H "Authorization: Bearer $MLAC_API_TOKEN" -w '\n%{http_code}\n' "$URL$path"
  fi
}
# status_of METHOD PATH [BODY]: only the HTTP status.
status_of() { api "$@" | tail -1; }
# json_field FILTER: reads JSON on stdin and prints a jq filter's raw value (jq is in install-deps).
json_field() { jq -r "$1" 2>/dev/null; }
