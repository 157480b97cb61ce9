#!/usr/bin/env bash
# AWS's paged listings may give an entry twice (one that changed while the pages were
# read). Listings that repeat the first entry of every page of profiles, parameters,
# tagged resources and budgets, resync after resync: each resource is taken once, as
# its first page showed it, with its own tags (a second copy took the tags kept for the
# first and came out with none: a conflict with a resource the tenant "does not own",
# every tenant Stalled and kept so by the next listings). Nothing is written, every
# tenant stays Ready, and is Ready once the listings are plain again. A budget's
# Budgets action, notification or subscriber given twice is one (not one to delete).
. "$(dirname "$0")/lib.sh"
start_awsim
create_role app budgets-exec
write_config "budget_actions:
  execution_role: budgets-exec"
for i in 1 2 3; do write_tenant "t$i"; done
write_budget_tenant b1 100 "80:actual:ops@example.com"
write_budget_tenant b2 200 "90:forecasted:ops@example.com" "[app]"
printf '    enforce: {at_percent: 100}\n' >"$WORK/enforce"
sed -i "/^  access:/e cat $WORK/enforce" "$WORK/tenants/b2.yaml"
grep -q "enforce:" "$WORK/tenants/b2.yaml" || fail "no enforce in b2's manifest"
# every budget's notifications audited each second (the audit's reads repeat too)
sed -i 's/^  settle: 100ms$/  settle: 100ms\n  alerts_audit_interval: 1s/' "$WORK/config.yaml"
grep -q "alerts_audit_interval: 1s" "$WORK/config.yaml" || fail "no audit interval in the configuration"
start_daemon
wait_until 60 "every tenant Ready" all_ready

writes() {
	awsim_get calls | jq '[to_entries[] | select(.key | test(":(Create|Delete|Put|Update|Tag|Untag)")) | .value.ok] | add'
}
listed() { calls ssm:DescribeParameters; }
before=$(writes)
repeat='{"operation": "%s", "repeat_percent": 100}'
ops="ListInferenceProfiles DescribeParameters GetParametersByPath GetResources DescribeBudgets DescribeBudgetActionsForAccount
	DescribeNotificationsForBudget DescribeSubscribersForNotification"
rules=$(for op in $ops; do printf "$repeat," "$op"; done)
awsim_put faults "{\"rules\": [${rules%,}]}"
for round in 1 2 3; do
	n=$(listed)
	ctl resync >/dev/null
	wait_until 30 "resync $round listed" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"ssm:DescribeParameters\"].ok // 0') -gt $n ]"
	wait_until 30 "resync $round reconciled" sh -c "[ \$($CTL_BIN --socket $WORK/control.sock --json status | jq '.queue.depth + .queue.reconciles_in_flight') = 0 ]"
	sleep 1
	all_ready || fail "round $round: not every tenant Ready on repeating listings: $(status_json | jq -c .tenants.by_state); $({ ctl tenants || true; } | grep -v Ready)"
done
[ "$(writes)" = "$before" ] || fail "$(($(writes) - before)) writes on repeating listings"
[ "$(status_json | jq .places_failing)" = 0 ] || fail "a listing taken as failed"

curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
ctl resync >/dev/null
sleep 2
wait_until 30 "every tenant Ready on plain listings" all_ready
[ "$(writes)" = "$before" ] || fail "writes after the listings are plain again"
one_profile_each 5
[ "$(calls budgets:CreateBudgetAction)" = 1 ] || fail "$(calls budgets:CreateBudgetAction) budget actions created, want 1"
