#!/usr/bin/env bash
# GET /v1/status stays small with many places: the AWS layer keeps one rate limiter
# per account, Region and service (about a thousand over 200 places), and the status,
# answered on the loop and asked for often, names only those of note (at most 32)
# beside their total. ACCOUNTS tenants, one in each account (one place each).
. "$(dirname "$0")/lib.sh"
ACCOUNTS=${ACCOUNTS:-40}
FIRST=111100000000
start_awsim
write_config
acct() { printf '%012d' $((FIRST + $1)); }
for i in $(seq 0 $((ACCOUNTS - 1))); do
	printf '  a%d:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$i" "$(acct "$i")" "$(acct "$i")"
done >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
for i in $(seq 0 $((ACCOUNTS - 1))); do
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%02d\nspec:\n  account: a%d\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$i" "$i" >"$WORK/tenants/t$(printf '%02d' "$i").yaml"
done
start_daemon

ready_all() { status_json | jq -e --argjson n "$ACCOUNTS" '.tenants.by_state.Ready == $n' >/dev/null; }
wait_until 120 "$ACCOUNTS tenants Ready" ready_all

s=$(status_json)
total=$(jq '.aws.rate_limiters_total' <<<"$s")
shown=$(jq '.aws.rate_limiters | length' <<<"$s")
echo "rate limiters: $total in all, $shown in the status ($(wc -c <<<"$s") bytes)"
[ "$total" != null ] || fail "the status has no aws.rate_limiters_total"
[ "$total" -ge "$ACCOUNTS" ] || fail "$total rate limiters for $ACCOUNTS places"
[ "$shown" -le 32 ] || fail "the status names $shown rate limiters, more than 32"
# those it names are of note: waiting, throttled or slowed
jq -e '.aws.rate_limiters | all(.waiting > 0 or .throttles > 0 or .rate < .max_rate)' <<<"$s" >/dev/null ||
	fail "the status names a rate limiter of no note: $(jq -c .aws.rate_limiters <<<"$s")"
echo "PASS"
