#!/usr/bin/env bash
# One inline policy name derived by two tenants of two accounts ("bt-{tenant}-{project}":
# tenant a-b of project c in the daemon's account, tenant a of project b-c in the
# account "other", each granted its account's role app) is two policies, one in each
# account: neither tenant is in conflict. `bedrock-tenantd plan` says so (it counted
# every tenant sharing a role name as in the account: a conflict the daemon never has),
# then the daemon writes both and both are Ready.
. "$(dirname "$0")/lib.sh"
start_awsim_two_accounts
write_config
add_other_account
set_naming 'policy_name: "bt-{tenant}-{project}"'
create_role app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app
write_role_tenant a-b app c
write_role_tenant a app b-c
spec_set a "account: other"

rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "plan exits $rc, want 2 (changes pending): $(cat "$WORK/plan.out")"
! grep -q "conflict:" "$WORK/plan.out" || fail "plan shows a conflict: $(cat "$WORK/plan.out")"
[ "$(grep -c "put-role-policy app/bt-a-b-c" "$WORK/plan.out")" = 2 ] ||
	fail "plan does not write the policy in both accounts: $(cat "$WORK/plan.out")"
grep -q "0 conflict(s)" "$WORK/plan.out" || fail "plan counts conflicts: $(tail -1 "$WORK/plan.out")"

start_daemon
wait_until 60 "both Ready" all_ready
policy_in() { awsim_get state | jq -r --arg a "$1" '[.accounts[] | select(.id == $a) | .roles[]? | select(.name == "app") | .policies["bt-a-b-c"] // empty][0] // ""'; }
policy_in $A | grep -qF "$(ctl resolve a-b p1)" || fail "a-b's policy in $A: $(policy_in $A)"
policy_in $B | grep -qF "$(ctl resolve a p1)" || fail "a's policy in $B: $(policy_in $B)"
stop_daemon
echo PASS
