#!/usr/bin/env bash
# A parameter deleted and made again by hand (with the daemon's tags, another value)
# after the daemon published it but before any listing saw it: version 1 again, as
# the daemon's own. AWS's date of the remade one is later than the daemon's answer by
# more than moments, so the next listing reads its value and the drift is repaired
# (before, the daemon took it for its own write and showed it Ready, pointing to its
# profile, while SSM held the other value).
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t0
start_daemon
wait_until 60 "t0 Ready" state_is t0 Ready
listed=$(calls ssm:DescribeParameters)
arn=$(ctl resolve t0 p1)
param=/bedrock-tenants/t0/p1/profile-arn
sleep 6 # past the moments AWS's date of the daemon's own write may be from its answer
[ "$(calls ssm:DescribeParameters)" = "$listed" ] || fail "a listing saw the parameter before it was remade"
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / "{\"Name\":\"$param\"}" >/dev/null
TARGET=AmazonSSM.PutParameter sign_call ssm POST / \
	"{\"Name\":\"$param\",\"Value\":\"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/remade\",\"Type\":\"String\",\"Tags\":[{\"Key\":\"bedrock-tenantd:managed-by\",\"Value\":\"bedrock-tenantd\"},{\"Key\":\"bedrock-tenantd:tenant\",\"Value\":\"t0\"},{\"Key\":\"bedrock-tenantd:profile\",\"Value\":\"p1\"},{\"Key\":\"CostCenter\",\"Value\":\"eng\"}]}" >/dev/null
value() { awsim_get state | jq -r --arg n "$param" "$PARAMS"' | map(select(.name == $n)) | .[0].value'; }
[ "$(value)" != "$arn" ] || fail "the remake did not happen"
[ "$(awsim_get state | jq -r --arg n "$param" "$PARAMS"' | map(select(.name == $n)) | .[0].version')" = 1 ] ||
	fail "the remade parameter is not at version 1"
ctl resync >/dev/null
wait_eq 30 "the remade parameter repaired" "$arn" value
wait_until 30 "t0 Ready" state_is t0 Ready
[ "$(calls ssm:DescribeParameters)" -gt "$listed" ] || fail "repaired without a listing"
