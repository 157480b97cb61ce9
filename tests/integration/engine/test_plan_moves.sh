#!/usr/bin/env bash
# `bedrock-tenantd plan` for a tenant in the middle of two moves (docs/operations.md,
# "bedrock-tenantd plan", Moves), then the daemon doing it. acme (a profile, its
# parameter, a budget, a role's policy) moves Region within its account; a plan then
# keeps the old profile's grants in the new policy (as the daemon does until the old
# set is gone), and shows the policy written without them once it is gone. Once the
# new set is Ready, the daemon stops in the drain, and acme is moved again, to the
# other account: its two old places in the first account each show their end, due
# once the newest set is Ready (the first one's drain already running), the role's
# policy and budget there deleted once, by the last of them. The daemon then deletes
# exactly what the plan listed, each once.
. "$(dirname "$0")/lib.sh"
DRAIN=15s
start_awsim_two_accounts
write_config
add_other_account
create_role app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app

plan_json() {
	local rc=0
	"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan.json" 2>"$WORK/plan.err" || rc=$?
	[ $rc = 2 ] || fail "plan exits $rc: $(cat "$WORK/plan.err")"
}
# everything of the two accounts: "kind account region name", one a line, sorted
world() {
	awsim_get state | jq -r '.accounts[] | .id as $a |
		(.regions[] | .name as $r | (.profiles[] | "profile \($a) \($r) \(.name)"),
		                            (.parameters[] | select(.name | startswith("/bedrock-tenants/")) | "parameter \($a) \($r) \(.name)")),
		(.budgets[] | "budget \($a) - \(.name)"),
		(.roles[] | .name as $role | (.policies // {} | keys[]) | "policy \($a) - \($role)/\(.)")' | sort
}

write_acme_moving us-east-1
start_daemon
wait_until 60 "acme Ready in us-east-1" state_is acme Ready
old_arn=$(ctl resolve acme p1)
stop_daemon

# 1. a Region move within the account: the new policy grants the old profile too
write_acme_moving us-west-2
plan_json
jq -e --arg old "$old_arn" '.tenants[] | select(.id == "acme") |
	[.actions[] | select(.kind == "put-role-policy" and (.after_move | not))] | length == 1 and
	([.[0].changes[] | select(.op == "-" and ((.old // "") | contains($old)))] | length == 0)' "$WORK/plan.json" >/dev/null ||
	fail "plan takes the old profile's grants away now: $(jq -c '.tenants[] | select(.id == "acme") | [.actions[] | select(.kind == "put-role-policy")]' "$WORK/plan.json")"
# ... and once the old set is gone, the policy is written again without it
jq -e --arg old "$old_arn" '.tenants[] | select(.id == "acme") |
	[.actions[] | select(.kind == "put-role-policy" and .after_move)] | length == 1 and .[0].after == null and
	([.[0].changes[] | select(.op == "-" and .key == "statement InvokeTenantProfiles" and .old == $old)] | length == 1) and
	([.[0].changes[] | select(.op == "+" and ((.new // "") | contains($old)))] | length == 0)' "$WORK/plan.json" >/dev/null ||
	fail "plan does not show the policy without the old profile once it is gone: $(jq -c '.tenants[] | select(.id == "acme") | [.actions[] | select(.kind == "put-role-policy")]' "$WORK/plan.json")"
draining() { tenant_json acme | jq -e '.state == "Ready" and (.moving_from | length == 1) and .moving_from[0].deletion != null' >/dev/null; }
moved() { tenant_json acme | jq -e '.state == "Ready" and (.moving_from | length == 0)' >/dev/null; }
start_daemon
wait_until 60 "the new set Ready, the drain running" draining
stop_daemon

# 2. moved again, to the other account, in the drain: two old places in the first one
write_acme_moving us-west-2 other
plan_json
jq -e '.tenants[] | select(.id == "acme") | .moving_out_of == ["-/us-east-1", "-/us-west-2"]' "$WORK/plan.json" >/dev/null ||
	fail "plan does not show both old places: $(jq -c '.tenants[] | select(.id == "acme") | {places, moving_out_of}' "$WORK/plan.json")"
jq -e '.tenants[] | select(.id == "acme") |
	([.actions[] | select(.place == "-/us-east-1" and .kind == "delete-profile")] | length == 1 and .[0].after_switch) and
	([.actions[] | select(.place == "-/us-west-2" and .kind == "delete-profile")] | length == 1 and .[0].after_switch) and
	([.actions[] | select(.kind == "delete-role-policy")] | length == 1 and .[0].place == "-/us-west-2")' "$WORK/plan.json" >/dev/null ||
	fail "plan's ends of the two old places: $(jq -c '.tenants[] | select(.id == "acme") | [.actions[] | {place, kind, subject, after, after_switch}]' "$WORK/plan.json")"
# the budget is the account's: it stays while an old set there drains, and goes with
# the last of them, once
jq -e '.tenants[] | select(.id == "acme") |
	[.actions[] | select(.kind == "delete-budget")] | length == 1 and .[0].place == "-/us-west-2"' "$WORK/plan.json" >/dev/null ||
	fail "plan's deletion of the account's budget: $(jq -c '.tenants[] | select(.id == "acme") | [.actions[] | select(.kind == "delete-budget") | {place, after_switch}]' "$WORK/plan.json")"
planned=$(jq -r '.tenants[] | select(.id == "acme") | .actions[] | select(.kind | startswith("delete-")) |
	(.place | split("/")) as $p | ($p[0] | if . == "other" then "'$B'" else "'$A'" end) as $a |
	if .kind == "delete-profile" then "profile \($a) \($p[1]) \(.subject)"
	elif .kind == "delete-parameter" then "parameter \($a) \($p[1]) \(.subject)"
	elif .kind == "delete-budget" then "budget \($a) - \(.subject)"
	elif .kind == "delete-role-policy" then "policy \($a) - \(.subject)" else "other \(.kind)" end' "$WORK/plan.json" | sort -u)
before=$(world)
awsim_put calls/reset
start_daemon
wait_until 120 "acme moved, nothing left behind" moved
after=$(world)
gone=$(comm -23 <(echo "$before") <(echo "$after"))
[ "$gone" = "$planned" ] || fail "what went is not what plan listed:
planned:
$planned
gone:
$gone
before:
$before
after:
$after
acme: $(tenant_json acme | jq -c '{state, place, moving_from}')"
deletes=$(awsim_get calls | jq -c '."budgets:DeleteBudget" // {}')
[ "$(echo "$deletes" | jq '.ok')" = 1 ] && [ "$(echo "$deletes" | jq '.failed')" = 0 ] ||
	fail "DeleteBudget is not called once: $deletes"
echo PASS
