#!/usr/bin/env bash
# `bedrock-tenantd plan` of tenants whose deletions the prune gate holds: besides the
# note, what an approval would delete is listed per held tenant (profiles with their
# ARN, parameters, the budget, role policies), in plan's words and order, marked
# `(once approved ...)` (`after_approval` in --json), neither due now nor counted as
# such. The listed resources exist in AWS, and an approval deletes exactly them.
. "$(dirname "$0")/lib.sh"
GRACE=2s DRAIN=2s
start_awsim
write_config
create_role app1
write_budget_tenant g1 100 "80:actual:a@example.com" "[app1]"
write_role_tenant g2 app1
for i in $(seq 3 13); do write_tenant g$i; done
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }
start_daemon
wait_until 90 "Ready" all_ready
for i in $(seq 1 11); do rm "$WORK/tenants/g$i.yaml"; done
held11() { status_json | jq -e '(.held_deletions | length) == 11' >/dev/null; }
wait_until 60 "11 removals held" held11
stop_daemon
sleep 3 # the grace periods (2 s) are over: what is held is due the moment it is approved

# what AWS holds: one "kind resource" line per deletable thing of the held tenants
live() {
	awsim_get state | jq -r '
		([.accounts[].regions[].profiles[] | select(.arn | test("application-inference-profile")) |
			select(any(.tags[]?; (.key // .Key) == "bedrock-tenantd:tenant" and ((.value // .Value) | test("^g([1-9]|1[01])$")))) |
			"delete-profile \(.arn)"] +
		[.accounts[].regions[].parameters[] | select(.name | test("/g([1-9]|1[01])/")) | "delete-parameter \(.name)"] +
		[.accounts[].budgets[] | select(.name | test("-g([1-9]|1[01])$")) | "delete-budget \(.name)"] +
		[.accounts[].roles[] | .name as $r | (.policies // {}) | keys[] | select(test("-g([1-9]|1[01])$")) |
			"delete-role-policy \($r)/\(.)"]) | .[]' | sort
}
before=$(live)
[ "$(echo "$before" | grep -c "^delete-profile")" = 11 ] || fail "not 11 held profiles in AWS: $before"
echo "$before" | grep -q "^delete-budget bedrock-tenant-g1$" || fail "g1's budget is not in AWS: $before"
[ "$(echo "$before" | grep -c "^delete-role-policy app1/")" = 2 ] || fail "not 2 held policies on app1: $before"

rc=0
plan --json >"$WORK/plan.json" || rc=$?
[ $rc = 2 ] || fail "plan --json of held deletions exited $rc, not 2"
jq -e '[.tenants[] | select(.held)] | length == 11' "$WORK/plan.json" >/dev/null ||
	fail "plan does not show 11 held tenants: $(jq -c '[.tenants[] | {id, held}]' "$WORK/plan.json")"
listed=$(jq -r '.tenants[] | select(.held) | .actions[] | select(.after_approval and .aws_call) |
	"\(.kind) \(if (.kind | test("role-policy")) then .subject else .resource end)"' "$WORK/plan.json" | sort)
[ "$listed" = "$before" ] || fail "plan lists for approval:
$listed
but AWS holds:
$before"
jq -e '.aws_calls == 0 and .aws_calls_held == '"$(echo "$before" | wc -l)" "$WORK/plan.json" >/dev/null ||
	fail "plan counts the held deletions as due: $(jq -c '{aws_calls, aws_calls_after_timers, aws_calls_held}' "$WORK/plan.json")"
# a held tenant's resources in order: the parameter before the profile it names
jq -e '.tenants[] | select(.id == "g3") | [.actions[] | .kind] | index("delete-parameter") < index("delete-profile")' \
	"$WORK/plan.json" >/dev/null || fail "g3's profile is listed before its parameter: $(jq -c '.tenants[] | select(.id == "g3")' "$WORK/plan.json")"

rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan of held deletions exited $rc, not 2: $out"
g1arn=$(echo "$before" | awk '/^delete-profile/ {print $2}' | while read -r a; do
	awsim_get state | jq -r --arg a "$a" '.accounts[].regions[].profiles[] | select(.arn == $a) |
		select(any(.tags[]?; (.value // .Value) == "g1")) | .arn'; done)
for l in "- delete-parameter /bedrock-tenants/g1/p1/profile-arn (once approved: bedrock-tenantctl approve-prune)" \
	"- delete-budget bedrock-tenant-g1 (once approved: bedrock-tenantctl approve-prune)" \
	"- delete-role-policy app1/bedrock-tenantd-g1 (once approved: bedrock-tenantctl approve-prune)" \
	"- arn: \"$g1arn\"" \
	"! deletions held by the prune gate until approved (bedrock-tenantctl approve-prune)"; do
	echo "$out" | grep -qF -- "$l" || fail "plan does not show '$l': $out"
done
echo "$out" | grep -q "^  - delete-profile g1-p1-.* (once approved: bedrock-tenantctl approve-prune)" ||
	fail "plan does not show g1's profile held: $out"
echo "$out" | tail -1 | grep -qF "0 AWS call(s) due now, 0 after timers, $(echo "$before" | wc -l) held by the prune gate" ||
	fail "plan's summary: $(echo "$out" | tail -1)"

# approved: exactly what plan listed goes
start_daemon
wait_until 60 "the held removals" held11
ctl approve-prune >/dev/null
none_left() { [ -z "$(live)" ] && status_json | jq -e '(.held_deletions | length) == 0' >/dev/null; }
wait_until 60 "the approved deletions made" none_left
after=$(awsim_get state | jq -r '[.accounts[].regions[].profiles[].arn, .accounts[].regions[].parameters[].name,
	.accounts[].budgets[].name, (.accounts[].roles[] | .name as $r | (.policies // {}) | keys[] | "\($r)/\(.)")] | .[]')
for k in g12 g13; do
	echo "$after" | grep -q "/$k/" || fail "the kept tenant $k lost its parameter"
done
[ "$(echo "$after" | grep -c "application-inference-profile")" = 2 ] || fail "not 2 profiles left: $after"
stop_daemon
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan after the approved deletions exited $rc, not 0: $out"
echo PASS
