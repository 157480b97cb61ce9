#!/usr/bin/env bash
# Signals the daemon gives no meaning to, sent by habit or by a limit: SIGUSR1 (a log
# rotation's postrotate), SIGUSR2, SIGALRM, and SIGXFSZ (a file grown past LimitFSIZE=).
# Their default action ended the daemon at once (exit 138, 140, 142; 153 and a core),
# with no drain and no word in the log. Now it stays up and answers, says the first
# three are ignored (each once a minute at most, however many come), and stops cleanly
# on SIGTERM afterwards, also when one comes while it stops.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for i in 1 2; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready

for sig in USR1 USR2 ALRM XFSZ; do
	for _ in 1 2 3 4 5; do kill -"$sig" "$DAEMON_PID"; done
	sleep 0.3
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "SIG$sig ended the daemon"
	status_json | jq -e '.ready' >/dev/null || fail "no answer after SIG$sig"
done
for sig in USR1 USR2 ALRM; do
	n=$(grep -c "SIG$sig ignored: SIGHUP reloads the configuration, SIGTERM stops the daemon" "$WORK/daemon.log" || :)
	[ "$n" = 1 ] || fail "SIG$sig: $n log lines, want 1"
done
all_ready || fail "not Ready after the signals"

# while it stops: its handles closed, the signals' default actions must not come back
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "latency_ms": 2000}]}'
ctl resync >/dev/null
kill -TERM "$DAEMON_PID"
wait_until 10 "the stop begun" grep -q "SIGTERM: stopping" "$WORK/daemon.log"
while kill -USR1 "$DAEMON_PID" 2>/dev/null; do sleep 0.02; done
wait_stopped "SIGUSR1 while it stopped"
echo PASS
