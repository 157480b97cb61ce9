#!/usr/bin/env bash
# An enforcing tenant's role deleted while the tenant is over budget (its deny policy
# detached and its inline policy deleted first, as IAM asks before DeleteRole), then
# made again: while it is missing the tenant is in Error naming the role, retried, not
# Stalled; once it exists again the tenant heals by itself, as a missing role does for
# the inline policy (docs/operations.md): the inline policy written, the deny policy
# attached again, OverBudget.
. "$(dirname "$0")/lib.sh"

POLICY=bedrock-tenantd-acme-deny
POLICY_ARN=arn:aws:iam::111122223333:policy/bedrock-tenants/$POLICY

has_inline() { [ -n "$(role_policy acme-app bedrock-tenantd-acme)" ]; }
state() { tenant_state acme; }

start_acme_enforcing "acme-app"
acme_over_budget
[ "$(acme_deny_attached)" = 1 ] || fail "the deny policy is not attached over budget"

iam_by_hand DetachRolePolicy --data RoleName=acme-app --data-urlencode "PolicyArn=$POLICY_ARN"
iam_by_hand DeleteRolePolicy --data RoleName=acme-app --data PolicyName=bedrock-tenantd-acme
iam_by_hand DeleteRole --data RoleName=acme-app
ctl resync >/dev/null
wait_eq 30 "acme in Error while its role is missing" Error state
tenant_json acme | jq -e '.last_error | test("acme-app")' >/dev/null ||
	fail "the error does not name the role: $(tenant_json acme | jq -c .last_error)"
sleep 3
[ "$(state)" = Error ] || fail "acme $(state) while its role is missing"
create_role acme-app
wait_eq 30 "the deny policy attached to the role made again" 1 acme_deny_attached
wait_until 30 "the inline policy written again" has_inline
wait_eq 30 "acme OverBudget again" OverBudget state
stop_daemon
