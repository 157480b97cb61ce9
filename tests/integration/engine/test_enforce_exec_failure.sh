#!/usr/bin/env bash
# An enforcing tenant's role missing when the spend crosses the threshold: Budgets
# leaves the action in EXECUTION_FAILURE. The tenant is in Error saying the action
# failed to execute, retried with backoff (RETRY_BUDGET_ACTION, not in a tight loop),
# never Stalled; once the role exists again the retry executes the action by itself:
# the deny policy attached, OverBudget, without a command (docs/operations.md,
# "Budget enforcement").
. "$(dirname "$0")/lib.sh"

state() { tenant_state acme; }

start_acme_enforcing "acme-app"
wait_eq 30 "the action in STANDBY" STANDBY acme_action_status

# the role goes (its inline policy first, as IAM asks), then the spend crosses
iam_by_hand DeleteRolePolicy --data RoleName=acme-app --data PolicyName=bedrock-tenantd-acme
iam_by_hand DeleteRole --data RoleName=acme-app
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"10.5"}' || fail "set spend"
[ "$(acme_action_status)" = EXECUTION_FAILURE ] || fail "awsim: the action is $(acme_action_status), not EXECUTION_FAILURE"
ctl resync >/dev/null
wait_eq 30 "acme in Error while the action cannot execute" Error state
# the tenant's view says why (its error is the reconcile's first: the inline policy's
# missing role, or the action's)
line=$(ctl tenant acme | grep "^enforcement" || true) # exit 1: the tenant is in Error
case "$line" in
*"action EXECUTION_FAILURE (over budget, but the action failed to execute"*) ;;
*) fail "bedrock-tenantctl tenant does not say the action failed: $line" ;;
esac
grep -q "execute-budget-action bedrock-tenant-acme/action.*failed: EXECUTION_FAILURE: the enforcement action of budget bedrock-tenant-acme failed to execute again" "$WORK/daemon.log" ||
	fail "the failed retry is not logged with its reason"
tries=$(calls budgets:ExecuteBudgetAction)
[ "$tries" -ge 1 ] || fail "the execution was never retried"
sleep 4
[ "$(state)" = Error ] || fail "acme $(state) while its role is missing"
more=$(calls budgets:ExecuteBudgetAction)
# the backoff of lib.sh's configuration (200ms doubling to 2s, full jitter): a few
# retries in 4 s; a loop without it would make hundreds
[ $((more - tries)) -le 15 ] || fail "$((more - tries)) retries in 4 s: not backing off"

# the role made again: the retry executes the action, without a command
create_role acme-app
wait_eq 60 "the action executed" EXECUTION_SUCCESS acme_action_status
wait_eq 30 "the deny policy attached" 1 acme_deny_attached
wait_eq 30 "acme OverBudget" OverBudget state
tenant_json acme | jq -e '.last_error == null or .last_error == ""' >/dev/null ||
	fail "acme still shows an error: $(tenant_json acme | jq -c .last_error)"
stop_daemon
