#!/usr/bin/env bash
# server.sh (ctest gcs_server) — tests the GCS test server (tests/tools/gcs_test_server.c):
# the full conformance script against it, every fault-injection instruction (what the client
# sees and what the bucket holds afterwards), the counters, concurrency and keep-alive, limits
# and malformed input, and — on a second server started with --auth — the token endpoint (JWTs
# signed here with openssl: good, expired, wrong audience, bad signature, ...), the refresh
# grant, the metadata server, token expiry and upload-session expiry. Servers listen on
# 127.0.0.1 on free ports and are stopped by their pids.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SERVER=${MLAC_BUILD:?MLAC_BUILD must point at the build folder}/gcs_test_server
[[ -x $SERVER ]] || { echo "gcs_server: $SERVER is not built" >&2; exit 1; }
W=$(mktemp -d /tmp/mlac-gcs-server-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
chk() { # name expected actual
  if [[ "$2" == "$3" ]]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}

# start NAME ARGS...: starts a server with fds above 2 closed (no inherited lock fds); sets
# the variable NAME to its URL and NAME_pid to its pid.
start() {
  local name=$1
  shift
  local pf="$W/$name.port"
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [[ $fd -gt 2 ]] && eval "exec $fd>&-"
    done
    exec "$SERVER" --port 0 --port-file "$pf" --log "$W/$name.log" "$@"
  ) 2>"$W/$name.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    [[ -s $pf ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s $pf ]] || { echo "gcs_server: $name did not start: $(cat "$W/$name.err")" >&2; exit 1; }
  printf -v "$name" 'http://127.0.0.1:%s' "$(cat "$pf")"
  printf -v "${name}_pid" '%s' "$pid"
}
# stop NAME: SIGTERM to its pid; it must exit 0 (sanitizer builds: no leak, no error) in 10 s.
stop() {
  local pid_var=${1}_pid
  local pid=${!pid_var}
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    bad "server $1 still running 10 s after SIGTERM"
    kill -KILL "$pid"
  fi
  wait "$pid"
  local rc=$?
  chk "server $1 exits 0 on SIGTERM" 0 $rc
  [[ $rc == 0 ]] || sed 's/^/    /' "$W/$1.err" | tail -40 >&2
}

req() { # METHOD URL [curl args] -> status; body $W/body, headers $W/hdr
  local m=$1 u=$2
  shift 2
  curl -s --max-time 30 -o "$W/body" -D "$W/hdr" -w '%{http_code}' -X "$m" "$@" "$u"
}
hdr() { # NAME: the first header NAME of the last response, without CR
  local line want=${1,,}
  while IFS= read -r line; do
    line=${line%$'\r'}
    if [[ ${line,,} == "$want:"* ]]; then
      line=${line#*:}
      printf '%s\n' "${line# }"
      return
    fi
  done <"$W/hdr"
}
js() { jq -r "$1" "$W/body" 2>/dev/null; }
enc() { # percent-encodes all but unreserved characters, byte by byte (pure bash: no process)
  local LC_ALL=C s=$1 o= c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
    [a-zA-Z0-9.~_-]) o+=$c ;;
    *) printf -v c '%%%02X' "'$c"; o+=$c ;;
    esac
  done
  printf '%s\n' "$o"
}
writes() { curl -s --max-time 10 "$S/_stats" | jq -r .writes; }
retry_test() { # URL JSON -> id
  curl -s --max-time 10 -X POST -H 'Content-Type: application/json' --data "$2" "$1/retry_test" | jq -r .id
}

start S
start C
B=bk

# --- the conformance script, full set, on a server of its own (global faults and counter
# resets below must not reach it), in the background while the fault tests run
bash "$here/conformance.sh" "$C" >"$W/conformance.out" 2>&1 &
conformance_pid=$!

# --- fault injection
head -c $((1 << 20)) /dev/urandom >"$W/mib"
req POST "$S/upload/storage/v1/b/$B/o?uploadType=media&name=f%2Fmib" --data-binary @"$W/mib" >/dev/null
O="$S/storage/v1/b/$B/o/$(enc f/mib)"
curl -s -X POST "$S/_stats/reset" >/dev/null

