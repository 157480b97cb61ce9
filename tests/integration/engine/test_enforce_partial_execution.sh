#!/usr/bin/env bash
# Budgets attaches the deny policy role by role and stops at a missing one
# (EXECUTION_FAILURE): the roles before it are denied. Once the spend is under the
# threshold again (the limit raised), the daemon detaches the policy from the action's
# roles the failed execution left it on, then resets the action: the tenant is not
# left partly denied with an action in STANDBY, and its view says what is true
# (docs/operations.md, "Budget enforcement", "Failed actions").
. "$(dirname "$0")/lib.sh"

state() { tenant_state acme; }

start_acme_enforcing "acme-app acme-ops" 10 enforce "acme-app, acme-ops"
wait_eq 30 "the action in STANDBY" STANDBY acme_action_status

# acme-ops goes (its inline policy first), then the spend crosses: Budgets attaches
# the policy to acme-app and fails at acme-ops
iam_by_hand DeleteRolePolicy --data RoleName=acme-ops --data PolicyName=bedrock-tenantd-acme
iam_by_hand DeleteRole --data RoleName=acme-ops
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"10.5"}' || fail "set spend"
[ "$(acme_action_status)" = EXECUTION_FAILURE ] || fail "awsim: the action is $(acme_action_status), not EXECUTION_FAILURE"
[ "$(acme_deny_attached)" = 1 ] || fail "awsim: the failed execution did not attach the policy to acme-app"
ctl resync >/dev/null
wait_eq 30 "acme in Error while the action cannot execute" Error state
line=$(ctl tenant acme | grep "^enforcement" || true)
case "$line" in
*"failed to execute part way: role acme-app is denied"*) ;;
*) fail "bedrock-tenantctl tenant does not say acme-app is denied: $line" ;;
esac

# the limit raised: under the threshold, the policy comes off acme-app, then the
# action is reset (acme-ops still missing: the tenant's error is its inline policy's)
write_acme_enforcing 20 enforce "acme-app, acme-ops"
wait_eq 30 "the deny policy detached from acme-app" 0 acme_deny_attached
wait_eq 30 "the action reset" STANDBY acme_action_status
tenant_json acme | jq -e '.history | any(.event | test("detached deny policy bedrock-tenantd-acme-deny from the roles its failed action attached it to"))' >/dev/null ||
	fail "the history does not say why the policy was detached: $(tenant_json acme | jq -c '[.history[].event]')"

# acme-ops made again: Ready, not denied, the action ready to act again
create_role acme-ops
ctl reconcile acme >/dev/null || true
wait_eq 60 "acme Ready" Ready state
[ "$(acme_deny_attached)" = 0 ] || fail "acme-app denied again"
line=$(ctl tenant acme | grep "^enforcement" || true)
case "$line" in
*"denied"*) fail "the tenant's view says a role is denied: $line" ;;
esac
[ "$(acme_action_status)" = STANDBY ] || fail "the action is $(acme_action_status)"
stop_daemon
