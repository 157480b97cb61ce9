#!/usr/bin/env bash
# Usage from invocation logs, end to end: the daemon points Bedrock's invocation
# logging at a bucket (invocation_logging: manage), a tenant's application calls
# Converse through its profile ARN with requestMetadata, awsim delivers the logs to S3,
# and `bedrock-tenantctl usage` shows the tokens and the estimated cost. Then the
# daemon is killed (-9) again and again while it reads many log objects: each record
# is still counted exactly once.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay 300
# the bucket the logs go to
make_bucket usage-logs

write_usage_config
write_tenant acme "$MODEL"
write_tenant other "$MODEL"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_until 60 "tenants Ready" all_ready
ARN=$(ctl resolve acme p1 | tail -n1)
case "$ARN" in arn:aws:bedrock:*:application-inference-profile/*) ;; *) fail "no profile ARN: $ARN" ;; esac

# The daemon made Bedrock log to the bucket.
logging_ok() {
	sign_call bedrock GET /logging/modelinvocations | jq -e '.loggingConfig.s3Config.bucketName == "usage-logs"' >/dev/null
}
wait_until 30 "invocation logging pointed at the bucket" logging_ok

# 16 bytes of text: 4 input tokens, 10 + 2 = 12 output tokens per call
converse "$ARN" "0123456789abcdef" acme
converse "$ARN" "0123456789abcdef" acme
converse "$ARN" "0123456789abcdef"
# through the model id: attributed by requestMetadata; an unknown tenant is unattributed
converse "$MODEL" "0123456789abcdef" other
converse "$MODEL" "0123456789abcdef" nobody

acme_requests() { ctl --json usage acme | jq -r .total.requests; }
wait_eq 60 "acme's 3 requests" 3 acme_requests
u=$(ctl --json usage acme)
[ "$(jq -r .total.input_tokens <<<"$u")" = 12 ] || fail "input tokens: $u"
[ "$(jq -r .total.output_tokens <<<"$u")" = 36 ] || fail "output tokens: $u"
# 12 x 0.001/1000 + 36 x 0.005/1000
[ "$(jq -r '.total.estimated_cost_usd * 1000000 | round' <<<"$u")" = 192 ] || fail "cost: $u"
[ "$(jq -r '.by_profile[0].profile' <<<"$u")" = p1 ] || fail "profile: $u"
# Cost Explorer's figure beside it (test_usage_ce.sh has the figures)
[ "$(jq -r '.cost_explorer.tag' <<<"$u")" = bedrock-tenantd:tenant ] || fail "cost_explorer: $u"
ctl usage acme | grep -q "^p1 " || fail "the table has no p1 row: $(ctl usage acme)"
[ "$(ctl usage acme --since 1d --until "$(date -u +%F)" -o json | jq -r .total.requests)" = 3 ] ||
	fail "usage --since 1d --until today"
rc=0
ctl status --since 1d >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--since taken by status (exit $rc)"
other_requests() { ctl --json usage other | jq -r .total.requests; }
wait_eq 30 "other's request (requestMetadata)" 1 other_requests
unattributed() { ctl --json usage | jq -r .unattributed.requests; }
wait_eq 30 "the unattributed request (unknown tenantId)" 1 unattributed
r=$(ctl --json usage)
[ "$(jq -r '.tenants[0].tenant' <<<"$r")" = acme ] || fail "ranking: $r"
ctl --json usage --since 2000-01-01 >/dev/null 2>&1 && fail "a range of more than 3660 days was taken"
ctl usage --since yesterday >/dev/null 2>&1 && fail "a malformed since was taken"

# Exactly once across kill -9: 60 more calls for acme, delivered as many objects,
# while the daemon is killed every few hundred milliseconds.
for i in $(seq 60); do
	converse "$ARN" "0123456789abcdef" acme
	[ $((i % 5)) -ne 0 ] || sleep 0.35 # a new log object every few calls
done
for round in $(seq 6); do
	sleep 0.$((3 + RANDOM % 5))
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	start_daemon
done
wait_eq 90 "63 requests after kill -9" 63 acme_requests
sleep 3 # another poll or two: nothing is counted twice
[ "$(acme_requests)" = 63 ] || fail "counted twice: $(acme_requests)"
[ "$(ctl --json usage acme | jq -r .total.input_tokens)" = 252 ] || fail "tokens after kill -9"
# Prometheus: totals and unattributed, no series per tenant unless asked for
m=$(curl -sf --unix-socket "$WORK/control.sock" http://localhost/metrics)
[ "$(awk '$1 == "bedrock_tenantd_usage_today_requests" {print $2}' <<<"$m")" = 65 ] || fail "metrics: $m"
[ "$(awk '$1 == "bedrock_tenantd_usage_unattributed_today_requests" {print $2}' <<<"$m")" = 1 ] || fail "metrics: $m"
grep -q 'tenant="acme"' <<<"$m" && fail "a per-tenant series without usage.metrics_tenants"
stop_daemon

# invocation_logging: observe only reads: logging turned off by hand is a problem in
# status, and stays off.
sign_call bedrock DELETE /logging/modelinvocations >/dev/null || fail "DeleteModelInvocationLoggingConfiguration"
INVOCATION_LOGGING=observe write_usage_config
start_daemon
logging_problem() { status_json | jq -r '.usage[0].problem // ""' | grep -q 'logging to S3 is off'; }
wait_until 30 "the logging problem in status" logging_problem
sign_call bedrock GET /logging/modelinvocations | jq -e '.loggingConfig == null' >/dev/null ||
	fail "observe wrote Bedrock's logging configuration"
[ "$(acme_requests)" = 63 ] || fail "the counts changed with the mode"
stop_daemon
echo "ok"