# return-NNN twice, then the real answer; only with the header; only for its operation
id=$(retry_test "$S" '{"instructions":{"storage.objects.get":["return-503","return-429"],"storage.objects.insert":["return-500"]}}')
[[ $id =~ ^[0-9a-f]+$ ]] && ok || bad "POST /retry_test gave id '$id'"
c=$(req GET "$O?alt=media")
chk "no x-retry-test-id: a non-global test does not apply" 200 "$c"
c=$(req GET "$S/storage/v1/b/$B/o" -H "x-retry-test-id: $id")
chk "another operation (list) is not faulted" 200 "$c"
c=$(req GET "$O?alt=media" -H "x-retry-test-id: $id")
chk "return-503 -> 503" 503 "$c"
chk "return-503: Google error JSON body" 503 "$(js .error.code)"
c=$(req GET "$O" -H "x-retry-test-id: $id")
chk "second instruction (metadata GET is storage.objects.get too): return-429 -> 429" 429 "$c"
curl -s "$S/retry_test/$id" >"$W/body"
chk "retry test not completed while insert has one left" "false 0 1" \
  "$(js '(.completed|tostring) + " " + (.instructions["storage.objects.get"]|length|tostring) + " " + (.instructions["storage.objects.insert"]|length|tostring)')"
c=$(req GET "$O?alt=media" -H "x-retry-test-id: $id")
cmp -s "$W/body" "$W/mib"
chk "instructions used up: the real download" "200 0" "$c $?"
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=media&name=f%2Fafter500" -H "x-retry-test-id: $id" --data-binary x)
chk "return-500 on insert -> 500" 500 "$c"
c=$(req GET "$S/storage/v1/b/$B/o/$(enc f/after500)")
chk "return-500 acts before the write: nothing stored" 404 "$c"
curl -s "$S/retry_test/$id" >"$W/body"
chk "retry test completed" true "$(js .completed)"
curl -s "$S/_stats" >"$W/body"
chk "counters count faulted requests (get 5, media_get 3, list 1, insert 1)" "5 3 1 1" \
  "$(js '[.requests["storage.objects.get"], .requests.media_get, .requests["storage.objects.list"], .requests["storage.objects.insert"]]|map(tostring)|join(" ")')"
c=$(req DELETE "$S/retry_test/$id")
chk "DELETE /retry_test/ID -> 200" 200 "$c"
c=$(req GET "$S/retry_test/$id")
chk "deleted retry test -> 404" 404 "$c"
c=$(req GET "$O" -H "x-retry-test-id: $id")
chk "a request naming an unknown retry test -> 404" 404 "$c"
c=$(req POST "$S/retry_test" --data '{"instructions":{"storage.objects.get":["return-banana"]}}')
chk "an unknown instruction -> 400" 400 "$c"
c=$(req POST "$S/retry_test" --data 'not json')
chk "a retry test that is not JSON -> 400" 400 "$c"

# return-401 once
id=$(retry_test "$S" '{"instructions":{"storage.objects.list":["return-401"]}}')
c=$(req GET "$S/storage/v1/b/$B/o" -H "x-retry-test-id: $id")
chk "return-401 -> 401 with WWW-Authenticate" "401 Bearer" "$c $(hdr www-authenticate | cut -d' ' -f1)"
c=$(req GET "$S/storage/v1/b/$B/o" -H "x-retry-test-id: $id")
chk "then 200" 200 "$c"

# return-reset-connection: no HTTP answer, nothing written, the retry succeeds
id=$(retry_test "$S" '{"instructions":{"storage.objects.insert":["return-reset-connection"]}}')
w0=$(writes)
curl -s --max-time 10 -o /dev/null -X POST -H "x-retry-test-id: $id" --data-binary reset-me \
  "$S/upload/storage/v1/b/$B/o?uploadType=media&name=f%2Freset"
rc=$?
[[ $rc == 52 || $rc == 56 ]] && ok || bad "return-reset-connection: curl exit $rc (want 52 or 56: no reply / reset)"
c=$(req GET "$S/storage/v1/b/$B/o/$(enc f/reset)")
chk "reset before the write: nothing stored" 404 "$c"
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=media&name=f%2Freset" -H "x-retry-test-id: $id" --data-binary reset-me)
chk "retried upload -> 200" 200 "$c"
chk "reset, then retry: the object written exactly once" $((w0 + 1)) "$(writes)"

