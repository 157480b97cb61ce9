#!/usr/bin/env bash
# The cost of watching: a converged fleet of 300 tenants is resynced twice and awsim's
# call counters must show at most 0.1 reads per tenant per resync and no mutating
# call (counts, not times). Then hand-made drift that the desired documents do not
# reveal is repaired at the next resync: a tenant's role policy edited, another's
# deleted, a parameter's value changed, and a parameter deleted and made again (at
# the same version) with another value; the resync after that writes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../bench/watch/steady_lib.sh"
N=300
start_awsim
write_config
steady_fleet "$N"
start_daemon
wait_until 110 "$N tenants Ready" all_ready

steady_measure 2
echo "tenants=$N resyncs=$STEADY_RESYNCS reads=$STEADY_READS writes=$STEADY_WRITES rate=$STEADY_RATE"
echo "$STEADY_BY_OP"
[ "$STEADY_WRITES" = 0 ] || fail "a steady resync made $STEADY_WRITES mutating call(s)"
jq -en --argjson r "$STEADY_RATE" '$r <= 0.1' >/dev/null || fail "$STEADY_RATE reads per tenant per resync, over 0.1"

# hand-made drift, unseen by the desired documents
iam_call() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "Version=2010-05-08&$1" \
		${2:+--data-urlencode "$2"} "http://127.0.0.1:$PORT/" >/dev/null
}
good1=$(role_policy steady-role-1 bedrock-tenantd-t1)
good2=$(role_policy steady-role-2 bedrock-tenantd-t2)
[ -n "$good1" ] && [ -n "$good2" ] || fail "the fleet has no role policies"
iam_call "Action=PutRolePolicy&RoleName=steady-role-1&PolicyName=bedrock-tenantd-t1" \
	'PolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}'
iam_call "Action=DeleteRolePolicy&RoleName=steady-role-2&PolicyName=bedrock-tenantd-t2"
param=/bedrock-tenants/t3/p1/profile-arn
arn3=$(ctl resolve t3 p1)
TARGET=AmazonSSM.PutParameter sign_call ssm POST / \
	"{\"Name\":\"$param\",\"Value\":\"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/handmade\",\"Type\":\"String\",\"Overwrite\":true}" >/dev/null
param_value() { awsim_get state | jq -r --arg n "$param" "$PARAMS"' | map(select(.name == $n)) | .[0].value'; }
[ "$(param_value)" != "$arn3" ] || fail "the hand edit of $param did not happen"
# deleted and made again by hand: version 1 again, as the daemon's own; tags kept
param4=/bedrock-tenants/t4/p1/profile-arn
arn4=$(ctl resolve t4 p1)
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / "{\"Name\":\"$param4\"}" >/dev/null
TARGET=AmazonSSM.PutParameter sign_call ssm POST / \
	"{\"Name\":\"$param4\",\"Value\":\"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/remade\",\"Type\":\"String\",\"Tags\":[{\"Key\":\"bedrock-tenantd:managed-by\",\"Value\":\"bedrock-tenantd\"},{\"Key\":\"bedrock-tenantd:tenant\",\"Value\":\"t4\"},{\"Key\":\"bedrock-tenantd:profile\",\"Value\":\"p1\"},{\"Key\":\"CostCenter\",\"Value\":\"eng\"}]}" >/dev/null
param4_value() { awsim_get state | jq -r --arg n "$param4" "$PARAMS"' | map(select(.name == $n)) | .[0].value'; }
[ "$(param4_value)" != "$arn4" ] || fail "the hand remake of $param4 did not happen"

awsim_put calls/reset
ctl resync >/dev/null
wait_eq 60 "the edited role policy rewritten" "$good1" role_policy steady-role-1 bedrock-tenantd-t1
wait_eq 60 "the deleted role policy put back" "$good2" role_policy steady-role-2 bedrock-tenantd-t2
wait_eq 60 "the parameter's value repaired" "$arn3" param_value
wait_eq 60 "the parameter made again by hand repaired" "$arn4" param4_value
[ "$(calls bedrock:ListInferenceProfiles)" = 1 ] || fail "repaired by more than one listing"
[ "$(calls iam:GetRolePolicy)" = 0 ] || fail "the bulk read should make single policy reads needless"
# the listing saw the edited parameter with its new value (DescribeParameters, then
# GetParameters of the changed ones only): repaired as an edit, never as a parameter gone
! grep "drift repaired: parameter $param missing" "$WORK/daemon.log" >/dev/null ||
	fail "the edited parameter $param was taken for a parameter gone: $(grep "tenant=t3 " "$WORK/daemon.log" | tail -n 3)"
# ... and for good: the next resync writes nothing
steady_measure 1
[ "$STEADY_WRITES" = 0 ] || fail "the resync after the repair made $STEADY_WRITES mutating call(s): $STEADY_BY_OP"
echo PASS
