#!/usr/bin/env bash
# From nothing to Ready; then a steady state makes listings only: no mutating call and
# no per-resource read (DESIGN.md "Observed state comes from bulk listings").
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for i in $(seq -w 1 8); do write_tenant "team-$i" "" eng 2; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
for i in $(seq -w 1 8); do
	n=$(awsim_profiles_of "team-$i")
	[ "$n" = 2 ] || fail "team-$i has $n profiles, not 2"
done
consistent || fail "a parameter names a profile that is not live"
ctl resolve team-1 p1 | grep -q ':application-inference-profile/' || fail "resolve gave no ARN"
ctl status >/dev/null || fail "status reports a problem"

# steady state: list everything again, compare, change nothing
awsim_put calls/reset
since=$(date +%s)
ctl resync >/dev/null
wait_until 30 "a listing" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"bedrock:ListInferenceProfiles\"].ok // 0') -ge 1 ]"
wait_until 30 "every tenant Ready again" all_ready
sleep 1
for op in bedrock:CreateInferenceProfile bedrock:DeleteInferenceProfile bedrock:TagResource \
	bedrock:UntagResource ssm:PutParameter ssm:DeleteParameter ssm:AddTagsToResource \
	ssm:RemoveTagsFromResource bedrock:GetInferenceProfile bedrock:ListTagsForResource \
	ssm:ListTagsForResource; do
	n=$(calls "$op")
	[ "$n" = 0 ] || fail "steady state made $n $op call(s)"
done
# the resync reads the instance's claim, once at most, and so does a timer at rest
# once a minute (docs/operations.md, "Safety rules" 12); its 16 parameters read one by
# one would be 16
n=$(calls ssm:GetParameter)
[ "$n" -le $((2 + ($(date +%s) - since) / 60)) ] || fail "steady state made $n ssm:GetParameter call(s)"
[ "$(calls tagging:GetResources)" -ge 1 ] || fail "no GetResources in the listing"
[ "$(calls ssm:DescribeParameters)" -ge 1 ] || fail "no DescribeParameters in the listing"
[ "$(calls iam:GetAccountAuthorizationDetails)" -ge 1 ] || fail "no bulk IAM read in the listing"
awsim_get calls | jq -c .
stop_daemon
echo PASS
