#!/usr/bin/env bash
# GET /v1/usage over a large store: the GROUP BY runs off the daemon's event loop
# (daemon/usage/usage_query.c), so the control socket answers while it runs (on the
# loop, a year of a large usage.db held the socket, the reconciles and the watchdog's
# ping for seconds per query). One query runs at a time and 8 wait; more are refused
# with 503 and Retry-After; the answers are the store's sums. A stop with queries under
# way answers or drops them and exits cleanly. Asserted by the order of events (the
# status counts a query running), not by durations.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
stop_daemon
# 400 days x 5,000 tenants and acme: 2,000,400 rows of 10 requests, 0.011 USD each
sqlite3 "$WORK/state/usage.db" >/dev/null <<'SQL' || fail "filling usage.db"
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE d(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM d WHERE x < 399),
	t(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM t WHERE y < 4999)
INSERT INTO usage SELECT CAST(strftime('%s', 'now') AS INTEGER) / 86400 - x, printf('t%05d', y), 'p1',
	'anthropic.claude-3-5-haiku-20241022-v1:0', 10, 1000, 2000, 0, 0, 0.011 FROM d, t;
WITH RECURSIVE d(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM d WHERE x < 399)
INSERT INTO usage SELECT CAST(strftime('%s', 'now') AS INTEGER) / 86400 - x, 'acme', 'p1',
	'anthropic.claude-3-5-haiku-20241022-v1:0', 10, 1000, 2000, 0, 0, 0.011 FROM d;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
start_daemon
wait_until 60 "acme Ready" all_ready

# usage_queries N: N GET /v1/usage?since=400d at once, into q$i.head and q$i.body
QP=()
usage_queries() {
	for i in $(seq "$1"); do
		rm -f "$WORK/q$i.head" "$WORK/q$i.body"
		curl -s --max-time 280 --unix-socket "$WORK/control.sock" -D "$WORK/q$i.head" -o "$WORK/q$i.body" \
			"http://localhost/v1/usage?since=400d&limit=3" &
		QP+=($!)
	done
}
queries() { status_json | jq -c '.usage_queries // empty'; }

# 12 at once: one runs, 8 wait, the 3 beyond are refused. The socket answers while a
# query runs: the status shows it running (on the loop, no answer could come then).
usage_queries 12
wait_until 120 "the status, while a usage query runs" \
	eval 'status_json | jq -e ".usage_queries.running == 1 and .usage_queries.refused >= 1"'
curl -sf --max-time 60 --unix-socket "$WORK/control.sock" http://localhost/v1/health | jq -e '.status == "ok"' \
	>/dev/null || fail "GET /v1/health while usage queries are under way"
wait "${QP[@]}" || fail "a usage query failed: $(cat "$WORK"/q*.head)"
QP=()
ok=0 refused=0
for i in $(seq 12); do
	code=$(head -n1 "$WORK/q$i.head" | awk '{print $2}')
	case $code in
	200)
		ok=$((ok + 1))
		jq -e '.total.requests == 20004000 and .tenants_with_usage == 5001 and (.tenants | length) == 3
			and .tenants[0].requests == 4000 and .unattributed.requests == 0' "$WORK/q$i.body" >/dev/null ||
			fail "answer $i: $(head -c 600 "$WORK/q$i.body")"
		;;
	503)
		refused=$((refused + 1))
		grep -qi '^Retry-After: 5' "$WORK/q$i.head" || fail "refused $i without Retry-After: $(cat "$WORK/q$i.head")"
		jq -e '.error | test("too many usage queries at once")' "$WORK/q$i.body" >/dev/null ||
			fail "refused $i: $(cat "$WORK/q$i.body")"
		;;
	*) fail "query $i: $(cat "$WORK/q$i.head")" ;;
	esac
done
[ $ok -ge 9 ] && [ $refused -ge 1 ] && [ $((ok + refused)) = 12 ] || fail "$ok answered, $refused refused"
[ "$(queries)" = "{\"running\":0,\"waiting\":0,\"refused\":$refused}" ] || fail "status after: $(queries)"

# One tenant's usage, off the loop too: the same sums as before
ctl --json usage acme --since 400d |
	jq -e '.total.requests == 4000 and (.by_day | length) == 400 and .by_profile[0].profile == "p1"' >/dev/null ||
	fail "acme: $(ctl --json usage acme --since 400d | head -c 600)"

# A stop while queries run and wait: those waiting are answered (or cut with the
# socket), the running one interrupted; the daemon exits 0, with nothing left over.
usage_queries 4
wait_until 120 "a usage query running" eval 'status_json | jq -e ".usage_queries.running == 1"'
stop_daemon
wait "${QP[@]}" || true
for i in 1 2 3 4; do
	[ ! -s "$WORK/q$i.body" ] || jq -e '.error == "the daemon is stopping" or .total.requests == 20004000' \
		"$WORK/q$i.body" >/dev/null || fail "query $i at the stop: $(cat "$WORK/q$i.body")"
done
! grep -E "AddressSanitizer|runtime error:|LeakSanitizer" "$WORK/daemon.log" || fail "sanitizer report"
echo ok
