#!/usr/bin/env bash
# Hostile requests get the right status and the service keeps serving: no or wrong token,
# oversized (declared and chunked) and malformed bodies, deeply nested JSON, unknown fields and
# bad values, ids and report paths with ../ (plain and percent-encoded), specs outside the
# allowed roots (also through a symlink), embedder commands, wrong methods, slow clients cut off
# by the connection timeout, clients disconnecting mid-stream; CORS only with --cors; public
# reads only with --public-read; TLS with --tls-cert/--tls-key.
set -u
. "$(dirname "$0")/../cli/lib/testlib.sh"
. "$(dirname "$0")/lib/servelib.sh"

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 10 --seconds 1 --seed 3
mkdir -p "$TMP/outside/coyote" "$TMP/results"
ln -s "$TMP/outside" "$TMP/data/link"
start_server s --workers 1 --conn-timeout 2
code() { curl -s -o "$TMP/body" -w '%{http_code}' --path-as-is -m 20 "$@"; }
auth=(-H "Authorization: Bearer $MLAC_API_TOKEN")
post() { code "${auth[@]}" -H 'Content-Type: application/json' --data-binary "$1" "$URL/v1/experiments"; }
body_has() { grep -q -- "$1" "$TMP/body"; }
ok_spec='{"models":"svm","species":"coyote","training_sizes":5,"cv_folds":3,"scheduled_at":"2099-01-01T00:00:00Z"'

check "no token: 401" test "$(code "$URL/v1/experiments")" = 401
check "no token on a write: 401" test "$(code -d "$ok_spec}" "$URL/v1/experiments")" = 401
check "wrong token: 401" test "$(code -H 'Authorization: Bearer nope' "$URL/v1/experiments")" = 401
check "token plus a byte: 401" test "$(code -H "Authorization: Bearer ${MLAC_API_TOKEN}x" "$URL/v1/experiments")" = 401
check "token prefix: 401" test "$(code -H "Authorization: Bearer ${MLAC_API_TOKEN%?}" "$URL/v1/experiments")" = 401
check "basic auth is not a bearer token: 401" test "$(code -u "x:$MLAC_API_TOKEN" "$URL/v1/experiments")" = 401
check "healthz needs no token" test "$(code "$URL/healthz")" = 200
check "no CORS headers without --cors" bash -c "! curl -s -D - -o /dev/null -H 'Origin: http://evil' '$URL/healthz' | grep -qi access-control"

head -c 2000000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
check "oversized body: 413" test "$(code "${auth[@]}" --data-binary @"$TMP/big.json" "$URL/v1/experiments")" = 413
check "oversized chunked body: 413" test "$(code "${auth[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big.json" "$URL/v1/experiments")" = 413
check "malformed JSON: 400" test "$(post '{"models": [')" = 400
check "... naming the position" body_has "line 1 column"
check "not an object: 400" test "$(post '[1,2]')" = 400
printf '%0.s[' $(seq 5000) >"$TMP/deep.json"
check "deeply nested JSON: 400" test "$(code "${auth[@]}" --data-binary @"$TMP/deep.json" "$URL/v1/experiments")" = 400
check "... saying so" body_has "nested deeper"
check "duplicate keys: 400" test "$(post '{"models":"svm","models":"svm"}')" = 400
check "unknown field: 422" test "$(post "$ok_spec,\"colour\":\"red\"}")" = 422
check "... naming it" body_has "unknown field 'colour'"
check "server-only key: 422" test "$(post "$ok_spec,\"log_level\":\"debug\"}")" = 422
check "bad value: 422 naming the field" test "$(post '{"models":"svm","species":"coyote","cv_folds":"many"}')" = 422
check "... cv_folds" body_has "cv_folds"
check "unknown model: 422" test "$(post '{"models":"nope","species":"coyote","cv_folds":3}')" = 422
check "... naming models" body_has "models: unknown model 'nope'"
check "model_options not an object: 422" test "$(post '{"models":"svm","species":"coyote","cv_folds":3,"model_options":5}')" = 422
check "bad scheduled_at: 422" test "$(post '{"models":"svm","species":"coyote","scheduled_at":"tomorrow"}')" = 422
check "bad submission id: 422" test "$(post '{"models":"svm","species":"coyote","submission_id":"../x"}')" = 422
check "data outside the roots: 403" test "$(post "{\"models\":\"svm\",\"species\":\"coyote\",\"data\":\"/etc\"}")" = 403
check "... naming the path" body_has "data: '/etc' is outside the allowed data roots"
check "data via ..: 403" test "$(post "{\"models\":\"svm\",\"species\":\"coyote\",\"data\":\"$TMP/data/../outside\"}")" = 403
check "data via a symlink out of the root: 403" test "$(post "{\"models\":\"svm\",\"species\":\"coyote\",\"data\":\"$TMP/data/link\"}")" = 403
check "results outside --results: 403" test "$(post "{\"models\":\"svm\",\"species\":\"coyote\",\"output_dir\":\"$TMP/outside\"}")" = 403
check "... naming the path" body_has "output_dir: '$TMP/outside' is outside the allowed results root"
check "cache outside: 403" test "$(post "{\"models\":\"svm\",\"species\":\"coyote\",\"cache_dir\":\"/tmp\"}")" = 403
check "embedder command: 403" test "$(post '{"models":"birdnet","species":"coyote","embedder_birdnet":"rm -rf /"}')" = 403
check "nothing was queued by the bad requests" test "$(sqlite3 "$TMP/s.state/queue.sqlite" 'select count(*) from experiments')" = 0
check "a good spec is still accepted: 201" test "$(post "$ok_spec,\"submission_id\":\"good\"}")" = 201
id=$(jq -r .id "$TMP/body")