# return-broken-stream-after-64K on a download: headers and exactly 64 KiB, then a reset
id=$(retry_test "$S" '{"instructions":{"storage.objects.get":["return-broken-stream-after-64K"]}}')
curl -s --max-time 10 -o "$W/part" -D "$W/hdr" -H "x-retry-test-id: $id" "$O?alt=media"
rc=$?
[[ $rc == 18 || $rc == 56 ]] && ok || bad "broken stream: curl exit $rc (want 18 partial file or 56 reset)"
chk "broken stream: the headers promised the whole object" $((1 << 20)) "$(hdr content-length)"
chk "broken stream: 64 KiB arrived" 65536 "$(stat -c %s "$W/part")"
head -c 65536 "$W/mib" | cmp -s - "$W/part"
chk "broken stream: the bytes that arrived are the object's first 64 KiB" 0 $?
curl -s --max-time 10 -o "$W/rest" -H 'Range: bytes=65536-' "$O?alt=media"
cat "$W/part" "$W/rest" | cmp -s - "$W/mib"
chk "resuming with Range from the break gives the object" 0 $?

# broken stream on a media upload: nothing stored
id=$(retry_test "$S" '{"instructions":{"storage.objects.insert":["return-broken-stream-after-256K"]}}')
curl -s --max-time 10 -o /dev/null -X POST -H "x-retry-test-id: $id" --data-binary @"$W/mib" \
  "$S/upload/storage/v1/b/$B/o?uploadType=media&name=f%2Fbroken-media"
rc=$?
[[ $rc != 0 ]] && ok || bad "broken upload stream: curl succeeded"
c=$(req GET "$S/storage/v1/b/$B/o/$(enc f/broken-media)")
chk "broken media upload: nothing stored" 404 "$c"

# broken stream on a resumable chunk: 256 KiB persisted of a 512 KiB chunk, resume, finalise
head -c $((512 * 1024 + 100)) "$W/mib" >"$W/res"
head -c $((512 * 1024)) "$W/res" >"$W/res.c1"
tail -c +$((256 * 1024 + 1)) "$W/res" >"$W/res.rest"
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=resumable&name=f%2Fres" --data '')
loc=$(hdr location)
w0=$(writes)
id=$(retry_test "$S" '{"instructions":{"storage.objects.insert":["return-broken-stream-after-256K"]}}')
curl -s --max-time 10 -o /dev/null -X PUT -H "x-retry-test-id: $id" -H 'Content-Range: bytes 0-524287/*' \
  --data-binary @"$W/res.c1" "$loc"
rc=$?
[[ $rc != 0 ]] && ok || bad "broken resumable chunk: curl succeeded"
c=$(req PUT "$loc" -H 'Content-Range: bytes */*')
chk "after the break the session holds 256 KiB" "308 bytes=0-262143" "$c $(hdr range)"
c=$(req PUT "$loc" -H "Content-Range: bytes 262144-$((512 * 1024 + 99))/$((512 * 1024 + 100))" --data-binary @"$W/res.rest")
chk "resumed from the persisted offset -> 200" 200 "$c"
c=$(req GET "$S/storage/v1/b/$B/o/$(enc f/res)?alt=media")
cmp -s "$W/body" "$W/res"
chk "resumed upload: bytes identical, nothing twice or lost" 0 $?
chk "broken chunk, then resume: one object written" $((w0 + 1)) "$(writes)"

# stall-for-1.5s: answered normally after the stall; a client timeout fires first
id=$(retry_test "$S" '{"instructions":{"storage.objects.get":["stall-for-1.5s","stall-for-1.5s"]}}')
t0=$(date +%s%N)
c=$(req GET "$O" -H "x-retry-test-id: $id")
ms=$((($(date +%s%N) - t0) / 1000000))
chk "stall-for-1.5s -> 200" 200 "$c"
[[ $ms -ge 1450 ]] && ok || bad "stall-for-1.5s answered after $ms ms"
curl -s --max-time 0.5 -o /dev/null -H "x-retry-test-id: $id" "$O"
chk "a 0.5 s client timeout fires during the stall (curl 28)" 28 $?

