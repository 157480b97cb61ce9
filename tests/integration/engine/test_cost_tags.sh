#!/usr/bin/env bash
# Cost-allocation tags (daemon/cost_tags.c): a budget filtered on bedrock-tenantd:tenant
# sees no spend while that key is not Active in the payer account's Cost Explorer.
# observe (the default) reports the key in status and leaves it; manage activates it,
# after which the budget sees the tenant's spend.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

start_awsim
write_config "cost_allocation_tags:
  check_interval: 5s"
write_budget_tenant acme 100 ""
start_daemon
wait_until 60 "acme Ready" all_ready

key_status() { status_json | jq -r '.cost_allocation_tags.keys[] | select(.key == "bedrock-tenantd:tenant") | .status'; }
problem() { status_json | jq -r '.cost_allocation_tags.problem'; }
actual_spend() {
	TARGET=AWSBudgetServiceGateway.DescribeBudget sign_call budgets POST / \
		'{"AccountId":"111122223333","BudgetName":"bedrock-tenant-acme"}' |
		jq -r '.Budget.CalculatedSpend.ActualSpend.Amount | tonumber'
}
converse() {
	local arn enc
	arn=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].arn')
	enc=$(jq -rn --arg a "$arn" '$a | @uri')
	python3 "$HERE/awscall.py" "$PORT" bedrock POST "/model/$enc/converse" \
		'{"messages":[{"role":"user","content":[{"text":"what does this cost, in a long sentence?"}]}]}' >/dev/null
}

# observe, before any spend: Cost Explorer has not seen the key
wait_eq 30 "the key read" NotSeen key_status
problem | grep -q 'budgets filtered on inactive tags see no spend: bedrock-tenantd:tenant' ||
	fail "no problem reported: $(status_json | jq -c .cost_allocation_tags)"
ctl status | grep -q '^cost tags .*see no spend: bedrock-tenantd:tenant' || fail "ctl status does not show it"

# spend through the tenant's profile: the key is known, Inactive; the budget sees nothing
converse
[ "$(ce_status)" = Inactive ] || fail "awsim did not record the key: $(ce_status)"
wait_eq 30 "the key seen Inactive" Inactive key_status
problem | grep -q 'see no spend: bedrock-tenantd:tenant$' || fail "problem: $(problem)"
[ "$(actual_spend)" = 0 ] || fail "the budget sees spend of an inactive key: $(actual_spend)"
sleep 6 # a check or more later, observe still has not touched it
[ "$(ce_status)" = Inactive ] || fail "observe mode activated the key"
[ "$(calls ce:UpdateCostAllocationTagsStatus)" = 0 ] || fail "observe mode called UpdateCostAllocationTagsStatus"

# manage (a reload): the key is activated in the payer account and the budget sees spend
write_config "cost_allocation_tags:
  mode: manage
  payer_account: prod
  check_interval: 5s"
kill -HUP "$DAEMON_PID"
wait_eq 30 "the key activated" Active key_status
[ "$(ce_status)" = Active ] || fail "Cost Explorer does not show the key Active"
[ "$(problem)" = null ] || fail "a problem remains: $(problem)"
converse
spend_seen() { [ "$(actual_spend | jq '. > 0')" = true ]; }
wait_until 10 "the budget sees spend" spend_seen
grep -q 'cost-allocation tags: bedrock-tenantd:tenant activated in prod' "$WORK/daemon.log" || fail "the activation is not logged"

# a configuration naming an unknown payer account is refused at its position
write_config "cost_allocation_tags:
  mode: manage
  payer_account: nosuch"
out=$("$DAEMON" validate --config "$WORK/config.yaml" 2>&1 || true)
echo "$out" | grep -q 'config.yaml:[0-9]*:[0-9]*: .*payer_account: nosuch is not an alias in accounts' ||
	fail "no positioned message for an unknown payer account: $out"
stop_daemon
echo "PASS"
