#!/usr/bin/env bash
# Log objects waiting at a start are read only once the engine knows the profiles it
# manages in the place's account and Region (the manifests taken, the places there
# listed once since the start): a record made through a tenant's profile ARN is
# counted for the tenant, never as unattributed (the cursor moves past an object for
# good). Meanwhile the place reads nothing and its status says why (`waiting`). The
# first listing is slowed (awsim latency) so that the objects are there before it ends.
# The wait is the place's own: a listing that fails in another Region (tenant west in
# us-west-2) holds only the usage place of that Region, which says why.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests
stop_daemon
key=$(last_log_key)
printf '{"timestamp":"%s","modelId":"%s","input":{"inputTokenCount":1}}\n' "$(date -u +%FT%TZ)" "$ARN" | gzip >"$WORK/rec.gz"
for i in $(seq -w 1 20); do
	s3_call -X PUT --data-binary @"$WORK/rec.gz" "/usage-logs/$key$i" >/dev/null || fail "PutObject $key$i"
done
write_tenant west "$MODEL"
spec_set west "region: us-west-2"
sed -i 's/^      prefix: bedrock$/&\n    - region: us-west-2\n      bucket: usage-logs\n      prefix: bedrock/' "$WORK/config.yaml"
awsim_put faults '{"rules":[{"service":"bedrock","operation":"ListInferenceProfiles","region":"us-east-1","latency_ms":4000},
	{"service":"tagging","region":"us-east-1","latency_ms":4000},
	{"service":"bedrock","operation":"ListInferenceProfiles","region":"us-west-2","error_percent":100,
	 "error":{"status":403,"code":"AccessDenied","message":"not here"}}]}' || fail "the fault plan was refused"
start_daemon
waiting() { status_json | jq -e '.usage[0].waiting | test("not listed yet|not read yet|not placed yet")'; }
wait_until 30 "the place waiting for the engine's listing" waiting
[ "$(status_json | jq -r '.usage[0].objects_read')" = 0 ] || fail "objects read before the engine knew the profiles"
read_all() { status_json | jq -e --arg k "${key}20" '.usage[0].cursor == $k'; }
wait_until 60 "the 20 objects read" read_all
[ "$(status_json | jq -r '.usage[0].waiting')" = null ] || fail "the place still says it waits"
west=$(status_json | jq -r '.usage[1].waiting')
case $west in "the profiles of place -/us-west-2 are not listed yet: AccessDenied: "*"not here") ;; *) false ;; esac ||
	fail "the place of us-west-2 does not say why it waits: $west"
[ "$(status_json | jq -r '.usage[1].objects_read')" = 0 ] || fail "the place of us-west-2 read"
awsim_put faults '{"rules":[]}'
un=$(ctl --json usage --since 1d | jq -r .unattributed.requests)
acme=$(ctl --json usage acme --since 1d | jq -r .total.requests)
[ "$acme" = 21 ] && [ "$un" = 0 ] ||
	fail "records through acme's profile read at the start: acme $acme (want 21), unattributed $un (want 0)"
stop_daemon
echo PASS
