#!/usr/bin/env bash
# Budget enforcement end to end (spec.budget.enforce): the daemon keeps a deny policy
# and a Budgets action; the tenant's role invokes its profile until the spend crosses
# the threshold, then AWS Budgets attaches the policy, Converse is denied and the
# tenant is OverBudget; the policy detached by hand is attached again (moved by hand to
# another role too, AttachmentCount unchanged), and one attached
# by hand under budget is left and said to deny; a raised limit or a new budget period
# reverses it (Ready, and allowed again); a policy or an action deleted by hand is made again; a change of the
# alerts' subscribers alone updates the action; a role taken out while over budget is
# detached; versions of the policy made by hand up
# to IAM's limit of five stop neither a new one (the oldest non-default goes) nor the
# deletion; removing enforce deletes the action and detaches and deletes the policy.
. "$(dirname "$0")/lib.sh"

POLICY=bedrock-tenantd-acme-deny
POLICY_ARN=arn:aws:iam::111122223333:policy/bedrock-tenants/$POLICY

start_awsim
create_role acme-app budgets-exec other-app
write_config "budget_actions:
  execution_role: budgets-exec"

# enforced_tenant LIMIT [ENFORCE]: acme, with its role, a budget of LIMIT USD and, unless
# ENFORCE is "none", enforcement at 100 %.
enforced_tenant() {
	cat >"$WORK/tenants/acme.yaml.tmp" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: acme
spec:
  tags:
    CostCenter: eng
  profiles:
    - name: p1
      model: anthropic.claude-3-5-haiku-20241022-v1:0
$([ -z "${SECOND:-}" ] || printf '    - name: p2\n      model: anthropic.claude-3-5-haiku-20241022-v1:0')
  budget:
    limit_usd: $1
    alerts:
      - threshold_percent: 80
        emails: [${EMAIL:-ops@example.com}]
$([ "${2:-}" = none ] || echo "    enforce: {at_percent: 100}")
  access:
    roles: [${ROLES:-acme-app}]
YAML
	mv "$WORK/tenants/acme.yaml.tmp" "$WORK/tenants/acme.yaml"
}

actions() {
	TARGET=AWSBudgetServiceGateway.DescribeBudgetActionsForAccount sign_call budgets POST / \
		'{"AccountId":"111122223333"}' | jq -c '[.Actions[] | select(.BudgetName == "bedrock-tenant-acme")]'
}
action_status() { actions | jq -r '.[0].Status // "none"'; }
action_count() { actions | jq -r 'length'; }
# the deny policy as awsim keeps it (versions with their documents), or null
policy_state() {
	awsim_get state | jq -c --arg a "$POLICY_ARN" '[.. | objects | select(.arn? == $a and has("versions"))] | .[0]'
}
policy_version() { policy_state | jq -r '"v\(.default_version) of \(.versions | length)"'; }
# attached [ROLE]: 1 when the deny policy is attached to ROLE (acme-app), else 0
attached() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=${1:-acme-app}" "http://127.0.0.1:$PORT/" |
		grep -c "<PolicyArn>$POLICY_ARN</PolicyArn>" || true
}
policy_exists() {
	curl -s --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=ListPolicies&Version=2010-05-08&Scope=Local&PathPrefix=/bedrock-tenants/" \
		"http://127.0.0.1:$PORT/" | grep -c "<PolicyName>$POLICY</PolicyName>" || true
}

# iam_role_policy Attach|Detach [ROLE]: the deny policy attached to or detached from
# ROLE (acme-app) by hand
iam_role_policy() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=$1RolePolicy&Version=2010-05-08&RoleName=${2:-acme-app}&PolicyArn=$POLICY_ARN" \
		"http://127.0.0.1:$PORT/" >/dev/null || fail "$1RolePolicy ${2:-acme-app}"
}

# The tenant's application: its role's session, Converse through its profile ARN.
app_session 111122223333 acme-app
# converse: prints the answer (or the error) and fails like the call
converse() { app_converse "$ARN"; }
allowed() { converse >/dev/null; }
denied() { app_denied "$ARN"; }
# over SPEND: AWS's spend (the admin API), which Budgets acts on at once; a resync reads it
spend() {
	awsim_put budgets/bedrock-tenant-acme/spend "{\"actual\":\"$1\"}" || fail "set spend"
	ctl resync >/dev/null
}
state() { tenant_state acme; }

