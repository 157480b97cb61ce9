#!/usr/bin/env bash
# `bedrock-tenantd plan` and cost-allocation tags: with cost_allocation_tags.mode manage
# the daemon activates, at its start, a tag key its budgets filter on that Cost Explorer
# lists Inactive; plan shows that activation (an AWS change due now, exit 2) and nothing
# once it is Active or while Cost Explorer has not seen the key (it cannot be
# activated). In observe mode (the default) the daemon writes nothing and plan does not
# call Cost Explorer.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config "cost_allocation_tags:
  mode: manage
  check_interval: 5s"
write_budget_tenant acme 100 ""
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }
start_daemon
wait_until 60 "acme Ready" all_ready
stop_daemon
[ "$(ce_status)" = "" ] || fail "Cost Explorer knows the key before any spend: $(ce_status)"
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan with a key Cost Explorer has not seen exited $rc, not 0: $out"

# spend through the profile: Cost Explorer sees the key, Inactive
converse "$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].arn')"
[ "$(ce_status)" = Inactive ] || fail "the key is not Inactive after spend: $(ce_status)"
rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan of an inactive key in manage mode exited $rc, not 2: $out"
echo "$out" | grep -qF "~ activate-cost-allocation-tag bedrock-tenantd:tenant" || fail "plan does not show the activation: $out"
echo "$out" | tail -1 | grep -qF "1 AWS call(s) due now" || fail "plan's summary: $(echo "$out" | tail -1)"
rc=0
plan --json >"$WORK/plan.json" || rc=$?
[ $rc = 2 ] || fail "plan --json exited $rc, not 2"
jq -e '.aws_calls == 1 and .cost_allocation_tags.mode == "manage" and
	(.cost_allocation_tags.actions | map(.kind + " " + .resource) == ["activate-cost-allocation-tag bedrock-tenantd:tenant"]) and
	(.cost_allocation_tags.keys == [{"key": "bedrock-tenantd:tenant", "status": "Inactive"}])' "$WORK/plan.json" >/dev/null ||
	fail "plan --json: $(jq -c '{aws_calls, cost_allocation_tags}' "$WORK/plan.json")"
[ "$(calls ce:UpdateCostAllocationTagsStatus)" = 0 ] || fail "plan activated the key"

# the daemon does what plan said, and plan then has nothing to do
awsim_put calls/reset
start_daemon
wait_until 30 "the key activated" eval '[ "$(ce_status)" = Active ]'
[ "$(calls ce:UpdateCostAllocationTagsStatus)" = 1 ] || fail "the daemon activated the key $(calls ce:UpdateCostAllocationTagsStatus) times"
stop_daemon
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan after the activation exited $rc, not 0: $out"

# observe: no Cost Explorer call from plan
sed -i 's/mode: manage/mode: observe/' "$WORK/config.yaml"
awsim_put calls/reset
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan in observe mode exited $rc, not 0: $out"
[ "$(calls ce:ListCostAllocationTags)" = 0 ] || fail "plan in observe mode read Cost Explorer"
echo PASS
