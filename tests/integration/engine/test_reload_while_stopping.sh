#!/usr/bin/env bash
# SIGHUPs while the daemon stops (a SIGTERM, then a reload every 20 ms until it has
# exited): a reload applied to a daemon whose engine drained and was freed, its AWS
# client and cost-tag checker closed, read freed or NULL state (the sanitizer build
# ended with a report). Now a stopping daemon reloads nothing, says so, and exits 0.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for i in 1 2 3; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready

# a listing in flight for 3 s, so that the stop drains while the SIGHUPs come
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "latency_ms": 3000}]}'
ctl resync >/dev/null
listing() {
	curl -sf --max-time 5 --unix-socket "$WORK/control.sock" http://localhost/v1/places |
		jq -e 'any(.places[]; .listing == "in_flight")'
}
wait_until 10 "the listing in flight" listing
kill -TERM "$DAEMON_PID"
wait_until 10 "the stop begun" grep -q "SIGTERM: stopping" "$WORK/daemon.log"
while kill -HUP "$DAEMON_PID" 2>/dev/null; do sleep 0.02; done
wait_stopped "SIGHUPs while it stopped"
sed -n '/SIGTERM: stopping/,$p' "$WORK/daemon.log" | grep -q "configuration reloaded" &&
	fail "a reload was applied while stopping"
grep -q "SIGHUP while stopping: not reloading" "$WORK/daemon.log" || fail "no SIGHUP came while stopping"
echo "ok"
