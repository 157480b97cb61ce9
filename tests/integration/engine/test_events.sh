#!/usr/bin/env bash
# GET /v1/events: a reader gets the changes a manifest edit makes and the tenant's
# state changes as server-sent events; streams are capped; clients that close early
# free their slot; a client that stops reading is dropped with a last comment while
# the daemon keeps answering and a reading client keeps its events.
. "$(dirname "$0")/lib.sh"
EVENTS=$BTD_BUILD/tests/integration/engine/eventsclient
SOCK=$WORK/control.sock
start_awsim
write_config
write_tenant acme "" eng 1
start_daemon
wait_until 60 "Ready" all_ready

# stream SECONDS: in the background, a reader of the stream (exec: $! is curl itself)
stream() { exec curl -sN --unix-socket "$SOCK" --max-time "$1" http://localhost/v1/events; }
stream 120 >"$WORK/ev1" &
READER=$!
wait_until 10 "the stream opened" grep -q '^: bedrock-tenantd events' "$WORK/ev1"

# a manifest edit arrives as change events (with request ids) and state events
write_tenant acme "" finance 1
has_event() { grep -A1 "^event: $1\$" "$WORK/ev1" | grep '^data: ' | cut -c7- | jq -e -s "$2" >/dev/null; }
wait_until 30 "a tag-profile change event" has_event change \
	'any(.tenant == "acme" and .action == "tag-profile" and .outcome == "ok" and (.request_id | length) > 0 and .cause == "manifest")'
wait_until 30 "a state event" has_event state 'any(.tenant == "acme" and .to == "Ready")'
# every data line is one JSON object
grep '^data: ' "$WORK/ev1" | cut -c7- | jq -e -s 'all(type == "object")' >/dev/null || fail "a data line is not JSON"

# the cap: 8 streams; a ninth is 503 while they are open
PIDS=()
for i in 2 3 4 5 6 7 8; do
	stream 60 >/dev/null &
	PIDS+=($!)
done
open_streams() { status_json | jq -r .event_streams.open; }
wait_eq 10 "8 streams open" 8 open_streams
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" --max-time 5 http://localhost/v1/events)
[ "$code" = 503 ] || fail "a ninth stream was answered $code"
kill "${PIDS[@]}" 2>/dev/null || true
wait "${PIDS[@]}" 2>/dev/null || true
wait_eq 10 "the closed streams freed" 1 open_streams

# clients that close early, one after another, each get a stream and free it
"$EVENTS" "$SOCK" early-close 20 || fail "early-closing clients"
wait_eq 10 "early closes freed" 1 open_streams
ctl health >/dev/null || fail "health after early closes"

# a client that stops reading while many changes happen is dropped; the daemon answers
# all along and the reading client gets every tenant's events
"$EVENTS" "$SOCK" stall 100 20 >"$WORK/stall.out" &
STALL=$!
wait_eq 10 "the stalled stream open" 2 open_streams
for i in $(seq 150); do write_tenant "t$i" "" eng 2; done
dropped() { status_json | jq -r .event_streams.dropped; }
deadline=$(($(date +%s) + 100))
while [ "$(dropped)" != 1 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "the stalled client was not dropped ($(status_json | jq -c .event_streams))"
	"$BTD_BUILD/tests/integration/engine/sockstress" "$SOCK" probe 5000 >/dev/null || fail "health did not answer while a client stalled"
	sleep 0.2
done
kill -USR1 "$STALL"
wait "$STALL" || fail "the stalled client: $(cat "$WORK/stall.out")"
grep -q 'dropped; closed' "$WORK/stall.out" || fail "no last comment: $(cat "$WORK/stall.out")"
wait_until 120 "Ready" all_ready
kill -0 "$READER" 2>/dev/null || fail "the reading client lost its stream"
wait_until 10 "the reader saw the new tenants" has_event state 'map(select(.to == "Ready")) | map(.tenant) | unique | length >= 150'
stop_daemon
wait "$READER" 2>/dev/null || true
grep -q '^: the daemon is stopping' "$WORK/ev1" || fail "the stream did not end with the stop"
echo PASS
