#!/usr/bin/env bash
# The cost of watching over several accounts with two Regions each: what belongs to
# the account (Budgets with their tags, IAM roles with their policies) is read once per
# account at a resync, not once per place, and every page of a listing is full (no
# empty page after a page filled exactly). 300 tenants over 3 accounts x 2 Regions,
# 50 a place, each with a profile, a parameter and a budget with an alert (100 budgets
# an account): per steady resync exactly 6 ListInferenceProfiles, 6 DescribeParameters,
# 6 GetResources of the places (one full page each, with or without the parameters'
# tags), at most 3 of the accounts' budgets (their tags are read by one resync in 6), 3
# DescribeBudgets, 3 GetAccountAuthorizationDetails: at most 27 reads, 0.09 a tenant,
# no write (counts from awsim, not times). Then hand-made drift of what the account's
# one reading carries, in the Region that does not hold the budgets (us-west-2), is
# still repaired by the next resync (a budget's limit, a role policy), and drift of the
# tags read by one resync in 6 (a budget's, a parameter's) within 6 resyncs. Without
# DescribeParameters (GetParametersByPath instead), no parameter is read one by one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../bench/watch/steady_lib.sh"
ACCOUNTS=3
REGIONS=(us-east-1 us-west-2)
PER_PLACE=50
PLACES=$((ACCOUNTS * ${#REGIONS[@]}))
N=$((PLACES * PER_PLACE))
start_awsim
write_config
# prod is the default credentials' account; a1, a2 are reached through their roles
add_role_accounts "$ACCOUNTS"
# only the resyncs asked for below (the counts are exact)
sed -i 's/^resync_interval: .*/resync_interval: 10m/' "$WORK/config.yaml"
account_of() { [ "$1" = 0 ] && echo prod || echo "a$1"; }

# tenant i: account i % ACCOUNTS, Region (i / ACCOUNTS) % 2; t0 (prod, us-east-1) and
# t3 (prod, us-west-2) also grant a role of prod access
create_role west-role
for i in $(seq 0 $((N - 1))); do
	a=$(account_of $((i % ACCOUNTS)))
	r=${REGIONS[$(((i / ACCOUNTS) % ${#REGIONS[@]}))]}
	{
		printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%d\nspec:\n' "$i"
		printf '  account: %s\n  region: %s\n  tags:\n    CostCenter: eng\n' "$a" "$r"
		printf '  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n'
		printf '  budget:\n    limit_usd: 100\n    period: monthly\n    alerts:\n'
		printf '      - threshold_percent: 80\n        type: actual\n        emails: [ops%d@example.com]\n' "$i"
		[ "$i" != 3 ] || printf '  access:\n    roles: [west-role]\n'
	} >"$WORK/tenants/t$i.yaml"
done
start_daemon
wait_until 110 "$N tenants Ready" all_ready

wait_until 120 "the calls settle" calls_settled
# the first resync after the convergence reads the tags of the parameters written since
n0=$(calls bedrock:ListInferenceProfiles)
ctl resync >/dev/null
wait_until 120 "the first resync" listings_past $((n0 + PLACES - 1))
wait_until 120 "the calls settle after the first resync" calls_settled
awsim_put calls/reset
K=2
for k in $(seq "$K"); do
	ctl resync >/dev/null
	wait_until 120 "resync $k listed" listings_past $(((k - 1) * PLACES + PLACES - 1))
	wait_until 120 "the calls settle after resync $k" calls_settled
done
all=$(awsim_get calls)
echo "$all" | jq -r 'to_entries[] | "  \(.key) \(.value.ok + .value.failed + .value.throttled)\(if .value.mutating then " (mutating)" else "" end)"'
n() { echo "$all" | jq --arg op "$1" '(.[$op].ok // 0) + (.[$op].failed // 0) + (.[$op].throttled // 0)'; }
expect() {
	local got
	got=$(n "$1")
	[ "$got" = "$2" ] || fail "$1: $got calls over $K resyncs, want $2 ($3)"
}
expect bedrock:ListInferenceProfiles $((K * PLACES)) "one page a place"
expect ssm:DescribeParameters $((K * PLACES)) "one full page of 50 a place"
gr=$(n tagging:GetResources)
[ "$gr" -ge $((K * PLACES)) ] && [ "$gr" -le $((K * (PLACES + ACCOUNTS))) ] ||
	fail "tagging:GetResources: $gr calls over $K resyncs, want $((K * PLACES))..$((K * (PLACES + ACCOUNTS))) (one full page a place, one of the budgets an account when due)"
expect budgets:DescribeBudgets $((K * ACCOUNTS)) "once an account"
expect iam:GetAccountAuthorizationDetails $((K * ACCOUNTS)) "once an account"
expect ssm:GetParameters 0 "no value changed"
writes=$(echo "$all" | jq '[to_entries[] | select(.value.mutating) | .value.ok + .value.failed + .value.throttled] | add // 0')
reads=$(echo "$all" | jq '[to_entries[] | select(.value.mutating | not) | .value.ok + .value.failed + .value.throttled] | add // 0')
rate=$(jq -n --argjson r "$reads" --argjson n "$N" --argjson k "$K" '($r / ($n * $k) * 1000 | round) / 1000')
echo "tenants=$N places=$PLACES resyncs=$K reads=$reads writes=$writes rate=$rate"
[ "$writes" = 0 ] || fail "a steady resync made $writes mutating call(s)"
jq -en --argjson r "$rate" '$r <= 0.1' >/dev/null || fail "$rate reads per tenant per resync, over 0.1"

# hand-made drift of the account's part, for tenants of us-west-2 (t3) and us-east-1 (t0),
# and of a parameter's tags (t3)
budget_call() {
	TARGET=AWSBudgetServiceGateway.$1 sign_call budgets POST / "$2" >/dev/null
}
limit() { budget "bedrock-tenant-$1" | jq -r '.budget.BudgetLimit.Amount'; }
budget_tag() { budget "bedrock-tenant-$1" | jq -r --arg k "$2" '[.tags[]? | select(.key == $k) | .value] | .[0] // "none"'; }
good_limit=$(limit t3)
[ "$(budget_tag t0 CostCenter)" = eng ] || fail "the budget of t0 has no CostCenter tag: $(budget bedrock-tenant-t0)"
good_policy=$(role_policy west-role bedrock-tenantd-t3)
[ -n "$good_policy" ] || fail "t3 has no policy on west-role"
b=$(budget bedrock-tenant-t3 | jq -c '.budget | .BudgetLimit.Amount = "999"')
budget_call UpdateBudget "{\"AccountId\":\"111122223333\",\"NewBudget\":$b}"
[ "$(limit t3)" = 999 ] || fail "the hand edit of t3's budget did not happen"
budget_call TagResource '{"ResourceARN":"arn:aws:budgets::111122223333:budget/bedrock-tenant-t0","ResourceTags":[{"Key":"CostCenter","Value":"hacked"}]}'
[ "$(budget_tag t0 CostCenter)" = hacked ] || fail "the hand edit of t0's budget tag did not happen"
curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Version=2010-05-08&Action=PutRolePolicy&RoleName=west-role&PolicyName=bedrock-tenantd-t3" \
	--data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}' \
	"http://127.0.0.1:$PORT/" >/dev/null
[ "$(role_policy west-role bedrock-tenantd-t3)" != "$good_policy" ] || fail "the hand edit of the role policy did not happen"
param=/bedrock-tenants/t3/p1/profile-arn
param_tag() { awsim_get state | jq -r --arg n "$param" --arg k "$1" "$PARAMS"' | map(select(.name == $n)) | .[0].tag[$k] // "none"'; }
curl -sf --aws-sigv4 "aws:amz:us-west-2:ssm" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: AmazonSSM.AddTagsToResource' \
	--data '{"ResourceType":"Parameter","ResourceId":"'"$param"'","Tags":[{"Key":"CostCenter","Value":"hacked"}]}' \
	"http://127.0.0.1:$PORT/" >/dev/null
[ "$(param_tag CostCenter)" = hacked ] || fail "the hand edit of $param's tag did not happen"
n0=$(calls bedrock:ListInferenceProfiles)
ctl resync >/dev/null
wait_eq 60 "t3's budget limit repaired" "$good_limit" limit t3
wait_eq 60 "t3's role policy repaired" "$good_policy" role_policy west-role bedrock-tenantd-t3
# the tags: within 6 resyncs (one more each time the last one is listed and settled)
for k in $(seq 6); do
	[ "$(budget_tag t0 CostCenter)" = eng ] && [ "$(param_tag CostCenter)" = eng ] && break
	wait_until 120 "resync $k listed" listings_past $((n0 + k * PLACES - 1))
	wait_until 120 "the calls settle after drift resync $k" calls_settled
	[ "$(budget_tag t0 CostCenter)" = eng ] && [ "$(param_tag CostCenter)" = eng ] && break
	[ "$k" -lt 6 ] || break
	ctl resync >/dev/null
done
echo "tags repaired after $k resync(s)"
[ "$(budget_tag t0 CostCenter)" = eng ] || fail "t0's budget tag not repaired within 6 resyncs"
[ "$(param_tag CostCenter)" = eng ] || fail "$param's tag not repaired within 6 resyncs"
wait_until 60 "Ready" all_ready

# without DescribeParameters (not granted), parameters come from GetParametersByPath:
# their tags are kept the same way between the resyncs that read them, never read one
# by one
awsim_put faults '{"rules":[{"service":"ssm","operation":"DescribeParameters","error_percent":100,
	"error":{"status":400,"code":"AccessDeniedException","message":"not granted"}}]}'
wait_until 120 "the calls settle" calls_settled
awsim_put calls/reset
since=$(date +%s)
n0=$(calls bedrock:ListInferenceProfiles)
for k in 1 2 3; do
	ctl resync >/dev/null
	wait_until 120 "fallback resync $k listed" listings_past $((n0 + k * PLACES - 1))
	wait_until 120 "the calls settle after fallback resync $k" calls_settled
done
[ "$(calls ssm:GetParametersByPath)" -ge $((3 * PLACES)) ] || fail "no fallback to GetParametersByPath: $(awsim_get calls | jq -c .)"
[ "$(calls ssm:ListTagsForResource)" = 0 ] || fail "the fallback read tags one by one: $(calls ssm:ListTagsForResource)"
# a resync reads the instance's claim, once at most, and so does a timer at rest once a
# minute (docs/operations.md, "Safety rules" 12): reading the N parameters one by one
# would be N per resync
[ "$(calls ssm:GetParameter)" -le $((4 + ($(date +%s) - since) / 60)) ] || fail "the fallback read parameters one by one: $(calls ssm:GetParameter) ssm:GetParameter in 3 resyncs"
stop_daemon
echo PASS
