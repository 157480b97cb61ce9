#!/usr/bin/env bash
# SIGTERM while the first sync's creates are in flight (each takes 4 s in awsim): the
# reconciles the stop interrupts are not a finished sync. The daemon used to count
# them as reconciled once, log "first full sync done", send READY=1 after STOPPING=1
# and answer /v1/ready 200 while it drained; it now stops without announcing a
# readiness it never reached, and a restart converges with one profile each.
. "$(dirname "$0")/lib.sh"
start_awsim --faults <(echo '{"rules":[{"service":"bedrock","operation":"CreateInferenceProfile","latency_ms":4000}]}')
write_config
for i in 1 2 3 4 5 6; do write_tenant "t$i"; done
"$BTD_BUILD/tests/integration/engine/notify_listen" "$WORK/notify.sock" 60 >"$WORK/notify.log" &
sleep 0.2
NOTIFY_SOCKET=$WORK/notify.sock start_daemon
creating() { status_json | jq -e '.queue.aws_calls_in_flight >= 6 and .ready == false' >/dev/null; }
wait_until 20 "the first sync's creates in flight" creating
kill -TERM "$DAEMON_PID"
ready_answers=0
while kill -0 "$DAEMON_PID" 2>/dev/null; do # /v1/ready while it drains
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --unix-socket "$WORK/control.sock" http://localhost/v1/ready) || true
	[ "$code" != 200 ] || ready_answers=$((ready_answers + 1))
	sleep 0.1
done
wait "$DAEMON_PID" || fail "the daemon exited with $? after SIGTERM"
DAEMON_PID=
! grep -q "first full sync done" "$WORK/daemon.log" || fail "a stop during the first sync was logged as its end: $(grep "first full sync" "$WORK/daemon.log")"
! grep -q "^READY=1" "$WORK/notify.log" || fail "READY=1 during the stop: $(cat "$WORK/notify.log")"
[ "$ready_answers" = 0 ] || fail "/v1/ready answered 200 $ready_answers time(s) during the drain"
curl -sf -X DELETE --max-time 10 "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
start_daemon
wait_until 60 "Ready after the restart" all_ready
grep -q "first full sync done" "$WORK/daemon.log" || fail "the restart's first sync is not logged"
one_profile_each 6
stop_daemon
echo PASS
