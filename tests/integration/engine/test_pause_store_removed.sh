#!/usr/bin/env bash
# The state store's files removed by hand (a cleanup of the state directory), then a
# pause: the pause is written to files a start finds, not to the removed ones, so a
# kill -9 right after it (before the store's periodic look, every 10 s) keeps the
# daemon paused. The same for a resume.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t1 "" eng 1
start_daemon
wait_until 60 "Ready" all_ready

kill9_restart() {
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	start_daemon
	wait_eq 30 "$1 tenant(s) known after the restart" "$1" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.total"
}

rm -f "$WORK/state/state.db" "$WORK/state/state.db-wal" "$WORK/state/state.db-shm"
ctl pause >/dev/null
kill9_restart 1
status_json | jq -e .paused >/dev/null || fail "the pause, made after the store's files were removed, did not survive a kill -9"
write_tenant t2 "" eng 1
sleep 3
[ "$(awsim_profiles_of t2)" = 0 ] || fail "t2 was created while paused"

rm -f "$WORK/state/state.db" "$WORK/state/state.db-wal" "$WORK/state/state.db-shm"
ctl resume >/dev/null
kill9_restart 2
wait_eq 30 "not paused after a resume and a kill -9" false sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .paused"
wait_until 60 "Ready after the resume" all_ready
[ "$(awsim_profiles_of t2)" = 1 ] || fail "t2 has no profile after the resume"
stop_daemon
echo PASS
