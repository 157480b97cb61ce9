#!/usr/bin/env bash
# Requests on the control socket and on metrics.listen while the daemon stops: the
# control socket was closed last, after the AWS client, the usage reader, the engine
# and the event streams had been freed, so a status, metrics or events request read
# in those turns of the loop used freed memory (the sanitizer build ended with a
# report, status 1). Now the HTTP surfaces close first, once the engine has drained;
# clients asking all along see answers or a closed socket, and the daemon exits 0.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config 'metrics:
  listen: "127.0.0.1:0"'
for i in 1 2 3; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready
wait_until 30 "the metrics listener" grep -q "metrics on http://127.0.0.1:[0-9]*/metrics" "$WORK/daemon.log"
MPORT=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$WORK/daemon.log" | head -1)

for round in 1 2 3; do
	# clients asking without a pause, on both sockets, until the daemon is gone
	python3 "$(dirname "$0")/hostile_http.py" "$WORK/control.sock" pipeline 10 60 \
		/v1/status /metrics /v1/tenants/t1 /v1/places >"$WORK/clients.out" &
	CLIENTS=$!
	python3 "$(dirname "$0")/hostile_http.py" "$WORK/control.sock" pipeline 4 60 /v1/events >/dev/null &
	STREAMS=$!
	(while kill -0 "$DAEMON_PID" 2>/dev/null; do
		curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$MPORT/metrics" || true
	done) &
	SCRAPER=$!
	wait_until 30 "the event streams open" sh -c "[ \"\$(curl -sf --max-time 5 --unix-socket '$WORK/control.sock' \
		http://localhost/v1/status | jq .event_streams.open)\" = 4 ]"
	# the clients connected and answered before the stop (else "no answer" says nothing)
	wait_until 30 "the clients' first answer" grep -q "^answering" "$WORK/clients.out"
	rc=0
	kill -TERM "$DAEMON_PID"
	wait_gone 30 "the daemon to exit after SIGTERM" "$DAEMON_PID"
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	wait "$CLIENTS" "$STREAMS" "$SCRAPER" 2>/dev/null || true
	if grep -q "AddressSanitizer\|runtime error:\|LeakSanitizer" "$WORK/daemon.log"; then
		fail "round $round: sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error:\|LeakSanitizer" "$WORK/daemon.log")"
	fi
	[ $rc -eq 0 ] || fail "round $round: the daemon exited with $rc"
	grep -q "^answers [1-9]" "$WORK/clients.out" || fail "round $round: the clients got no answer: $(cat "$WORK/clients.out")"
	[ $round = 3 ] || start_daemon
	[ $round = 3 ] || wait_until 60 "Ready" all_ready
	[ $round = 3 ] || MPORT=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$WORK/daemon.log" | tail -1)
done
echo ok