# expire-upload-session: 404 now and for the session from then on
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=resumable&name=f%2Fexpired" --data '')
loc=$(hdr location)
head -c 262144 "$W/mib" >"$W/q"
req PUT "$loc" -H 'Content-Range: bytes 0-262143/*' --data-binary @"$W/q" >/dev/null
id=$(retry_test "$S" '{"instructions":{"storage.objects.insert":["expire-upload-session"]}}')
c=$(req PUT "$loc" -H "x-retry-test-id: $id" -H 'Content-Range: bytes */*')
chk "expire-upload-session -> 404" 404 "$c"
c=$(req PUT "$loc" -H 'Content-Range: bytes */*')
chk "the expired session stays gone" 404 "$c"

# a global test applies without the header, to requests in order, then stops
id=$(retry_test "$S" '{"instructions":{"storage.objects.list":["return-503","return-reset-connection"]},"global":true}')
c=$(req GET "$S/storage/v1/b/$B/o")
chk "global return-503 applies without the header" 503 "$c"
curl -s --max-time 10 -o /dev/null "$S/storage/v1/b/$B/o"
rc=$?
[[ $rc == 52 || $rc == 56 ]] && ok || bad "global return-reset-connection: curl exit $rc"
c=$(req GET "$S/storage/v1/b/$B/o")
chk "global test used up -> 200" 200 "$c"
c=$(req GET "$S/retry_test/$id")
chk "global test completed" "true true" "$(js '(.completed|tostring) + " " + (.global|tostring)')"

# --- concurrency and keep-alive: 32 uploads at once, then 32 downloads on one connection
for i in $(seq 32); do
  printf 'url = "%s"\noutput = "/dev/null"\n' "$S/upload/storage/v1/b/$B/o?uploadType=media&name=par%2F$i"
done >"$W/par.cfg"
curl -s --no-progress-meter --max-time 60 --parallel --parallel-max 32 -X POST --data-binary @"$W/q" -K "$W/par.cfg" \
  -w '%{http_code}\n' >"$W/par.codes"
chk "32 parallel uploads -> 32 x 200" 32 "$(grep -c '^200$' "$W/par.codes")"
for i in $(seq 32); do
  printf 'url = "%s"\noutput = "/dev/null"\n' "$S/storage/v1/b/$B/o/par%2F$i?alt=media"
done >"$W/seq.cfg"
curl -s --max-time 60 -K "$W/seq.cfg" -w '%{http_code} %{num_connects} %{size_download}\n' >"$W/seq.out"
chk "32 downloads on one keep-alive connection" "32 1 $((32 * 262144))" \
  "$(awk '$1 == 200 { n++; c += $2; s += $3 } END { print n, c, s }' "$W/seq.out")"

# --- limits and malformed input
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=media&name=huge" -H 'Content-Length: 300000000' --data-binary x)
chk "a body declared over 256 MiB -> 413" 413 "$c"
printf 'GARBAGE\r\n\r\n' >"$W/garbage"
curl -s --max-time 5 -o /dev/null "telnet://127.0.0.1:${S##*:}" <"$W/garbage"
printf 'GET /storage/v1/b/%s/o HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n' "$B" >"$W/badcl"
curl -s --max-time 5 -o /dev/null "telnet://127.0.0.1:${S##*:}" <"$W/badcl"
long=$(head -c 20000 /dev/zero | tr '\0' a)
c=$(req GET "$S/storage/v1/b/$B/o/$long")
[[ $c == 414 || $c == 400 || $c == 404 ]] && ok || bad "a 20 kB object name in the path -> $c"
c=$(req POST "$S/storage/v1/b/$B/o/x/compose" --data '{"sourceObjects":"nope"}')
chk "compose with a malformed body -> 400" 400 "$c"

