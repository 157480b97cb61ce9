#!/usr/bin/env bash
# Two tenants sharing a role whose naming.policy_name derives one inline policy name
# for both: "bt-{tenant}-{project}" gives tenant a-b of project c and tenant a of
# project b-c the policy bt-a-b-c. Inline policies carry no tags; each tenant used to
# write its own document over the other's at every diff (a-b's applications lost
# their grants whenever a's was written), both reported Ready. Now the tenant that
# applied it keeps it, the other is Stalled with a conflict naming it, and nothing is
# written; once a-b's manifest is gone the policy is not deleted as a-b's but left to
# a, which writes its own and is Ready. `bedrock-tenantd plan` shows the same conflict.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
set_naming 'policy_name: "bt-{tenant}-{project}"'
create_role app
policy_doc() { awsim_get state | jq -r '[.accounts[].roles[]? | select(.name == "app") | .policies["bt-a-b-c"] // empty][0] // ""'; }
iam_writes() { awsim_get calls | jq '[to_entries[] | select(.key | test("^iam:(Put|Delete)RolePolicy")) | .value.ok] | add // 0'; }

write_role_tenant a-b app c
start_daemon
wait_until 60 "a-b Ready" state_is a-b Ready
ab_arn=$(ctl resolve a-b p1)
policy_doc | grep -qF "$ab_arn" || fail "a-b's policy does not grant its profile: $(policy_doc)"

write_role_tenant a App b-c
wait_until 60 "a Stalled" state_is a Stalled
names_a_b() {
	tenant_json a | jq -e '.conflict_details | any(.message | test("the IAM policy bt-a-b-c of role App is tenant a-b.s too"))'
}
wait_until 30 "a's conflict names a-b's policy" names_a_b
before=$(iam_writes)
ctl resync >/dev/null
sleep 3
ctl resync >/dev/null
sleep 3
[ "$(iam_writes)" = "$before" ] || fail "the shared policy was written: $before -> $(iam_writes) writes"
policy_doc | grep -qF "$ab_arn" || fail "a-b's policy no longer grants its profile: $(policy_doc)"
state_is a-b Ready || fail "a-b: $(tenant_json a-b | jq -c '{state, conflict_details}')"
state_is a Stalled || fail "a: $(tenant_json a | jq -c '{state, conflict_details}')"
# the plan says what the daemon does: the conflict, and no write of a-b's policy (it
# planned a put-role-policy over it, its simulation not knowing the other tenants)
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
grep -qF "the IAM policy bt-a-b-c of role App is tenant a-b's too" "$WORK/plan.out" ||
	fail "plan (exit $rc) does not show a's conflict: $(cat "$WORK/plan.out")"
! grep -q "put-role-policy" "$WORK/plan.out" || fail "plan writes the shared policy: $(cat "$WORK/plan.out")"

# a-b goes: its profile is deleted after the grace, the policy is not; a writes its own
rm "$WORK/tenants/a-b.yaml"
a_arn() { ctl resolve a p1 2>/dev/null; }
a_granted() { local arn; arn=$(a_arn) && [ -n "$arn" ] && policy_doc | grep -qF "$arn"; }
wait_until 60 "a Ready" state_is a Ready
wait_until 30 "a's policy grants a's profile" a_granted
deletes=$(awsim_get calls | jq '.["iam:DeleteRolePolicy"].ok // 0')
[ "$deletes" = 0 ] || fail "a role policy was deleted: $deletes"
[ -n "$(policy_doc)" ] || fail "the policy bt-a-b-c is gone"
stop_daemon
echo "ok: a policy name two tenants derive on one role is written by one, never over the other's"
