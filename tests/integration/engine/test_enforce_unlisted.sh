#!/usr/bin/env bash
# Budget enforcement while the daemon cannot list it (DescribeBudgetActionsForAccount
# failing): an enforcing tenant over budget is Stalled with the reason, and once the
# listing reads it again (a resync) it is OverBudget again without a command. Removing
# enforce meanwhile does not make it Ready while its deny policy still denies its
# role (the daemon made it and has not seen it gone): it says why, plan too; once the
# listing reads it, the action and the policy go and the tenant is Ready, and stays
# so when the listing fails again.
. "$(dirname "$0")/lib.sh"

action_count() {
	TARGET=AWSBudgetServiceGateway.DescribeBudgetActionsForAccount sign_call budgets POST / \
		'{"AccountId":"111122223333"}' | jq -r '[.Actions[] | select(.BudgetName == "bedrock-tenant-acme")] | length'
}
state() { tenant_state acme; }
unlisted() {
	awsim_put faults '{"rules": [{"service": "budgets", "operation": "DescribeBudgetActionsForAccount",
		"error_percent": 100, "error": {"status": 500, "code": "InternalErrorException", "message": "boom"}}]}' ||
		fail "fault plan"
}
listed() { curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null || fail "clear the fault plan"; }
says_unobserved() {
	tenant_json acme | jq -e '.last_error // "" | test("budget enforcement cannot be observed: DescribeBudgetActionsForAccount")' >/dev/null
}

start_acme_enforcing "acme-app"
acme_over_budget
[ "$(acme_deny_attached)" = 1 ] || fail "the deny policy is not attached over budget"

# Restarted while the actions cannot be listed: Stalled, saying why; listed again at
# a resync, OverBudget again by itself.
stop_daemon
unlisted
start_daemon
wait_eq 60 "acme Stalled, enforcement unlisted" Stalled state
says_unobserved || fail "the tenant does not say why: $(tenant_json acme | jq -c '{state, last_error}')"
listed
ctl resync >/dev/null
wait_eq 30 "acme OverBudget once the actions are listed again" OverBudget state

# Unlisted again, then enforce removed: the role is still denied, so not Ready.
stop_daemon
unlisted
start_daemon
wait_eq 60 "acme Stalled, enforcement unlisted" Stalled state
write_acme_enforcing 10 none
ctl reconcile acme >/dev/null || true
sleep 3
[ "$(acme_deny_attached)" = 1 ] || fail "the deny policy was detached although nothing could list it"
[ "$(state)" != Ready ] || fail "acme Ready while its role is denied and the enforcement is unlisted"
says_unobserved || fail "the tenant does not say why: $(tenant_json acme | jq -c '{state, last_error}')"
rc=0
out=$("$DAEMON" plan --config "$WORK/config.yaml" 2>&1) || rc=$?
grep -q "budget enforcement cannot be observed" <<<"$out" || fail "plan (exit $rc) does not say it: $out"
# listed again: the action and the policy go, the role is allowed, Ready
listed
ctl resync >/dev/null
wait_eq 30 "the deny policy detached" 0 acme_deny_attached
wait_eq 30 "the action deleted" 0 action_count
wait_eq 30 "acme Ready without enforcement" Ready state
# its enforcement seen gone, the tenant no longer waits for the listing of it
stop_daemon
unlisted
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_eq 30 "acme Ready, enforcement unlisted but gone" Ready state
stop_daemon
