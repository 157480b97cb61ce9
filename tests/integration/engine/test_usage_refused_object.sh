#!/usr/bin/env bash
# An invocation log object refused to the daemon (AccessDenied on that object alone: a
# key of another KMS key, an ACL of its own) never stops a place's usage: the object
# after it is read first, and only if it can be, the refused one is asked again, then
# passed over (logged, counted as refused) and the next one counted. A refusal that
# does not last loses nothing: the object is counted. A refusal of every object (a
# permission the daemon lacks) passes nothing over: the place reports the problem and
# reads on once it is granted.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
usage_of() { ctl --json status | jq -r "[.usage[]?.$1] | add // \"none\""; }
refuse() { # refuse KEY [TIMES]: GetObject of KEY answers 403 AccessDenied
	awsim_put faults "{\"rules\": [{\"service\": \"s3\", \"operation\": \"GetObject\", \"path\": \"$1\",
		\"error_percent\": 100, \"error\": {\"status\": 403, \"code\": \"AccessDenied\", \"message\": \"Access Denied\"}
		${2:+, \"times\": $2}}]}" || fail "the fault plan was refused"
}

converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests
template=$(log_line)
[ -n "$template" ] || fail "no log line to copy"
put_object() { # put_object KEY N: N of acme's records
	local i
	for ((i = 0; i < $2; i++)); do echo "$template"; done | gzip >"$WORK/obj.gz"
	s3_call -X PUT --data-binary @"$WORK/obj.gz" "/usage-logs/$1" >/dev/null || fail "PutObject $1"
}

# 1. an object refused for good, then one that can be read: passed over, the next counted
key=$(last_log_key)0
refuse "${key##*/}"
put_object "$key" 5
converse "$ARN"
wait_eq 90 "the request after the refused object counted" 2 acme_requests
[ "$(usage_of refused)" = 1 ] || fail "status does not count the refused object: $(ctl --json status | jq -c .usage)"
[ "$(usage_of passed_over)" = 0 ] || fail "the refused object counted as too large"
grep -q "usage 111122223333/us-east-1 s3://usage-logs/.*$key: refused (AccessDenied: Access Denied) while the object after it can be read: passed over unread" \
	"$WORK/daemon.log" || fail "no warning for the refused object"

# 2. a refusal that does not last: the object is counted
key=$(last_log_key)0
refuse "${key##*/}" 1
put_object "$key" 3
converse "$ARN"
wait_eq 90 "the object refused once and the next request counted" 6 acme_requests
[ "$(usage_of refused)" = 1 ] || fail "an object refused once was passed over"

# 3. every object refused: nothing passed over, the place says why, and reads on once
# the permission is back
awsim_put faults '{"rules": [{"service": "s3", "operation": "GetObject", "error_percent": 100,
	"error": {"status": 403, "code": "AccessDenied", "message": "Access Denied"}}]}'
converse "$ARN"
converse "$ARN"
problem() { ctl --json status | jq -r '[.usage[]?.problem // empty] | first // "none"'; }
wait_until 60 "the place's problem" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -e '.usage[0].problem | test(\"GetObject: AccessDenied\")'"
sleep 6 # a retry of the place (5 s): still nothing passed over
[ "$(usage_of refused)" = 1 ] || fail "objects refused with every other were passed over: $(ctl --json status | jq -c .usage)"
[ "$(acme_requests)" = 6 ] || fail "requests counted while every object is refused: $(acme_requests)"
awsim_put faults '{"rules": []}'
wait_eq 90 "both requests counted once the permission is back" 8 acme_requests
[ "$(problem)" = none ] || fail "the problem stays: $(problem)"
stop_daemon
echo PASS