enforced_tenant 10
# plan shows the enforcement it would make (and exits 2: changes)
rc=0
out=$("$DAEMON" plan --config "$WORK/config.yaml" 2>&1) || rc=$?
[ $rc = 2 ] || fail "plan exited $rc: $(tail -n 25 <<<"$out")"
grep -q "create-deny-policy\|+ $POLICY\|$POLICY" <<<"$out" || fail "plan has no deny policy: $out"
grep -q "bedrock-tenant-acme/action" <<<"$out" || fail "plan has no budget action: $out"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_eq 60 "acme Ready" Ready state
ARN=$(ctl resolve acme p1 | tail -n1)
case "$ARN" in arn:aws:bedrock:*:application-inference-profile/*) ;; *) fail "no profile ARN: $ARN" ;; esac
[ "$(policy_exists)" = 1 ] || fail "no deny policy $POLICY under /bedrock-tenants/"
a=$(actions)
[ "$(jq -r 'length' <<<"$a")" = 1 ] || fail "actions: $a"
jq -e --arg p "$POLICY_ARN" '.[0] | .ActionType == "APPLY_IAM_POLICY" and .ApprovalModel == "AUTOMATIC" and
	.NotificationType == "ACTUAL" and .ActionThreshold.ActionThresholdValue == 100 and
	.ActionThreshold.ActionThresholdType == "PERCENTAGE" and .Definition.IamActionDefinition.PolicyArn == $p and
	.Definition.IamActionDefinition.Roles == ["acme-app"] and
	.ExecutionRoleArn == "arn:aws:iam::111122223333:role/budgets-exec" and .Status == "STANDBY"' <<<"$a" >/dev/null ||
	fail "the action: $a"
allowed || fail "the role cannot invoke its profile: $(converse)"

# Over budget: Budgets attaches the deny policy; the role is denied; OverBudget.
spend 10.5
[ "$(action_status)" = EXECUTION_SUCCESS ] || fail "the action did not execute: $(actions)"
denied || fail "the role is not denied: $(converse)"
wait_eq 30 "acme OverBudget" OverBudget state
out=$(ctl tenants --state OverBudget || true)
grep -q '^acme ' <<<"$out" || fail "tenants --state OverBudget: $out"
[ "$(status_json | jq -r '.tenants.by_state.OverBudget')" = 1 ] || fail "status: $(status_json | jq -c .tenants)"
out=$(ctl tenant acme || true)
grep -q "^enforcement .*at 100% of the limit: deny policy $POLICY, action EXECUTION_SUCCESS (over budget" <<<"$out" ||
	fail "ctl tenant: $out"
tenant_json acme | jq -e --arg p "$POLICY_ARN" '.observed.deny_policy.arn == $p and .desired.budget.enforce.at_percent == 100 and
	.observed.budgets[0].actions[0].status == "EXECUTION_SUCCESS"' >/dev/null || fail "tenant JSON: $(tenant_json acme | jq -c .observed)"
# and so it stays while nothing changes: listings that find all as it was, and each
# tenant compared again, keep it OverBudget (a settled tenant's skipped diff did not)
for i in 1 2 3; do
	ctl resync >/dev/null
	sleep 2
	[ "$(state)" = OverBudget ] || fail "acme $(state) after quiet resync $i, over budget and denied"
done

# The deny policy detached by hand: Budgets still says EXECUTION_SUCCESS, the role
# may invoke. The tenant is not reported denied; the daemon attaches it again.
iam_role_policy Detach
allowed || fail "the role is still denied once the policy is detached: $(converse)"
ctl resync >/dev/null
reattached() { [ "$(attached)" = 1 ]; }
wait_until 30 "the deny policy attached again" reattached
denied || fail "the role is not denied once the policy is attached again: $(converse)"
wait_eq 30 "acme OverBudget again" OverBudget state
[ "$(action_status)" = EXECUTION_SUCCESS ] || fail "the action: $(actions)"
tenant_json acme | jq -e '.history | any(.event | test("attached deny policy bedrock-tenantd-acme-deny to its roles again"))' >/dev/null ||
	fail "no history line: $(tenant_json acme | jq -c .history)"

# Detached by hand from acme-app and attached by hand to other-app: the policy is on as
# many entities as the action has roles (AttachmentCount 1), but acme-app may invoke.
# The listing reads the roles of an executed action's policy: attached to acme-app
# again, other-app left as it is, OverBudget once it is.
iam_role_policy Detach
iam_role_policy Attach other-app
allowed || fail "the role is still denied once the policy is moved to other-app: $(converse)"
# While IAM refuses the attach, the tenant is not shown denied, and says which role is not
awsim_put faults '{"rules": [{"service": "iam", "operation": "AttachRolePolicy", "error_percent": 100,
	"error": {"status": 403, "code": "AccessDenied", "message": "not allowed"}}]}' || fail "fault plan"
ctl resync >/dev/null
# (ctl tenant exits 1 for a tenant in error: its output is what counts)
says_loose() {
	local out
	out=$(ctl tenant acme 2>/dev/null || true)
	grep -q "^enforcement .*(over budget, but the deny policy is not attached to role acme-app: it is not denied)" <<<"$out"
}
wait_until 30 "ctl tenant says acme-app is not denied" says_loose
[ "$(state)" != OverBudget ] || fail "OverBudget while acme-app may invoke"
# IAM allows it again: the operator's retry of the stalled tenant attaches it
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null || fail "clear the fault plan"
ctl reconcile acme >/dev/null
wait_until 30 "the deny policy attached to acme-app again after the move" reattached
denied || fail "the role is not denied once the policy is attached again: $(converse)"
wait_eq 30 "acme OverBudget after the repair" OverBudget state
[ "$(attached other-app)" = 1 ] || fail "the policy attached by hand to other-app was detached"
roles_seen() { tenant_json acme | jq -c '.observed.deny_policy.attached_roles'; }
ctl resync >/dev/null
wait_eq 30 "the listing's roles of the deny policy" '["acme-app","other-app"]' roles_seen
iam_role_policy Detach other-app
ctl resync >/dev/null
wait_eq 30 "the listing's roles once other-app is detached" '["acme-app"]' roles_seen
# ListEntitiesForPolicy refused: the listing stands, AttachmentCount stands in
awsim_put faults '{"rules": [{"service": "iam", "operation": "ListEntitiesForPolicy", "error_percent": 100,
	"error": {"status": 403, "code": "AccessDenied", "message": "not allowed"}}]}' || fail "fault plan"
ctl resync >/dev/null
wait_eq 30 "the roles unknown once they cannot be read" null roles_seen
[ "$(state)" = OverBudget ] || fail "not OverBudget with the roles unread: $(state)"
tenant_json acme | jq -e '.observed.deny_policy.attachments == 1' >/dev/null ||
	fail "the count: $(tenant_json acme | jq -c .observed.deny_policy)"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null || fail "clear the fault plan"

# A role added while over budget is attached; taken out again, it is detached (Budgets
# attached the policy to it, and neither the action's update nor the reversal would
# take it off): other-app, named again later, is not denied under budget.
ROLES="acme-app, other-app" enforced_tenant 10
wait_eq 30 "the deny policy attached to the added role" 1 attached other-app
wait_eq 30 "acme OverBudget with two roles" OverBudget state
enforced_tenant 10
wait_eq 30 "the deny policy detached from the role taken out" 0 attached other-app
[ "$(attached)" = 1 ] || fail "the deny policy is not on acme-app any more"
wait_eq 30 "acme OverBudget with its one role" OverBudget state
tenant_json acme | jq -e '.history | any(.event | test("detached deny policy bedrock-tenantd-acme-deny from roles the manifest no longer names"))' >/dev/null ||
	fail "the history does not say the policy was detached"

# The limit raised above the spend: reversed (then reset), allowed again, Ready.
enforced_tenant 20
wait_eq 30 "acme Ready after the limit was raised" Ready state
[ "$(action_status)" = STANDBY ] || fail "not reversed and reset: $(actions)"
[ "$(attached)" = 0 ] || fail "the policy is still attached"
allowed || fail "still denied after the limit was raised: $(converse)"
# what the tenant says of its roles before the next listing: not denied
out=$(ctl tenant acme | grep "^enforcement" || true)
grep -q "action STANDBY$" <<<"$out" || fail "ctl tenant after the reversal: $out"

# The policy attached by hand under budget (an operator's block): left as it is, and
# the tenant's enforcement line says the role is denied all the same.
iam_role_policy Attach
ctl resync >/dev/null
says_denied() { ctl tenant acme 2>/dev/null | grep -q "^enforcement .*action STANDBY (not over budget, but the deny policy is attached to 1: denied there)"; }
wait_until 30 "ctl tenant says the role is denied" says_denied
denied || fail "the role attached by hand is not denied: $(converse)"
[ "$(attached)" = 1 ] || fail "the policy attached by hand was detached"
iam_role_policy Detach

# Over again, then a new budget period: reversed, Ready.
spend 25
[ "$(action_status)" = EXECUTION_SUCCESS ] || fail "the action did not execute again: $(actions)"
wait_eq 30 "acme OverBudget again" OverBudget state
denied || fail "not denied the second time"
curl -sf -X POST "http://127.0.0.1:$PORT/_awsim/budgets/bedrock-tenant-acme/new-period" -d '{}' >/dev/null ||
	fail "new period"
ctl resync >/dev/null
wait_eq 30 "acme Ready in the new period" Ready state
[ "$(action_status)" = STANDBY ] || fail "not reset in the new period: $(actions)"
allowed || fail "denied in the new period: $(converse)"

# Deleted by hand: the action and the policy are made again.
id=$(actions | jq -r '.[0].ActionId')
TARGET=AWSBudgetServiceGateway.DeleteBudgetAction sign_call budgets POST / \
	"{\"AccountId\":\"111122223333\",\"BudgetName\":\"bedrock-tenant-acme\",\"ActionId\":\"$id\"}" >/dev/null ||
	fail "DeleteBudgetAction"
curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=DeletePolicy&Version=2010-05-08" --data-urlencode "PolicyArn=$POLICY_ARN" \
	"http://127.0.0.1:$PORT/" >/dev/null || fail "DeletePolicy"
[ "$(policy_exists)" = 0 ] || fail "the policy was not deleted by hand"
ctl resync >/dev/null
wait_eq 30 "the policy made again" 1 policy_exists
wait_eq 30 "the action made again" 1 action_count
wait_eq 30 "acme Ready after the repair" Ready state
[ "$(calls iam:CreatePolicy)" = 2 ] || fail "CreatePolicy $(calls iam:CreatePolicy) times"
[ "$(calls budgets:CreateBudgetAction)" = 2 ] || fail "CreateBudgetAction $(calls budgets:CreateBudgetAction) times"

# A second profile: a new default version that denies both, the old one deleted.
[ "$(policy_version)" = "v1 of 1" ] || fail "the policy made again: $(policy_state)"
SECOND=1 enforced_tenant 20
wait_eq 30 "the policy's second version, alone" "v2 of 1" policy_version
n=$(policy_state | jq -r '.versions[0].doc | fromjson | .Statement[0].Resource | length')
[ "$n" = 2 ] || fail "the new version does not deny both profiles: $(policy_state)"
wait_eq 30 "acme Ready with two profiles" Ready state
# Four more versions made by hand (IAM's limit is five): the next document needs the
# oldest non-default one deleted first (v3), then the one it replaced goes (v2).
for _ in 1 2 3 4; do
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=CreatePolicyVersion&Version=2010-05-08&SetAsDefault=false" --data-urlencode "PolicyArn=$POLICY_ARN" \
		--data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}' \
		"http://127.0.0.1:$PORT/" >/dev/null || fail "CreatePolicyVersion by hand"
done
[ "$(policy_version)" = "v2 of 5" ] || fail "five versions: $(policy_state)"
enforced_tenant 20
wait_eq 30 "a new default version past the hand-made ones" "v7 of 4" policy_version
policy_state | jq -e '[.versions[].id] | sort == [4, 5, 6, 7]' >/dev/null ||
	fail "not the oldest non-default version pruned: $(policy_state)"
wait_eq 30 "acme Ready with one profile again" Ready state

# The alerts' subscribers changed (and nothing else of the action): the action notifies
# the new ones; changed back by hand in AWS, it is repaired at the next resync.
subs() { actions | jq -c '[.[0].Subscribers[] | "\(.SubscriptionType):\(.Address)"]'; }
[ "$(subs)" = '["EMAIL:ops@example.com"]' ] || fail "the action's subscribers: $(actions)"
EMAIL=cfo@example.com enforced_tenant 20
wait_eq 30 "the action notifies the new subscriber" '["EMAIL:cfo@example.com"]' subs
wait_eq 30 "acme Ready with the new subscriber" Ready state
id=$(actions | jq -r '.[0].ActionId')
TARGET=AWSBudgetServiceGateway.UpdateBudgetAction sign_call budgets POST / \
	"{\"AccountId\":\"111122223333\",\"BudgetName\":\"bedrock-tenant-acme\",\"ActionId\":\"$id\",
	 \"Subscribers\":[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"ops@example.com\"}]}" >/dev/null ||
	fail "UpdateBudgetAction by hand"
ctl resync >/dev/null
wait_eq 30 "the action's subscriber repaired" '["EMAIL:cfo@example.com"]' subs
enforced_tenant 20
wait_eq 30 "the action notifies the first subscriber again" '["EMAIL:ops@example.com"]' subs
wait_eq 30 "acme Ready with its first subscriber" Ready state

# Over budget, then enforce removed: the action deleted, the policy detached and deleted
# (IAM refuses to delete it while v4-v6, made by hand, are there: they go first).
spend 30
[ "$(attached)" = 1 ] || fail "the policy is not attached"
wait_eq 30 "acme OverBudget before removal" OverBudget state
# attached by hand to another role too: detached from it as well
iam_role_policy Attach other-app
enforced_tenant 20 none
wait_eq 30 "the action deleted" 0 action_count
wait_eq 30 "the policy deleted" 0 policy_exists
[ "$(attached)" = 0 ] || fail "the policy is still attached"
wait_eq 30 "acme Ready without enforcement" Ready state
allowed || fail "denied after enforcement was removed: $(converse)"
out=$(ctl tenant acme || true)
grep -qi "deleted deny policy $POLICY" <<<"$out" || fail "history: $out"
stop_daemon
