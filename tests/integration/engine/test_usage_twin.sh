#!/usr/bin/env bash
# One account and Region as two usage places (the daemon's own account, and an alias of
# the same account id reached through a role): the configuration cannot tell (the own
# account's id comes from STS), so once the ids are known only the first place reads;
# the second reads nothing (no call, its logging configuration left alone) and says so
# as its problem, naming the first. Every request is counted once.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay 300
make_bucket usage-logs
make_bucket other-logs
write_usage_config
python3 - "$WORK/config.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("accounts:\n", "accounts:\n  self:\n    id: \"111122223333\"\n"
              "    role_arn: arn:aws:iam::111122223333:role/bedrock-tenantd\n", 1)
s = s.replace("      prefix: bedrock\n", "      prefix: bedrock\n    - account: self\n      region: us-east-1\n"
              "      bucket: other-logs\n      prefix: bedrock\n", 1)
open(p, "w").write(s)
PY
grep -q "^    - account: self$" "$WORK/config.yaml" || fail "no second place"
write_tenant acme "$MODEL"
create_role bedrock-tenantd
start_daemon
wait_until 60 "acme Ready" all_ready
ARN=$(ctl resolve acme p1)
converse "$ARN"
converse "$ARN"
wait_eq 60 "both requests counted" 2 acme_requests
twin_problem() {
	ctl --json status | jq -e '.usage[1].problem | test("the same account \\(111122223333\\) and Region as usage place default/us-east-1")'
}
wait_until 30 "the second place's problem" twin_problem
sleep 3 # polls of both places
[ "$(acme_requests)" = 2 ] || fail "2 requests counted as $(acme_requests)"
[ "$(ctl --json status | jq -r '.usage[1].objects_read')" = 0 ] || fail "the second place read objects"
[ "$(calls bedrock:PutModelInvocationLoggingConfiguration)" = 1 ] ||
	fail "Bedrock's logging configuration put $(calls bedrock:PutModelInvocationLoggingConfiguration) times"
stop_daemon
echo PASS
