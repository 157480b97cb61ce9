#!/usr/bin/env bash
# An enforcing tenant (spec.budget.enforce) that moves to another account
# (docs/operations.md "Moves"): over budget in the old account (its role denied), it
# moves; once the move is over, the old account holds nothing of it: its Budgets action
# deleted (before its budget), its deny policy detached from every role (one attached
# by hand too) and deleted. In the new account enforcement works: a deny policy and an
# action of its own, and over budget there the role is denied and the tenant OverBudget.
# The new account's policy is not touched by the old one's deletion.
. "$(dirname "$0")/lib.sh"
DRAIN=${DRAIN:-2s}
AKEY=$AWS_ACCESS_KEY_ID
ASECRET=$AWS_SECRET_ACCESS_KEY
POLICY=bedrock-tenantd-acme-deny
start_awsim_two_accounts
write_config "budget_actions:
  execution_role: budgets-exec"
add_other_account
create_role app budgets-exec other-app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app budgets-exec

# write_acme [ACCOUNT]: acme, enforcing at 100 % of 10 USD
write_acme() {
	cat >"$WORK/tenants/acme.yaml.tmp" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: acme
spec:
$([ -z "${1:-}" ] || echo "  account: $1")
  tags: {CostCenter: eng}
  profiles:
    - name: p1
      model: anthropic.claude-3-5-haiku-20241022-v1:0
  budget:
    limit_usd: 10
    alerts:
      - threshold_percent: 80
        emails: [ops@example.com]
    enforce: {at_percent: 100}
  access: {roles: [app]}
YAML
	mv "$WORK/tenants/acme.yaml.tmp" "$WORK/tenants/acme.yaml"
}

# keys ACCOUNT: the access key and secret of ACCOUNT's credentials
keys() { if [ "$1" = "$A" ]; then echo "$AKEY:$ASECRET"; else echo "$BKEY:$BSECRET"; fi; }
# iam ACCOUNT QUERY...: an IAM call in ACCOUNT (its answer's XML)
iam() {
	local acct=$1
	shift
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$(keys "$acct")" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "Version=2010-05-08" "$@" \
		"http://127.0.0.1:$PORT/"
}
policy_arn() { echo "arn:aws:iam::$1:policy/bedrock-tenants/$POLICY"; }
# the deny policy exists in ACCOUNT: 1 or 0
policy_exists() {
	iam "$1" --data "Action=ListPolicies&Scope=Local&PathPrefix=/bedrock-tenants/" |
		grep -c "<PolicyName>$POLICY</PolicyName>" || true
}
# attached ACCOUNT ROLE: 1 when the deny policy is attached to ROLE in ACCOUNT
attached() {
	iam "$1" --data "Action=ListAttachedRolePolicies&RoleName=$2" |
		grep -c "<PolicyArn>$(policy_arn "$1")</PolicyArn>" || true
}
# actions ACCOUNT: the account's Budgets actions on acme's budget (JSON)
actions() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:budgets" --user "$(keys "$1")" -X POST \
		-H "Content-Type: application/x-amz-json-1.1" \
		-H "X-Amz-Target: AWSBudgetServiceGateway.DescribeBudgetActionsForAccount" \
		--data "{\"AccountId\":\"$1\"}" "http://127.0.0.1:$PORT/" |
		jq -c '[.Actions[] | select(.BudgetName == "bedrock-tenant-acme")]'
}
action_status() { actions "$1" | jq -r '.[0].Status // "none"'; }
action_count() { actions "$1" | jq -r 'length'; }
budgets_in() { awsim_get state | jq -r --arg a "$1" '[.accounts[] | select(.id == $a) | .budgets[]? | select(.name == "bedrock-tenant-acme")] | length'; }
# spend ACCOUNT USD: acme's budget's actual spend in ACCOUNT (Budgets acts at once)
spend() {
	awsim_put budgets/bedrock-tenant-acme/spend "{\"actual\":\"$2\",\"account\":\"$1\"}" || fail "set spend in $1"
	ctl resync >/dev/null
}
# converse ACCOUNT ARN: role app of ACCOUNT invokes ARN (prints the answer or the error)
converse() {
	app_session "$1" app "$(keys "$1")"
	app_converse "$2"
}
denied() {
	app_session "$1" app "$(keys "$1")"
	app_denied "$2"
}
moving() { tenant_json acme | jq -r '.moving_from | length'; }
state() { tenant_state acme; }

