#!/usr/bin/env bash
# The client verbs' exit codes (docs/EXIT_CODES.md): a bad command line is 64 for submit, status,
# wait and cancel alike; an unknown id 66; a wrong token 77; no service 75. And the service on
# IPv6: --listen [::1]:0 serves /healthz and the API to curl and to the client verbs, and logs
# the remote address; [::]:0 takes IPv6 and IPv4 (when the machine has ::1 on loopback).
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"

code_of() { "$@" >/dev/null 2>&1; echo $?; }

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 10 --seconds 1 --seed 7
start_server s --workers 1 --threads 1
check "server answers /healthz" curl -sf "$URL/healthz"

for verb in submit status wait cancel; do
  check "$verb: unknown option is 64" test "$(code_of "$MLAC" "$verb" --no-such-option)" = 64
  check "$verb: --help is 0" test "$(code_of "$MLAC" "$verb" --help)" = 0
done
check "status: two ids is 64" test "$(code_of "$MLAC" status a b)" = 64
check "status: a bad --state is 64" test "$(code_of "$MLAC" status --state nope)" = 64
check "status: an id with '/' is 64" test "$(code_of "$MLAC" status ../x)" = 64
check "wait: no id is 64" test "$(code_of "$MLAC" wait)" = 64
check "wait: bad --interval is 64" test "$(code_of "$MLAC" wait exp-1 --interval 0)" = 64
check "wait: an id with '?' is 64" test "$(code_of "$MLAC" wait 'a?b')" = 64
check "cancel: no id is 64" test "$(code_of "$MLAC" cancel)" = 64
check "cancel: two ids is 64" test "$(code_of "$MLAC" cancel a b)" = 64
check "submit: two spec files is 64" test "$(code_of "$MLAC" submit a.json b.json)" = 64
check "submit: a missing spec file is 66" test "$(code_of "$MLAC" submit "$TMP/none.json")" = 66
echo '[1' >"$TMP/bad.json"
check "submit: a malformed spec file is 65" test "$(code_of "$MLAC" submit "$TMP/bad.json")" = 65
check "status: unknown id is 66" test "$(code_of "$MLAC" status exp-00000000000000000000)" = 66
check "wait: unknown id is 66" test "$(code_of "$MLAC" wait exp-00000000000000000000)" = 66
check "cancel: unknown id is 66" test "$(code_of "$MLAC" cancel exp-00000000000000000000)" = 66
check "submit: an invalid spec is 78" test "$(code_of "$MLAC" submit --models nope --species coyote)" = 78
check "status: a wrong token is 77" test "$(MLAC_API_TOKEN=wrong code_of "$MLAC" status)" = 77
check "status: no service is 75" test "$(MLAC_SERVER=http://127.0.0.1:1 code_of "$MLAC" status)" = 75
check "status lists with a good token" "$MLAC" status
stop_server

if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
  rm -f "$TMP/v6.port"
  "$MLAC" serve --listen '[::1]:0' --port-file "$TMP/v6.port" --state "$TMP/v6.state" --data-roots "$TMP/data" \
    --results "$TMP/results" --access-log "$TMP/v6.access.log" >>"$TMP/v6.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$TMP/v6.port" ] && break; sleep 0.1; done
  port=$(cat "$TMP/v6.port" 2>/dev/null)
  check "IPv6: /healthz on [::1]" curl -gsf "http://[::1]:$port/healthz"
  check "IPv6: the log names the bracketed address" grep -q "listening on http://\[::1\]:$port" "$TMP/v6.log"
  id=$(MLAC_SERVER="http://[::1]:$port" "$MLAC" submit --models svm --species coyote --training-sizes 5 \
       --cv-folds 2 2>/dev/null)
  check "IPv6: submit and wait through the client verbs" env MLAC_SERVER="http://[::1]:$port" "$MLAC" wait "$id" \
    --timeout 120 --interval 0.2
  check "IPv6: the access log has the remote ::1" grep -q '"remote":"::1"' "$TMP/v6.access.log"
  check "IPv6 only: not on 127.0.0.1" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 000
  stop_server
  rm -f "$TMP/any.port"
  "$MLAC" serve --listen '[::]:0' --port-file "$TMP/any.port" --state "$TMP/any.state" --data-roots "$TMP/data" \
    --results "$TMP/results" >>"$TMP/any.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$TMP/any.port" ] && break; sleep 0.1; done
  port=$(cat "$TMP/any.port" 2>/dev/null)
  check "[::]: /healthz on ::1" curl -gsf "http://[::1]:$port/healthz"
  check "[::]: /healthz on 127.0.0.1 too" curl -sf "http://127.0.0.1:$port/healthz"
  stop_server
else
  echo "SKIP: no ::1 on loopback, the IPv6 checks did not run"
fi
expect_fail "--listen: a bare IPv6 address needs brackets" "expected HOST:PORT" "$MLAC" serve --listen ::1:8080 \
  --state "$TMP/x.state" --data-roots "$TMP/data" --results "$TMP/results"
check "--listen: a bad address is 64" test "$(code_of "$MLAC" serve --listen "[::1" --state "$TMP/x.state" \
  --data-roots "$TMP/data" --results "$TMP/results")" = 64
finish
