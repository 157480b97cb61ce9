#!/usr/bin/env bash
# The notifications' rate limit in the running daemon: with max_per_minute 2, four
# drift repairs at once send two messages now; the other two are counted and go out
# as one summary ("and 2 more") once the bucket has a token again (30 s later).
. "$(dirname "$0")/lib.sh"
start_awsim
TOPIC=arn:aws:sns:us-east-1:111122223333:rate
curl -sf --aws-sigv4 "aws:amz:us-east-1:sns" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	--data "Action=CreateTopic&Version=2010-03-31&Name=rate" "http://127.0.0.1:$PORT/" >/dev/null ||
	fail "could not create the topic"
write_config "notifications:
  sns: {topic_arn: $TOPIC}
  max_per_minute: 2
  events: [drift_repaired]"
for i in 1 2 3 4; do write_tenant "r$i" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready
for i in 1 2 3 4; do
	arn=$(ctl resolve "r$i" p1)
	sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn"'","tags":[{"key":"CostCenter","value":"hacked"}]}' >/dev/null
done
ctl resync >/dev/null
messages() { awsim_get sns/messages | jq -c '[.[] | .message | fromjson | select(.event == "drift_repaired")]'; }
suppressed() { [ "$(status_json | jq -r .notifications.suppressed)" = 2 ]; }
wait_until 30 "two repairs held back" suppressed
[ "$(messages | jq 'length')" = 2 ] || fail "not two messages at once: $(messages)"
metric() { curl -sf --unix-socket "$WORK/control.sock" http://localhost/metrics | awk -v k="$1" '$1 == k {print $2}'; }
[ "$(metric 'bedrock_tenantd_notification_events_coalesced_total{event="drift_repaired"}')" = 2 ] ||
	fail "/metrics does not count the two repairs held back: $(metric 'bedrock_tenantd_notification_events_coalesced_total{event="drift_repaired"}')"
[ "$(metric 'bedrock_tenantd_notification_events_total{event="drift_repaired"}')" = 4 ] ||
	fail "/metrics does not count four repairs"
[ "$(messages | jq '[.[] | select(.summary)] | length')" = 0 ] || fail "a summary came too early"
two_plus_summary() { [ "$(messages | jq 'length')" = 3 ]; }
wait_until 60 "the summary of the other two" two_plus_summary
messages | jq -e '.[2] | .summary and .more == 2 and (.message | test("and 2 more \\(rate limited\\)"))' >/dev/null ||
	fail "the summary is not as documented: $(messages | jq -c '.[2]')"
stop_daemon
echo PASS
