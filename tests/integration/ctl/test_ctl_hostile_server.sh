#!/usr/bin/env bash
# bedrock-tenantctl against a stand-in control socket that answers what a daemon never
# would (a proxy's page, another program's socket, a garbled answer): it keeps the
# request path it was given, and never prints a success it did not get. The stand-in
# logs each request line and answers every request with the answer of the current
# scenario (a file of raw HTTP bytes, or "hang": accept and never answer).
set -euo pipefail
: "${BTD_BUILD:?the build directory}"
CTL=$BTD_BUILD/daemon/ctl/bedrock-tenantctl
WORK=$(mktemp -d /tmp/btd-ctl-hostile-XXXXXX)
S=$WORK/control.sock
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

cat >"$WORK/server.py" <<'PY'
import os, socket, sys, threading, time
path, answer, log = sys.argv[1], sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(64)
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        b = c.recv(65536)
        if not b:
            break
        data += b
    with open(log, "ab") as f:
        f.write(data.split(b"\r\n", 1)[0] + b"\n")
    a = open(answer, "rb").read()
    if a == b"hang":
        time.sleep(3600)
    try:
        c.sendall(a)
    except OSError:
        pass  # the client stopped reading (an answer over its cap)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
# answer STATUS BODY: the scenario's answer (the body printf-escaped)
answer() {
	local body
	body=$(printf "$2")
	printf 'HTTP/1.1 %s X\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$1" "${#body}" "$body" >"$WORK/answer"
}
answer 202 '{}'
: >"$WORK/requests"
python3 "$WORK/server.py" "$S" "$WORK/answer" "$WORK/requests" &
SERVER_PID=$!
for _ in $(seq 100); do
	[ -S "$S" ] && break
	sleep 0.1
done
[ -S "$S" ] || fail "the stand-in server did not start"
ctl() { "$CTL" --socket "$S" "$@"; }

# an id "." or ".." goes out as typed (the daemon refuses it: not an id), never as the
# path libcurl would make of it (`reconcile ..` was POST /v1/reconcile: every tenant)
: >"$WORK/requests"
for line in "reconcile .." "reconcile ." "history .." "tenant .." "usage .."; do
	ctl $line >/dev/null 2>&1 || true
done
want='POST /v1/tenants/../reconcile HTTP/1.1
POST /v1/tenants/./reconcile HTTP/1.1
GET /v1/tenants/../history HTTP/1.1
GET /v1/tenants/.. HTTP/1.1
GET /v1/tenants/../usage HTTP/1.1'
[ "$(cat "$WORK/requests")" = "$want" ] || fail "the request paths: $(cat "$WORK/requests")"

# wait-ready SECONDS against a daemon that accepts and never answers: not ready after
# SECONDS (exit 1). Each try waited the whole request timeout (30 s) and counted as
# 0.2 s, so `wait-ready 1` took 3 minutes. (timeout only ends a hang of the test.)
printf hang >"$WORK/answer"
rc=0
timeout 60 "$CTL" --socket "$S" wait-ready 1 2>"$WORK/err" || rc=$?
[ $rc -eq 1 ] || fail "wait-ready 1 against a daemon that does not answer: exit $rc, want 1"
grep -q "not ready within 1 s" "$WORK/err" || fail "wait-ready 1: $(cat "$WORK/err")"

# text from the socket never drives the terminal: the daemon's version, and an error
# body of profile-map, were printed as they came (an OSC title, a screen clear)
answer 200 '{"status":"ok","version":"1.0\\u001b]0;owned\\u0007\\u001b[2J"}'
ctl version >"$WORK/out" 2>&1 || fail "version: exit $?"
grep -q $'\x1b' "$WORK/out" && fail "version printed an escape sequence: $(cat -v "$WORK/out")"
grep -q '^bedrock-tenantd 1.0?\]0;owned??\[2J' "$WORK/out" || fail "version: $(cat -v "$WORK/out")"
answer 502 '\033[2J<html>bad gateway</html>'
rc=0
ctl profile-map >"$WORK/out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "profile-map on a 502: exit $rc, want 1"
grep -q $'\x1b' "$WORK/out" && fail "profile-map printed an escape sequence: $(cat -v "$WORK/out")"
grep -q "answered 502: ?\[2J<html>bad gateway" "$WORK/out" || fail "profile-map on a 502: $(cat -v "$WORK/out")"
# a C1 control as one byte (not UTF-8): 0x9b is the CSI of a terminal in 8-bit mode
answer 502 '\233[2J<html>bad gateway</html>'
ctl profile-map >"$WORK/out" 2>&1 || true
LC_ALL=C grep -q $'\x9b' "$WORK/out" && fail "profile-map printed a lone C1 byte: $(cat -v "$WORK/out")"
grep -q "answered 502: ?\[2J<html>bad gateway" "$WORK/out" || fail "profile-map on a 502 (C1): $(cat -v "$WORK/out")"

# a right-to-left override (U+202E) and an isolate (U+2067) reorder the rest of the
# line on a terminal: a '?' a byte, the rest of the text as it came (an accent too)
answer 200 '{"status":"ok","version":"1.0-\\u202eevil\\u2067x-\\u00e9"}'
ctl version >"$WORK/out" 2>&1 || fail "version: exit $?"
grep -q $'\xe2\x80\xae\|\xe2\x81\xa7' "$WORK/out" && fail "version printed a bidirectional control: $(cat -v "$WORK/out")"
grep -q '^bedrock-tenantd 1.0-???evil???x-é' "$WORK/out" || fail "version (bidi): $(cat -v "$WORK/out")"

# resolve answered 200 without an ARN: it printed an empty line and exited 0
for body in '{}' '{"arn":null}' '{"arn":42}' '{"arn":""}' '[]' '"arn"'; do
	answer 200 "$body"
	for out in table json wide; do
		rc=0
		ctl resolve a b -o $out >"$WORK/out" 2>"$WORK/err" || rc=$?
		[ $rc -eq 1 ] || fail "resolve -o $out given $body: exit $rc, want 1: $(cat "$WORK/out")"
	done
	grep -q "names no ARN" "$WORK/err" || fail "resolve given $body: $(cat "$WORK/err")"
done
answer 200 '{"arn":"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x"}'
[ "$(ctl resolve a b)" = arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x ] ||
	fail "resolve with an ARN: $(ctl resolve a b)"

# an answer neither success nor error (a 302, a 101 with a body): it was taken as a
# success ("mutating calls paused", exit 0)
for status in 302 307 101; do
	answer $status '{"ready":true,"arn":"arn:x","approved":1}'
	for line in pause resume resync approve-prune reconcile "reconcile a" status "resolve a b" "tenant a"; do
		rc=0
		ctl $line >"$WORK/out" 2>"$WORK/err" || rc=$?
		[ $rc -eq 1 ] || fail "$line on a $status: exit $rc, want 1: $(cat "$WORK/out")"
		grep -q "answered $status, which is neither" "$WORK/err" || fail "$line on a $status: $(cat "$WORK/err")"
	done
done

# an answer over the 64 MiB cap is one (exit 1, said so), not an unreachable daemon
python3 -c 'import sys; sys.stdout.buffer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 70000000\r\n\r\n" + b" " * 70000000)' \
	>"$WORK/answer"
rc=0
ctl status >"$WORK/out" 2>"$WORK/err" || rc=$?
[ $rc -eq 1 ] || fail "status answered 70 MB: exit $rc, want 1: $(cat "$WORK/err")"
grep -q "is larger than 64 MiB" "$WORK/err" || fail "status answered 70 MB: $(cat "$WORK/err")"

echo "PASS: test_ctl_hostile_server"
