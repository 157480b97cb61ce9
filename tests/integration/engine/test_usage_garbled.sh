#!/usr/bin/env bash
# A GetObject answered 200 with something that is not the object listed (awsim's garble
# fault: a proxy's page) is a failed read: its length differs from the size the listing
# gave, so it is not parsed, the cursor does not move past the object, and the object
# is read again and counted at the next poll.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests
key=$(last_log_key)
printf '{"timestamp":"%s","modelId":"%s","input":{"inputTokenCount":1}}\n' "$(date -u +%FT%TZ)" "$ARN" | gzip >"$WORK/rec.gz"
awsim_put faults "$(jq -cn --arg p "${key##*/}5" \
	'{rules: [{service: "s3", operation: "GetObject", path: $p, garble_percent: 100, times: 1}]}')" ||
	fail "the fault plan was refused"
for k in "${key}5" "${key}6"; do
	s3_call -X PUT --data-binary @"$WORK/rec.gz" "/usage-logs/$k" >/dev/null || fail "PutObject $k"
done
wait_eq 60 "both objects counted" 3 acme_requests
[ "$(awsim_get faults | jq -r '.rules[0].times')" = 0 ] || fail "the garbled answer was never given"
grep -q "usage default/us-east-1: GetObject s3://usage-logs/${key}5: an answer of [0-9]* bytes, the listing gave [0-9]*" \
	"$WORK/daemon.log" || fail "no warning for the garbled answer"
[ "$(ctl --json status | jq -r '.usage[0].malformed')" = 0 ] || fail "the garbled answer was parsed"
wait_until 30 "the problem solved" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -e '.usage[0].problem == null'"
stop_daemon
echo PASS
