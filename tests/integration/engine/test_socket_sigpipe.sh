#!/usr/bin/env bash
# No signal from a peer ends the daemon or awsim: control clients that send a request
# and reset the connection before reading the answer (the daemon's write then meets a
# closed peer: EPIPE, never SIGPIPE), one alone and then 200 at once, several rounds.
# The daemon stays alive and answers; so does awsim under the same clients on its port.
. "$(dirname "$0")/lib.sh"
STRESS=$BTD_BUILD/tests/integration/engine/sockstress
start_awsim
write_config
write_tenant t1
start_daemon
wait_until 60 "Ready" all_ready
# sigpipe_ignored PID: SIGPIPE (13) is in the process's ignored set.
sigpipe_ignored() {
	local mask
	mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$1/status")
	[ $((0x$mask & (1 << 12))) -ne 0 ]
}
sigpipe_ignored "$DAEMON_PID" || fail "the daemon does not ignore SIGPIPE"
sigpipe_ignored "$AWSIM_PID" || fail "awsim does not ignore SIGPIPE"
alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null || {
		wait "$DAEMON_PID" && rc=0 || rc=$?
		DAEMON_PID=
		fail "the daemon died (exit status $rc) $*"
	}
}

"$STRESS" "$WORK/control.sock" early-close 1
sleep 0.3
alive "after one client closed early"
for round in 1 2 3 4 5; do
	"$STRESS" "$WORK/control.sock" early-close 200
	sleep 0.2
	alive "in round $round of 200 early-closing clients"
	"$STRESS" "$WORK/control.sock" probe 5000 || fail "no answer to /v1/health after round $round"
done
ctl status >/dev/null || fail "ctl status fails after the early closers"

for round in 1 2 3; do
	"$STRESS" "tcp:$PORT" early-close 200
	sleep 0.2
	kill -0 "$AWSIM_PID" 2>/dev/null || fail "awsim died in round $round of early-closing clients"
done
awsim_get state >/dev/null || fail "awsim does not answer after the early closers"
stop_daemon
echo PASS
