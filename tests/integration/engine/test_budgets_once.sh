#!/usr/bin/env bash
# A budget (and an inline role policy) is the account's, not a Region's: with tenants
# of one account in two Regions sharing a role, after a listing each place holds only
# its own tenants' budgets (`held` in /v1/places) while `used` still counts every
# budget of the account; a tenant's JSON shows its budget with its spend and its role
# policy applied, a steady resync writes nothing, and a tenant moved to the other
# Region keeps its budget (never made again, not even tried) and is Ready there.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role app
write_budget_tenant east1 100 "80:actual:a@example.com" "[app]"
write_budget_tenant east2 200 "80:actual:b@example.com" "[app]"
write_budget_tenant west1 300 "80:actual:c@example.com" "[app]"
spec_set west1 "region: us-west-2"
start_daemon
wait_until 60 "every tenant Ready" all_ready

# budgets: "used held" of a place
place_budgets() { ctl --json places | jq -r --arg p "$1" '.places[] | select(.place == $p) | "\(.budgets.used) \(.budgets.held)"'; }
awsim_put budgets/bedrock-tenant-west1/spend '{"actual":"12.5","forecasted":"40"}'
ctl resync >/dev/null
wait_eq 30 "us-east-1 holds its two tenants' budgets of the account's three" "3 2" place_budgets -/us-east-1
wait_eq 30 "us-west-2 holds its tenant's budget of the account's three" "3 1" place_budgets -/us-west-2
spend() { tenant_json west1 | jq -r '.observed.budgets[0] | "\(.name) \(.actual_spend_usd)/\(.forecasted_spend_usd)"'; }
wait_eq 30 "west1's budget and its spend" "bedrock-tenant-west1 12.5/40" spend
for t in east1 east2; do
	[ "$(tenant_json $t | jq -r '.observed.budgets | length')" = 1 ] || fail "$t does not show its budget"
done
applied() { tenant_json "$1" | jq -r '[.observed.role_policies[] | "\(.role):\(.applied):\(.role_exists)"] | join(" ")'; }
for t in east1 east2 west1; do
	[ "$(applied $t)" = "app:true:true" ] || fail "$t's role policy: $(tenant_json $t | jq -c .observed.role_policies)"
done

# steady: a resync writes nothing
awsim_put calls/reset
ctl resync >/dev/null
wait_until 30 "a listing" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"budgets:DescribeBudgets\"].ok // 0') -ge 1 ]"
wait_until 30 "Ready" all_ready
sleep 1
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "steady state made mutating calls: $(awsim_get calls | jq -c .)"

# east2 moves to us-west-2: its budget (left to us-east-1 by us-west-2's listings) stays
awsim_put calls/reset
spec_set east2 "region: us-west-2"
region() { tenant_json east2 | jq -r '.place.region'; }
wait_eq 30 "east2 placed in us-west-2" us-west-2 region
moved() { [ "$(tenant_json east2 | jq -r '.moving_from | length')" = 0 ] && state_is east2 Ready; }
wait_until 60 "east2's move over, Ready" moved
[ "$(tenant_json east2 | jq -r '.observed.budgets[0].name')" = bedrock-tenant-east2 ] ||
	fail "east2 does not show its budget in us-west-2: $(tenant_json east2 | jq -c .observed.budgets)"
# not even tried: the account's budget exists (a create would be refused as a duplicate)
tried() { awsim_get calls | jq -r --arg op "$1" '(.[$op].ok // 0) + (.[$op].failed // 0)'; }
[ "$(tried budgets:CreateBudget)" = 0 ] && [ "$(tried budgets:DeleteBudget)" = 0 ] ||
	fail "the move made (or tried to make) or deleted a budget: $(awsim_get calls | jq -c .)"
wait_eq 30 "east2's role policy applied in us-west-2" "app:true:true" applied east2
ctl resync >/dev/null
wait_eq 30 "us-east-1 holds east1's budget" "3 1" place_budgets -/us-east-1
wait_eq 30 "us-west-2 holds west1's and east2's" "3 2" place_budgets -/us-west-2
wait_until 30 "every tenant Ready" all_ready
for t in east1 east2 west1; do
	[ "$(applied $t)" = "app:true:true" ] || fail "$t's role policy: $(tenant_json $t | jq -c .observed.role_policies)"
done
stop_daemon
echo PASS
