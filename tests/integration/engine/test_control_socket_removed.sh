#!/usr/bin/env bash
# The control socket's file removed by hand while the daemon runs (a cleanup of the
# runtime directory, a mistaken rm): no client could reach the daemon any more, and
# it did not notice. It now looks at the file every 10 s and makes it again (a reload
# does at once), logged as a warning. A regular file put at the path meanwhile is
# left alone (an error is logged) and the socket is made once it is gone; a socket
# another process listens on at the path is left alone too, and so is, when the
# daemon stops, whatever file is at the path but its own socket.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t1
start_daemon
wait_until 60 "t1 Ready" all_ready
SOCK=$WORK/control.sock
reachable() { ctl status >/dev/null 2>&1 || [ $? -eq 1 ]; }

rm "$SOCK"
! reachable || fail "reachable without its socket file?"
wait_until 20 "the socket made again by itself" reachable
grep -q "control socket $SOCK was removed; made again" "$WORK/daemon.log" || fail "not logged"

rm "$SOCK"
kill -HUP "$DAEMON_PID"
wait_until 3 "the socket made again by the reload" reachable

rm "$SOCK"
echo "not a socket" >"$SOCK"
kill -HUP "$DAEMON_PID"
wait_until 5 "the error logged" grep -q "cannot be made again: a file that is not a socket is in the way" \
	"$WORK/daemon.log"
[ "$(cat "$SOCK")" = "not a socket" ] || fail "the file in the way was touched"
rm "$SOCK"
kill -HUP "$DAEMON_PID"
wait_until 5 "the socket made once the file is gone" reachable

# Another process's socket at the path: left alone, and not removed at the stop.
rm "$SOCK"
python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
time.sleep(120)
PY
OTHER=$!
# listening, not only bound: a socket at the path that refuses connections is a stale
# one, which the reload would rightly replace
answers() { python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$SOCK"; }
wait_until 5 "the other process's socket" answers
kill -HUP "$DAEMON_PID"
wait_until 5 "the other process's socket seen" grep -q "another process answers there now" "$WORK/daemon.log"
stop_daemon
[ -S "$SOCK" ] || fail "the other process's socket was removed at the stop"
kill "$OTHER"
echo "ok: the socket made again by itself and by a reload; other files at its path left alone"
