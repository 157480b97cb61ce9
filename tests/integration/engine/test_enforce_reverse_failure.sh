#!/usr/bin/env bash
# A reversal that fails (a role of the action deleted: Budgets stops at it and leaves
# REVERSE_FAILURE, the roles after it still denied) is read back at once, as a retry
# is: the tenant is in Error saying the reversal failed, its view says the roles are
# denied, and the reversal is retried (RETRY_BUDGET_ACTION), not taken for done and the
# action reset with a role still denied. Once the role exists again the retry lifts
# the denial and the action is reset (docs/operations.md, "Budget enforcement").
. "$(dirname "$0")/lib.sh"

state() { tenant_state acme; }

start_acme_enforcing "acme-app acme-ops" 10 enforce "acme-app, acme-ops"
acme_over_budget
[ "$(acme_deny_attached acme-ops)" = 1 ] || fail "acme-ops not denied"

# acme-app deleted by hand (the policies off it first, as IAM asks): Budgets'
# reversal stops at it, acme-ops stays denied
iam_by_hand DetachRolePolicy --data RoleName=acme-app \
	--data PolicyArn=arn:aws:iam::111122223333:policy/bedrock-tenants/bedrock-tenantd-acme-deny
iam_by_hand DeleteRolePolicy --data RoleName=acme-app --data PolicyName=bedrock-tenantd-acme
iam_by_hand DeleteRole --data RoleName=acme-app
write_acme_enforcing 20 enforce "acme-app, acme-ops"
wait_eq 30 "the reversal failed" REVERSE_FAILURE acme_action_status
wait_eq 30 "acme in Error" Error state
sleep 2
[ "$(acme_action_status)" = REVERSE_FAILURE ] || fail "the failed reversal was taken for done: the action is $(acme_action_status)"
[ "$(acme_deny_attached acme-ops)" = 1 ] || fail "acme-ops not denied"
grep -q "execute-budget-action bedrock-tenant-acme.*REVERSE_FAILURE: the enforcement action of budget bedrock-tenant-acme failed to reverse" "$WORK/daemon.log" ||
	fail "the failed reversal is not logged with its reason"
wait_until 30 "the reversal retried" grep -q "failed to reverse again" "$WORK/daemon.log"
line=$(ctl tenant acme | grep "^enforcement" || true)
case "$line" in
*"action REVERSE_FAILURE (under the threshold again, but the reversal failed: the roles are denied; retried)"*) ;;
*) fail "bedrock-tenantctl tenant does not say the roles are denied: $line" ;;
esac

# acme-app made again: the retry lifts the denial, the action is reset, acme Ready
create_role acme-app
wait_eq 60 "the action reset" STANDBY acme_action_status
wait_eq 30 "acme-ops no longer denied" 0 acme_deny_attached acme-ops
wait_eq 60 "acme Ready" Ready state
stop_daemon
