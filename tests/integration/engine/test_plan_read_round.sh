#!/usr/bin/env bash
# `bedrock-tenantd plan` against the daemon's next start, call by call: a read the
# daemon makes costs it a round. A new policy name (policy.naming.policy_name) on a
# role that holds the tenant's old policy is read first (its other policies count in
# the role's size), so the daemon writes it once, after the new profile of a
# replacement (profile_name changed too) is created, granting both; plan must count that
# one PutRolePolicy, not one more before the create.
. "$(dirname "$0")/lib.sh"
GRACE=600s DRAIN=600s
start_awsim
write_config
create_role app1
write_budget_tenant n1 100 "80:actual:a@example.com" "[app1]"
write_tenant n2
start_daemon
wait_until 90 "Ready" all_ready
stop_daemon
set_naming 'profile_name: "{tenant}-x-{profile}-{hash6}"' 'policy_name: "btd-{tenant}"'

# kind -> awsim operation; plan's due-now calls as {operation: count}
OPMAP='{"create-profile":"bedrock:CreateInferenceProfile","tag-profile":"bedrock:TagResource",
"untag-profile":"bedrock:UntagResource","delete-profile":"bedrock:DeleteInferenceProfile",
"create-parameter":"ssm:PutParameter","update-parameter":"ssm:PutParameter",
"tag-parameter":"ssm:AddTagsToResource","untag-parameter":"ssm:RemoveTagsFromResource",
"delete-parameter":"ssm:DeleteParameter","create-budget":"budgets:CreateBudget",
"update-budget":"budgets:UpdateBudget","delete-budget":"budgets:DeleteBudget",
"put-role-policy":"iam:PutRolePolicy","delete-role-policy":"iam:DeleteRolePolicy"}'
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan.json" || rc=$?
[ $rc = 2 ] || fail "plan exited $rc, not 2"
planned=$(jq -cS --argjson m "$OPMAP" '[.tenants[].actions[] | select(.aws_call and .after == null and
	(.after_switch | not) and (.after_move | not) and (.after_approval | not) and (.kind | startswith("read-") | not)) |
	($m[.kind] // ("?" + .kind))] | group_by(.) | map({key: .[0], value: length}) | from_entries' "$WORK/plan.json")

awsim_put calls/reset
start_daemon
moved() { [ "$(ctl resolve n1 p1)" != "$old1" ] && [ -n "$(role_policy app1 btd-n1)" ] && all_ready; }
old1=$(awsim_param_value /bedrock-tenants/n1/p1/profile-arn 2>/dev/null || true)
wait_until 60 "the new names made" moved
mutations() { awsim_get calls | jq '[to_entries[] | select(.value.mutating) | .value.ok + .value.failed] | add // 0'; }
last=-1
for _ in $(seq 40); do # the calls stop for 2 s
	now=$(mutations)
	[ "$now" = "$last" ] && break
	last=$now
	sleep 2
done
# the claim (the daemon's own parameter) written at this start is not a tenant's
claims=$(($(grep -c "claim .* holds this daemon" "$WORK/daemon.log") - 1))
done_=$(awsim_get calls | jq -cS --argjson n "$claims" 'to_entries | map(select(.value.mutating and .value.ok > 0 and
	(.key | startswith("sts:") | not)) | {key, value: .value.ok}) | from_entries |
	.["ssm:PutParameter"] = ((.["ssm:PutParameter"] // 0) - $n) | with_entries(select(.value > 0))')
[ "$planned" = "$done_" ] || fail "plan predicted $planned, the daemon made $done_"
[ "$(echo "$done_" | jq '.["iam:PutRolePolicy"]')" = 1 ] || fail "the daemon wrote the new policy $done_ times"
stop_daemon
echo PASS