# 1. acme in A, over budget: its action executed, the policy attached, the role denied
write_acme
start_daemon
wait_eq 60 "acme Ready in $A" Ready state
old=$(ctl resolve acme p1 | tail -n1)
case $old in *:$A:*) ;; *) fail "resolve: $old" ;; esac
[ "$(policy_exists $A)" = 1 ] || fail "no deny policy in $A"
[ "$(action_count $A)" = 1 ] || fail "actions in $A: $(actions $A)"
converse $A "$old" >/dev/null || fail "the role cannot invoke before the spend: $(converse $A "$old")"
spend $A 10.5
[ "$(action_status $A)" = EXECUTION_SUCCESS ] || fail "the action did not execute in $A: $(actions $A)"
denied $A "$old" || fail "the role in $A is not denied: $(converse $A "$old")"
wait_eq 30 "acme OverBudget in $A" OverBudget state
# attached by hand to another role of A as well: detached from it too
iam $A --data "Action=AttachRolePolicy&RoleName=other-app" --data-urlencode "PolicyArn=$(policy_arn $A)" >/dev/null ||
	fail "AttachRolePolicy by hand"

# 2. the move to B: over once nothing of acme is left in A
write_acme other
in_b() { case $(ctl resolve acme p1 2>/dev/null) in *:$B:*) return 0 ;; esac; return 1; }
wait_until 60 "resolve answers the profile in $B" in_b
new=$(ctl resolve acme p1 | tail -n1)
wait_eq 60 "the move over" 0 moving
[ "$(budgets_in $A)" = 0 ] || fail "acme's budget is left in $A"
[ "$(action_count $A)" = 0 ] || fail "acme's action is left in $A: $(actions $A)"
[ "$(calls budgets:DeleteBudgetAction)" = 1 ] ||
	fail "the action in $A was not deleted before its budget: DeleteBudgetAction $(calls budgets:DeleteBudgetAction) times"
[ "$(attached $A app)" = 0 ] || fail "the deny policy is still attached to app in $A"
[ "$(attached $A other-app)" = 0 ] || fail "the deny policy is still attached to other-app in $A"
[ "$(policy_exists $A)" = 0 ] || fail "the deny policy is left in $A"
out=$(ctl tenant acme || true)
grep -qi "deleted deny policy $POLICY" <<<"$out" || fail "history: $out"

# 3. enforcement in B: its own policy and action, over budget there -> denied
[ "$(policy_exists $B)" = 1 ] || fail "no deny policy in $B"
a=$(actions $B)
jq -e --arg p "$(policy_arn $B)" --arg r "arn:aws:iam::$B:role/budgets-exec" 'length == 1 and
	(.[0] | .Definition.IamActionDefinition.PolicyArn == $p and .Definition.IamActionDefinition.Roles == ["app"] and
	.ExecutionRoleArn == $r and .Status == "STANDBY")' <<<"$a" >/dev/null || fail "the action in $B: $a"
wait_eq 30 "acme Ready in $B (under budget there)" Ready state
converse $B "$new" >/dev/null || fail "the role in $B cannot invoke: $(converse $B "$new")"
spend $B 11
[ "$(action_status $B)" = EXECUTION_SUCCESS ] || fail "the action did not execute in $B: $(actions $B)"
denied $B "$new" || fail "the role in $B is not denied: $(converse $B "$new")"
wait_eq 30 "acme OverBudget in $B" OverBudget state
# the old account's deletion left the new policy's record alone: no new version made
ctl resync >/dev/null
wait_eq 30 "acme still OverBudget after a resync" OverBudget state
[ "$(calls iam:CreatePolicyVersion)" = 0 ] || fail "the policy in $B was rewritten: CreatePolicyVersion $(calls iam:CreatePolicyVersion) times"
[ "$(calls iam:CreatePolicy)" = 2 ] || fail "CreatePolicy $(calls iam:CreatePolicy) times (one per account)"
stop_daemon
echo PASS
