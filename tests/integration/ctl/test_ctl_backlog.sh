#!/usr/bin/env bash
# A daemon whose listen backlog is full refuses a new connection at once (EAGAIN, not
# ECONNREFUSED): bedrock-tenantctl tries again until its --request-timeout instead of
# calling the daemon unreachable. A stand-in server listens with a backlog of 0, is
# filled by connections it does not accept, and starts serving after 1.5 s; `health`
# must succeed then. With the backlog still full at the deadline the message says so
# (exit 3), and a socket nobody listens on is refused at once, as before.
set -euo pipefail
: "${BTD_BUILD:?the build directory}"
CTL=$BTD_BUILD/daemon/ctl/bedrock-tenantctl
WORK=$(mktemp -d /tmp/btd-backlog-XXXXXX)
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

# serve SOCKET DELAY: fill the backlog, say "full" on stdout, serve /v1/health after DELAY
cat >"$WORK/server.py" <<'PY'
import os, socket, sys, time
path, delay = sys.argv[1], float(sys.argv[2])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(0)
fillers = []
while True:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        c.close()
        break
    fillers.append(c)
print("full", len(fillers), flush=True)
time.sleep(delay)
for c in fillers:
    c.close()
srv.settimeout(10)
deadline = time.time() + 10
while time.time() < deadline:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    conn.settimeout(2)
    try:
        req = conn.recv(4096)
    except OSError:
        req = b""
    if req.startswith(b"GET /v1/health"):
        body = b'{"ok":true}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        print("served", flush=True)
        conn.close()
        break
    conn.close()
PY

# start_server SOCKET DELAY: returns once the backlog is full
start_server() {
	: >"$WORK/server.out"
	python3 "$WORK/server.py" "$1" "$2" >"$WORK/server.out" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q '^full' "$WORK/server.out" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "the stand-in server did not fill its backlog"
}

# 1. The backlog frees after 1.5 s: health waits for it and succeeds.
start_server "$WORK/a.sock" 1.5
start=$(date +%s%N)
"$CTL" --socket "$WORK/a.sock" --request-timeout 10 health >"$WORK/health.out" 2>&1 ||
	fail "health with a full backlog that frees: $(cat "$WORK/health.out")"
waited=$((($(date +%s%N) - start) / 1000000))
[ "$waited" -ge 1000 ] || fail "health answered after $waited ms, before the backlog freed"
wait "$SERVER_PID" || true
SERVER_PID=
grep -q '^served' "$WORK/server.out" || fail "the stand-in server served nothing"

# 2. The backlog stays full past the deadline: a clear message, exit 3.
start_server "$WORK/b.sock" 30
rc=0
"$CTL" --socket "$WORK/b.sock" --request-timeout 1 health >"$WORK/full.out" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "a backlog full past the deadline: exit $rc, not 3: $(cat "$WORK/full.out")"
grep -q "listen backlog stayed full" "$WORK/full.out" || fail "no word of the full backlog: $(cat "$WORK/full.out")"
kill "$SERVER_PID" 2>/dev/null
SERVER_PID=

# 3. Nobody listens: refused at once, not retried.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$WORK/c.sock"
start=$(date +%s%N)
rc=0
"$CTL" --socket "$WORK/c.sock" --request-timeout 10 health >"$WORK/refused.out" 2>&1 || rc=$?
waited=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -eq 3 ] || fail "a socket nobody listens on: exit $rc, not 3"
[ "$waited" -lt 5000 ] || fail "a refused connection was retried ($waited ms)"
echo ok
