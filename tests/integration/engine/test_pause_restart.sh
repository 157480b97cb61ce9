#!/usr/bin/env bash
# A pause is durable: paused, 19 new tenants, kill -9, restart: no mutating call
# reaches AWS (awsim counts every call, attempted or not) until an operator resumes;
# then everything converges. A resume is durable as well.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t00 "" eng 1
start_daemon
wait_until 60 "Ready" all_ready

mutating() {
	awsim_get calls | jq '[to_entries[] | select(.value.mutating) | .value.ok + .value.throttled + .value.failed + .value.dropped] | add // 0'
}
ctl pause >/dev/null
status_json | jq -e .paused >/dev/null || fail "status does not say paused"
before=$(mutating)
for i in $(seq -w 1 19); do write_tenant "t$i" "" eng 1; done
wait_eq 30 "20 tenants known" 20 sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.total"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=

start_daemon
wait_eq 30 "20 tenants known after the restart" 20 sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.total"
status_json | jq -e .paused >/dev/null || fail "the pause did not survive a kill -9"
wait_eq 30 "19 tenants Drifted" 19 sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.by_state.Drifted"
sleep 2
[ "$(mutating)" = "$before" ] || fail "$(($(mutating) - before)) mutating call(s) while paused"
grep -q "paused (since before this start)" "$WORK/daemon.log" || fail "the start does not say it is paused"

# a clean restart keeps it too
stop_daemon
start_daemon
wait_eq 30 "paused after a clean restart" true sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .paused"
sleep 2
[ "$(mutating)" = "$before" ] || fail "mutating call(s) while paused after a clean restart"

ctl resume >/dev/null
wait_until 60 "Ready after resume" all_ready
for i in $(seq -w 1 19); do [ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i has no profile after resume"; done
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
start_daemon
wait_eq 30 "not paused after resume and a restart" false sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .paused"
stop_daemon
echo PASS
