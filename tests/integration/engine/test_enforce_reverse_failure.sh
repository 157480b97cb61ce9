#!/usr/bin/env bash
# A reversal that fails (a role of the action deleted: Budgets stops at it and leaves
# REVERSE_FAILURE, the roles after it still denied) is read back at once, as a retry
# is: the tenant is in Error saying the reversal failed, its view says the roles are
# denied, and the reversal is retried (RETRY_BUDGET_ACTION), not taken for done and the
# action reset with a role still denied. Once the role exists again the retry lifts
# the denial and the action is reset (docs/operations.md, "Budget enforcement").
. "$(dirname "$0")/lib.sh"

start_awsim
create_role acme-app acme-ops budgets-exec
write_config "budget_actions:
  execution_role: budgets-exec"

action_status() {
	TARGET=AWSBudgetServiceGateway.DescribeBudgetActionsForAccount sign_call budgets POST / \
		'{"AccountId":"111122223333"}' |
		jq -r '[.Actions[] | select(.BudgetName == "bedrock-tenant-acme")][0].Status // "none"'
}
state() { tenant_state acme; }
iam() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "Action=$1&Version=2010-05-08" "${@:2}" \
		"http://127.0.0.1:$PORT/" >/dev/null || fail "$1 by hand"
}
# ops_denied: 1 when acme's deny policy is attached to acme-ops, else 0.
ops_denied() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=acme-ops" "http://127.0.0.1:$PORT/" |
		grep -c "bedrock-tenantd-acme-deny</PolicyArn>" || true
}
manifest() {
	cat >"$WORK/tenants/acme.yaml.tmp" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: acme
spec:
  profiles:
    - name: p1
      model: anthropic.claude-3-5-haiku-20241022-v1:0
  budget:
    limit_usd: $1
    alerts:
      - threshold_percent: 80
        emails: [ops@example.com]
    enforce: {at_percent: 100}
  access:
    roles: [acme-app, acme-ops]
YAML
	mv "$WORK/tenants/acme.yaml.tmp" "$WORK/tenants/acme.yaml"
}

manifest 10
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_eq 60 "acme Ready" Ready state
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"10.5"}' || fail "set spend"
ctl resync >/dev/null
wait_eq 30 "acme OverBudget" OverBudget state
[ "$(ops_denied)" = 1 ] || fail "acme-ops not denied"

# acme-app deleted by hand (the policies off it first, as IAM asks): Budgets'
# reversal stops at it, acme-ops stays denied
iam DetachRolePolicy --data RoleName=acme-app \
	--data PolicyArn=arn:aws:iam::111122223333:policy/bedrock-tenants/bedrock-tenantd-acme-deny
iam DeleteRolePolicy --data RoleName=acme-app --data PolicyName=bedrock-tenantd-acme
iam DeleteRole --data RoleName=acme-app
manifest 20
wait_eq 30 "the reversal failed" REVERSE_FAILURE action_status
wait_eq 30 "acme in Error" Error state
sleep 2
[ "$(action_status)" = REVERSE_FAILURE ] || fail "the failed reversal was taken for done: the action is $(action_status)"
[ "$(ops_denied)" = 1 ] || fail "acme-ops not denied"
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
wait_eq 60 "the action reset" STANDBY action_status
wait_eq 30 "acme-ops no longer denied" 0 ops_denied
wait_eq 60 "acme Ready" Ready state
stop_daemon
