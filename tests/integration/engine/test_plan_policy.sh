#!/usr/bin/env bash
# The daemon keeps of each role policy the bulk IAM read returns only its digest and
# size, not its document: a converged tenant costs no read, and `plan` reads the live
# policy (GetRolePolicy) of a tenant whose grants would change, so that it still shows
# the statements the change takes away. The daemon then repairs a policy edited by
# hand from the digest alone.
. "$(dirname "$0")/lib.sh"
GRACE=600s DRAIN=600s
start_awsim
write_config
create_role acme-app
write_budget_tenant acme 100 "" "[acme-app]"
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }

start_daemon
wait_until 60 "Ready" all_ready
old=$(ctl resolve acme p1)
good=$(role_policy acme-app bedrock-tenantd-acme)
[ -n "$good" ] || fail "no policy"
stop_daemon

# converged: plan needs no policy read
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/calls" >/dev/null
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan after convergence exited $rc, not 0: $out"
[ "$(calls iam:GetRolePolicy)" = 0 ] || fail "plan of a converged tenant read its policy"

# a model change: the live policy is read, and the old profile's grant is shown going
MODEL=amazon.nova-lite-v1:0 write_budget_tenant acme 100 "" "[acme-app]"
rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan of a model change exited $rc, not 2: $out"
[ "$(calls iam:GetRolePolicy)" -ge 1 ] || fail "plan did not read the live policy"
echo "$out" | grep -qF -- "- statement InvokeTenantProfiles: \"$old\"" ||
	fail "plan does not show the old profile leaving the policy: $out"
echo "$out" | grep -qF "not kept" && fail "plan shows a policy it did not read: $out"
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "plan made a mutating call: $(awsim_get calls | jq -c .)"

# a hand edit of the converged policy is repaired from the digest alone
write_budget_tenant acme 100 "" "[acme-app]"
start_daemon
wait_until 60 "Ready" all_ready
curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=PutRolePolicy&Version=2010-05-08&RoleName=acme-app&PolicyName=bedrock-tenantd-acme" \
	--data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[]}' \
	"http://127.0.0.1:$PORT/" >/dev/null || fail "could not edit the policy"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/calls" >/dev/null
ctl resync >/dev/null
repaired() { [ "$(role_policy acme-app bedrock-tenantd-acme)" = "$good" ]; }
wait_until 60 "the policy repaired" repaired
[ "$(calls iam:GetRolePolicy)" = 0 ] || fail "the repair read the policy"
stop_daemon

# edited, then deleted, by hand while the daemon is stopped: the bulk IAM read shows
# it, and plan shows the write the daemon's start makes (not "nothing to do")
iam_call() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=$1&Version=2010-05-08&RoleName=acme-app&PolicyName=bedrock-tenantd-acme" "${@:2}" \
		"http://127.0.0.1:$PORT/" >/dev/null || fail "could not $1 by hand"
}
for edit in PutRolePolicy DeleteRolePolicy; do
	if [ $edit = PutRolePolicy ]; then
		iam_call PutRolePolicy --data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[]}'
	else
		iam_call DeleteRolePolicy
	fi
	rc=0
	out=$(plan) || rc=$?
	[ $rc = 2 ] || fail "plan after a $edit by hand exited $rc, not 2: $out"
	echo "$out" | grep -qF "~ put-role-policy acme-app/bedrock-tenantd-acme" ||
		fail "plan does not show the policy written again after a $edit by hand: $out"
	start_daemon
	wait_until 60 "the policy repaired after a $edit by hand" repaired
	stop_daemon
	rc=0
	out=$(plan) || rc=$?
	[ $rc = 0 ] || fail "plan after the repair of a $edit by hand exited $rc, not 0: $out"
done

# IAM's bulk read failing (not denied): plan cannot see a policy edited by hand, so it
# cannot say there is nothing to do: an error (exit 1), said; denied, the policies
# are read one by one, as the daemon reads them, and plan judges as usual
awsim_put faults '{"rules":[{"service":"iam","operation":"GetAccountAuthorizationDetails","error_500_percent":100}]}'
rc=0
plan >/dev/null 2>"$WORK/plan.err" || rc=$?
[ $rc = 1 ] || fail "plan with IAM's bulk read failing exited $rc, not 1: $(cat "$WORK/plan.err")"
grep -q "the IAM roles could not be read in bulk" "$WORK/plan.err" || fail "plan does not say why: $(cat "$WORK/plan.err")"
awsim_put faults '{"rules":[{"service":"iam","operation":"GetAccountAuthorizationDetails","error_percent":100,"error":{"status":403,"code":"AccessDenied","message":"not allowed"}}]}'
rc=0
out=$(plan 2>"$WORK/plan.err") || rc=$?
[ $rc = 0 ] || fail "plan with IAM's bulk read denied exited $rc, not 0: $out $(cat "$WORK/plan.err")"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
echo PASS