# a corpus of malformed requests, all in one curl run (-K, "next" between requests): each must
# get a 4xx answer (never a 5xx, a reset or a hang) and the server must keep serving
n=0
bad_req() { # METHOD PATH [HEADER|-] [BODY]: one request of the corpus (BODY goes through a file)
  n=$((n + 1))
  {
    [[ $n -gt 1 ]] && echo next
    printf 'url = "%s%s"\nrequest = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %s\\n"\n' "$S" "$2" "$1" "$n"
    [[ ${3:--} != - ]] && printf 'header = "%s"\n' "$3"
    if [[ $# -ge 4 ]]; then
      printf '%s' "$4" >"$W/corpus.$n"
      printf 'data-binary = "@%s"\n' "$W/corpus.$n"
    fi
  } >>"$W/corpus.cfg"
}
c=$(req POST "$S/upload/storage/v1/b/$B/o?uploadType=resumable&name=corpus" --data '')
sess=$(hdr location)
sess=/${sess#http://*/}
for cr in "bytes" "bytes x-y/*" "bytes 5-2/*" "bytes -1-5/*" "bytes 0-99999999999999999999/*" \
  "bytes 0-0/abc" "bytes */-1" "bites 0-0/1" "bytes 0-/5" "bytes 0-0/5" "bytes 1-1/*"; do
  bad_req PUT "$sess" "Content-Range: $cr" x
done
bad_req PUT "$sess" "Content-Range: bytes */*" "a body on a status query"
for q in "%" "%zz" "name=%00" "$(printf 'a%d=1&' $(seq 70))"; do
  bad_req GET "/storage/v1/b/$B/o?$q"
done
long=$(head -c 1025 /dev/zero | tr '\0' n)
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=media&name=$long" - x
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=media&name=a%0Ab" - x
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=media&name=" - x
for ct in "multipart/related" "multipart/related; boundary=$(head -c 300 /dev/zero | tr '\0' b)" \
  "multipart/related; boundary=\\\"\\\""; do
  bad_req POST "/upload/storage/v1/b/$B/o?uploadType=multipart" "Content-Type: $ct" '--x'
done
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=multipart" "Content-Type: multipart/related; boundary=x" \
  $'--x\r\nContent-Type: application/json\r\n\r\n{"name":"one-part-only"}\r\n--x--\r\n'
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=multipart" "Content-Type: multipart/related; boundary=x" \
  $'--x\r\nno header end'
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=multipart" "Content-Type: multipart/related; boundary=x" \
  $'--x\r\n\r\n[1,2]\r\n--x\r\n\r\nbytes\r\n--x--'
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=resumable" "Content-Type: application/json" '{"name":7}'
bad_req POST "/upload/storage/v1/b/$B/o?uploadType=resumable&name=x" "Content-Type: application/json" '{not json'
for body in '{"instructions":[]}' '{"instructions":{"storage.objects.get":"return-503"}}' \
  '{"instructions":{"storage.objects.get":[503]}}' '{"instructions":{},"global":"yes"}' \
  '{"instructions":{"storage.objects.get":["stall-for-9999s"]}}' \
  '{"instructions":{"storage.objects.get":["return-broken-stream-after-K"]}}' \
  '{"instructions":{"storage.objects.get":["return-99"]}}' '[]'; do
  bad_req POST /retry_test "Content-Type: application/json" "$body"
done
for body in '{"sourceObjects":"nope"}' '{"sourceObjects":[{"name":7}]}' '{"sourceObjects":[]}' \
  '{"sourceObjects":[{"name":"a","generation":"abc"}]}' 'null'; do
  bad_req POST "/storage/v1/b/$B/o/dst/compose" "Content-Type: application/json" "$body"
done
bad_req PATCH "/storage/v1/b/$B/o/$(enc f/mib)" "Content-Type: application/json" '[1]'
bad_req POST "/storage/v1/b?project=p" "Content-Type: application/json" '{"nom":"x"}'
bad_req GET "/storage/v1/b/$B/o/$(enc f/mib)?generation=abc"
bad_req DELETE "/storage/v1/b/$B/o/$(enc f/mib)?ifGenerationMatch=-1"
bad_req GET "/storage/v1/b/$B/o/$(enc f/mib)?alt=media&ifMetagenerationMatch=1x"
bad_req PUT "/storage/v1/b/$B/o"
bad_req POST /token "Content-Type: application/x-www-form-urlencoded" "grant_type=%zz"
for a in "a.b.c" "..." "$(head -c 20000 /dev/zero | tr '\0' a).b.c" \
  "$(printf '{"alg":"none"}' | base64 -w0 | tr '+/' '-_' | tr -d '=').e30." "!!!.###.$$$"; do
  bad_req POST /token "Content-Type: application/x-www-form-urlencoded" \
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=$a"
done
curl -s --max-time 60 -K "$W/corpus.cfg" >"$W/corpus.out"
chk "malformed corpus: every request answered" "$n" "$(wc -l <"$W/corpus.out")"
not4xx=$(awk '$1 !~ /^4[0-9][0-9]$/' "$W/corpus.out" | tr '\n' ' ')
chk "malformed corpus: every answer a 4xx (status request-number)" "" "$not4xx"
c=$(req PUT "$S$sess" -H 'Content-Range: bytes */*')
chk "the session survived the bad chunks, nothing persisted" "308 " "$c $(hdr range)"
c=$(req GET "$S/_stats")
chk "still serving after malformed requests" 200 "$c"
[[ -s $W/S.log ]] && jq -e 'has("method") and has("path") and has("status") and has("bytes")' \
  <(tail -1 "$W/S.log") >/dev/null && ok || bad "the --log file has JSON lines with method/path/status/bytes"
stop S
if wait "$conformance_pid"; then
  ok
  echo "conformance: $(tail -1 "$W/conformance.out")"
else
  bad "conformance.sh against gcs_test_server:"
  grep -v '^PASS' "$W/conformance.out" >&2
fi
stop C

# --- auth: a test key, JWTs signed here, tokens that expire, sessions that expire
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/key.pem" 2>/dev/null
openssl pkey -in "$W/key.pem" -pubout -out "$W/pub.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/other.pem" 2>/dev/null
start A --auth --jwt-pubkey "$W/pub.pem" --token-lifetime 3 --session-ttl 1
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
jwt() { # KEY CLAIMS-JSON -> a signed JWT
  local h p s
  h=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  p=$(printf '%s' "$2" | b64url)
  s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$1" -binary | b64url)
  printf '%s.%s.%s' "$h" "$p" "$s"
}
claims() { # IAT EXP AUD [SCOPE]
  jq -cn --argjson iat "$1" --argjson exp "$2" --arg aud "$3" \
    --arg scope "${4:-https://www.googleapis.com/auth/devstorage.read_write}" \
    '{iss:"sa@mlac-test.iam.gserviceaccount.com",scope:$scope,aud:$aud,iat:$iat,exp:$exp}'
}
grant() { # ASSERTION -> status
  req POST "$A/token" --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
    --data-urlencode "assertion=$1"
}
now=$(date +%s)
L="$A/storage/v1/b/$B/o"
c=$(req GET "$L")
chk "no Authorization -> 401 with WWW-Authenticate: Bearer" "401 Bearer" "$c $(hdr www-authenticate | cut -d' ' -f1)"
c=$(req GET "$L" -H 'Authorization: Bearer not-a-token')
chk "a token the server never issued -> 401" 401 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims "$now" $((now + 3600)) "$A/token")")")
issued_ms=$(($(date +%s%N) / 1000000))
chk "a good JWT -> 200 Bearer token" "200 Bearer 3" "$c $(js .token_type) $(js .expires_in)"
tok=$(js .access_token)
c=$(req GET "$L" -H "Authorization: Bearer $tok")
chk "the issued token opens the bucket" 200 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims $((now - 7200)) $((now - 3600)) "$A/token")")")
chk "an expired JWT -> 400 invalid_grant" "400 invalid_grant" "$c $(js .error)"
c=$(grant "$(jwt "$W/key.pem" "$(claims "$now" $((now + 3600)) "https://oauth2.googleapis.com/token")")")
chk "a JWT for another audience -> 400 invalid_grant" "400 invalid_grant" "$c $(js .error)"
c=$(grant "$(jwt "$W/other.pem" "$(claims "$now" $((now + 3600)) "$A/token")")")
chk "a JWT signed by another key -> 400 invalid_grant" "400 invalid_grant" "$c $(js .error)"
good=$(jwt "$W/key.pem" "$(claims "$now" $((now + 3600)) "$A/token")")
# one character in the middle of the signature changed (the last one may only carry padding bits)
sig=${good##*.}
mid=$(( ${#sig} / 2 ))
ch=${sig:$mid:1}
[ "$ch" = A ] && rep=B || rep=A
c=$(grant "${good%.*}.${sig:0:$mid}$rep${sig:$((mid + 1))}")
chk "a JWT with a tampered signature -> 400" 400 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims "$now" $((now + 7200)) "$A/token")")")
chk "a JWT living longer than 3600 s -> 400" 400 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims $((now + 600)) $((now + 1200)) "$A/token")")")
chk "a JWT issued in the future -> 400" 400 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims "$now" $((now + 3600)) "$A/token" "https://www.googleapis.com/auth/userinfo.email")")")
chk "a JWT without a storage scope -> 400" 400 "$c"
c=$(grant "$(jwt "$W/key.pem" "$(claims "$now" $((now + 3600)) "$A/token" "openid https://www.googleapis.com/auth/cloud-platform")")")
chk "cloud-platform among several scopes -> 200" 200 "$c"
c=$(grant "not.a.jwt")
chk "garbage assertion -> 400" 400 "$c"
c=$(req POST "$A/token" --data 'grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=test-refresh-token')
chk "refresh-token grant -> 200" "200 Bearer" "$c $(js .token_type)"
c=$(req POST "$A/token" --data 'grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=wrong')
chk "a wrong refresh token -> 400 invalid_grant" "400 invalid_grant" "$c $(js .error)"
c=$(req POST "$A/token" --data 'grant_type=password')
chk "an unsupported grant -> 400" "400 unsupported_grant_type" "$c $(js .error)"

