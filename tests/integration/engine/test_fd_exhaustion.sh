#!/usr/bin/env bash
# Manifests that arrive while the daemon has no file descriptor left. The daemon runs
# with an open-file limit of 64 (soft and hard: it cannot raise it) and a local
# client holds 200 connections to its control socket, taking every descriptor it has.
# Twenty manifests written meanwhile cannot be read ("Too many open files"): not a
# problem of the files, and no change of theirs will come to say they can be read
# now. The daemon reads the directory again by itself, 1 s later, then 2, 4...; once
# the idle connections are dropped (10 s) every tenant is read and made, without a
# file touched again; the problem goes. The daemon warns at start that its limit is
# below what it may hold at once.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t0
(
	ulimit -n 64
	exec "$DAEMON" --config "$WORK/config.yaml" --log-stderr >>"$WORK/daemon.log" 2>&1
) &
DAEMON_PID=$!
wait_until 30 "the control socket" test -S "$WORK/control.sock"
wait_until 60 "t0 Ready" all_ready
grep -q "open-file limit.*64" "$WORK/daemon.log" || fail "no warning about the open-file limit of 64"

python3 - "$WORK/control.sock" "$WORK/flood.ready" <<'PY' &
import socket, sys, time
socks = []
for _ in range(200):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])  # the kernel queues what the daemon does not accept
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(60)
PY
FLOOD=$!
fds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
full() { [ -e "$WORK/flood.ready" ] && [ "$(fds)" -ge 62 ]; }
wait_until 20 "the daemon's descriptors taken by the flood" full

for i in $(seq 1 20); do write_tenant "t$i"; done
unreadable() { grep -q "t[0-9]*.yaml: cannot read: Too many open files" "$WORK/daemon.log"; }
wait_until 20 "a manifest that cannot be read for want of descriptors" unreadable
grep -q "the directory is read again in 1 s" "$WORK/daemon.log" || fail "no reading again announced"

# The flood's connections are idle: the daemon drops them after 10 s, and then reads
# the directory again by itself.
twenty_one() { [ "$(status_json | jq '.tenants.total')" = 21 ]; }
wait_until 60 "21 tenants read again without a change of their files" twenty_one
wait_until 60 "every tenant Ready" all_ready
status_json | jq -e '.manifests.problems | length == 0' >/dev/null ||
	fail "problems left: $(status_json | jq -c .manifests.problems)"
grep -q "manifest problem gone: .*Too many open files" "$WORK/daemon.log" || fail "the problem was not seen to go"
kill "$FLOOD" 2>/dev/null
stop_daemon
echo "ok: read again by itself once descriptors were free; every tenant made"