check "id with ../: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/../../etc/passwd")" = 400
check "percent-encoded ..: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/%2e%2e")" = 400
check "overlong id: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/$(printf 'a%.0s' $(seq 300))")" = 400
check "unknown id: 404" test "$(code "${auth[@]}" "$URL/v1/experiments/exp-00000000000000000000")" = 404
check "report path with ..: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/$id/report/../spec.json")" = 400
check "report path hidden file: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/$id/report/.lock")" = 400
check "tasks?after=-1: 400" test "$(code "${auth[@]}" "$URL/v1/experiments/$id/tasks?after=-1")" = 400
check "list with a bad state: 400" test "$(code "${auth[@]}" "$URL/v1/experiments?state=weird")" = 400
check "DELETE: 405" test "$(code "${auth[@]}" -X DELETE "$URL/v1/experiments/$id")" = 405
check "unknown endpoint: 404" test "$(code "${auth[@]}" "$URL/admin")" = 404

# slow clients: a half-sent request is cut off by --conn-timeout 2, and 20 of them block nothing
fds() { curl -s "${auth[@]}" "$URL/metrics" | sed -n 's/^process_open_fds //p'; }
fds0=$(fds)
slow() { exec {fd}<>"/dev/tcp/127.0.0.1/${URL##*:}"; printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&$fd; timeout 8 cat <&$fd >/dev/null; }
start=$(date +%s)
check "a slow client is disconnected by the timeout" slow
check "... within 6 s" test $(($(date +%s) - start)) -le 6
spids=()
for _ in $(seq 20); do (exec 3<>"/dev/tcp/127.0.0.1/${URL##*:}"; printf 'POST /v1/experiments HTTP/1.1\r\n' >&3; sleep 5) & spids+=($!); done
sleep 0.5
check "20 slow clients do not block a request" curl -sf -m 2 "$URL/healthz"
kill "${spids[@]}" 2>/dev/null; wait "${spids[@]}" 2>/dev/null

# a client that goes away mid-stream: its connection (and thread) is released
curl -s -N -m 1 "${auth[@]}" "$URL/v1/experiments/$id/events" >"$TMP/sse.txt"
check "the stream had sent the first event" grep -q '^event: progress' "$TMP/sse.txt"
for _ in $(seq 50); do [ "$(fds)" -le "$((fds0 + 1))" ] && break; sleep 0.2; done
check "descriptors back to the baseline after the disconnects ($fds0 -> $(fds))" test "$(fds)" -le "$((fds0 + 1))"
check "still serving" test "$(code "${auth[@]}" "$URL/v1/experiments/$id")" = 200
check "still ready" curl -sf "$URL/readyz"
check "the server is still the same process" kill -0 "$SERVER_PID"
mv "$TMP/results" "$TMP/results.away"
check "readyz: 503 when the results store is gone" test "$(code "$URL/readyz")" = 503
check "... saying which check failed" grep -q '"results_store":"not reachable"' "$TMP/body"
mv "$TMP/results.away" "$TMP/results"
check "readyz: 200 again once it is back" test "$(code "$URL/readyz")" = 200
stop_server

# --public-read and --cors
start_server p --public-read --cors https://lab.example
check "public read: GET without a token" test "$(code "$URL/v1/experiments")" = 200
check "public read: writes still need it" test "$(code -d "$ok_spec}" "$URL/v1/experiments")" = 401
check "CORS header with --cors" bash -c "curl -s -D - -o /dev/null '$URL/healthz' | grep -qi '^access-control-allow-origin: https://lab.example'"
check "CORS preflight: 204" test "$(code -X OPTIONS -H 'Origin: https://lab.example' -H 'Access-Control-Request-Method: POST' "$URL/v1/experiments")" = 204
stop_server

# TLS
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
     -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
  start_server t --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
  tls=https://127.0.0.1:${URL##*:}
  check "TLS: healthz over https" curl -sf --cacert "$TMP/cert.pem" "$tls/healthz"
  check "TLS: the client verbs with MLAC_CA_CERT" env MLAC_CA_CERT="$TMP/cert.pem" "$MLAC" status --server "$tls"
  check "TLS: plain http is refused" bash -c "! curl -sf -m 5 'http://127.0.0.1:${URL##*:}/healthz'"
  stop_server
else
  failed=$((failed + 1)); echo "FAIL: openssl could not make a test certificate" >&2
fi
finish