c=$(req GET "$A/")
chk "metadata probe GET / -> 200 with Metadata-Flavor: Google" "200 Google" "$c $(hdr metadata-flavor)"
MD="$A/computeMetadata/v1"
c=$(req GET "$MD/instance/service-accounts/default/token")
chk "metadata token without Metadata-Flavor -> 403" 403 "$c"
c=$(req GET "$MD/instance/service-accounts/default/token" -H 'Metadata-Flavor: Google')
chk "metadata token -> 200" "200 Bearer" "$c $(js .token_type)"
mtok=$(js .access_token)
c=$(req GET "$MD/project/project-id" -H 'Metadata-Flavor: Google')
chk "metadata project-id" "200 mlac-test-project" "$c $(cat "$W/body")"
c=$(req POST "$A/upload/storage/v1/b/$B/o?uploadType=resumable&name=ttl" -H "Authorization: Bearer $mtok" --data '')
session_ms=$(($(date +%s%N) / 1000000))
chk "the metadata token opens the bucket (resumable start)" 200 "$c"
loc=$(hdr location)
curl -s "$A/_stats" >"$W/body"
chk "counters: token_requests 13, metadata_requests 4" "13 4" "$(js '"\(.token_requests) \(.metadata_requests)"')"
until_ms=$((issued_ms + 3300 > session_ms + 1300 ? issued_ms + 3300 : session_ms + 1300))
left_ms=$((until_ms - $(date +%s%N) / 1000000))
[[ $left_ms -gt 0 ]] && sleep "$(printf '%d.%03d' $((left_ms / 1000)) $((left_ms % 1000)))"
c=$(req GET "$L" -H "Authorization: Bearer $tok")
chk "the token expired after --token-lifetime 3 -> 401" 401 "$c"
c=$(req GET "$MD/instance/service-accounts/default/token" -H 'Metadata-Flavor: Google')
fresh=$(js .access_token)
c=$(req PUT "$loc" -H "Authorization: Bearer $fresh" -H 'Content-Range: bytes */*')
chk "the upload session expired after --session-ttl 1 -> 404" 404 "$c"
stop A

c=$("$SERVER" --port 0 --port-file "$W/x" --jwt-pubkey "$W/nonexistent.pem" 2>&1)
chk "a missing --jwt-pubkey is refused, naming the file" 1 "$(grep -c nonexistent.pem <<<"$c")"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
