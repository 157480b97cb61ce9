#!/usr/bin/env bash
# The reversal refused (ExecuteBudgetAction not permitted) once the limit of an
# over-budget tenant is raised: the tenant is not OverBudget and its error names the
# budget whose action it is; bedrock-tenantctl tenant says the roles are still denied,
# not that the tenant is over budget (its spend is under the threshold now). Once the
# daemon may execute the action, the reversal lifts the denial and the tenant is Ready.
. "$(dirname "$0")/lib.sh"

state() { tenant_state acme; }

start_acme_enforcing "acme-app" 10
acme_over_budget

awsim_put faults '{"rules": [{"service": "budgets", "operation": "ExecuteBudgetAction", "error_percent": 100,
	"error": {"status": 400, "code": "AccessDeniedException", "message": "not allowed"}}]}' || fail "fault plan"
write_acme_enforcing 20
wait_eq 30 "acme Stalled, the reversal refused" Stalled state
tenant_json acme | jq -e '.last_error | test("execute-budget-action bedrock-tenant-acme: AccessDeniedException")' >/dev/null ||
	fail "the error does not name the budget: $(tenant_json acme | jq -c .last_error)"
[ "$(acme_deny_attached)" = 1 ] || fail "the deny policy is not attached any more"
out=$(ctl tenant acme 2>/dev/null || true)
line=$(grep "^enforcement" <<<"$out" || true)
grep -q "action EXECUTION_SUCCESS (under the threshold again, but not reversed yet: the roles are denied)" <<<"$line" ||
	fail "the enforcement line: $line"

curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null || fail "clear the fault plan"
ctl reconcile acme >/dev/null || true
wait_eq 30 "the deny policy detached by the reversal" 0 acme_deny_attached
wait_eq 30 "acme Ready" Ready state
stop_daemon
