#!/usr/bin/env bash
# A record dated more than a day ahead of the host's clock is malformed ("a timestamp
# in the future"): stored, it would never be pruned (retention drops days before a
# cutoff). One a few minutes ahead (a clock a little off) is counted.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests
for ts in "$(date -u -d '+5 min' +%FT%TZ)" "$(date -u -d '+2 days' +%FT%TZ)" 9999-12-31T23:59:59Z; do
	printf '{"timestamp":"%s","modelId":"%s","input":{"inputTokenCount":1}}\n' "$ts" "$ARN"
done | gzip >"$WORK/rec.gz"
s3_call -X PUT --data-binary @"$WORK/rec.gz" "/usage-logs/$(last_log_key)1" >/dev/null || fail "PutObject"
wait_eq 60 "the record of a clock a little off counted" 2 acme_requests
[ "$(ctl --json status | jq -r '.usage[0].malformed')" = 2 ] ||
	fail "$(ctl --json status | jq -r '.usage[0].malformed') records malformed, want 2"
grep -q "2 of 3 records skipped as malformed (first: line 2, a timestamp in the future)" "$WORK/daemon.log" ||
	fail "no warning for the records in the future"
future=$(python3 -c "import sqlite3, sys, time
print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM usage WHERE day > ?', (int(time.time()) // 86400 + 1,)).fetchone()[0])" \
	"$WORK/state/usage.db")
[ "$future" = 0 ] || fail "$future rows of days in the future stored"
stop_daemon
echo PASS
