#!/usr/bin/env bash
# A place's room is counted by every pool that holds it, whoever fills it and however
# its tenants' needs change: a tenant that names the place's account, a tenant of
# another pool sharing the place, or a placed tenant whose manifest grows is counted
# at once, not at the place's next listing. Pool `default` = a0 x [us-east-1 (4
# profiles), us-west-2 (2)], pool `side` = a0 x [us-east-1]; no resync but the one
# asked for. A pool tenant, a tenant naming a0/us-east-1 and a tenant of `side` leave
# one profile free in us-east-1; a pool tenant of 2 profiles then goes to us-west-2,
# the only place with room, not to us-east-1 on a stale count (where AWS would refuse
# half its set). us-west-2's quota raised to 4 (and read), that tenant grows to 4
# there: the next pool tenant of 2 profiles finds no room and waits with the reason,
# unplaced, instead of being placed in us-west-2 on a stale count and refused by AWS.
. "$(dirname "$0")/lib.sh"
A0=111100000000
start_awsim
write_config
sed -i 's/^resync_interval: .*/resync_interval: 10m/' "$WORK/config.yaml"
printf '  a0:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' $A0 $A0 >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
printf 'pools:\n  default:\n    accounts: [a0]\n    regions: [us-east-1, us-west-2]\n  side:\n    accounts: [a0]\n    regions: [us-east-1]\n' >>"$WORK/config.yaml"
awsim_put quotas "{\"account\": \"$A0\", \"region\": \"us-east-1\", \"quotas\": {\"L-40EC9882\": 4}}" >/dev/null
awsim_put quotas "{\"account\": \"$A0\", \"region\": \"us-west-2\", \"quotas\": {\"L-40EC9882\": 2}}" >/dev/null

# mk ID N [spec line]...: a tenant of N profiles
mk() {
	local id=$1 n=$2
	shift 2
	{
		printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n' "$id"
		for line in "$@"; do printf '  %s\n' "$line"; done
		printf '  tags: {CostCenter: eng}\n  profiles:\n'
		for k in $(seq "$n"); do printf '    - name: p%d\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' "$k"; done
	} >"$WORK/tenants/$id.yaml.tmp"
	mv "$WORK/tenants/$id.yaml.tmp" "$WORK/tenants/$id.yaml"
}
region_of() { tenant_json "$1" | jq -r '.place.region // "none"'; }
profiles_in() {
	awsim_get state | jq "[.accounts[] | select(.id == \"$A0\") | .regions[] | select(.name == \"$1\") | .profiles[]?] | length"
}

mk gamma 1
start_daemon
wait_until 60 "gamma Ready" state_is gamma Ready
[ "$(region_of gamma)" = us-east-1 ] || fail "gamma placed in $(region_of gamma), not in the place with most room"
sleep 2 # every quota answered: the pools' counts stand until something changes
mk fixed 1 "account: a0" "region: us-east-1"
wait_until 60 "fixed Ready" state_is fixed Ready
mk sidey 1 "pool: side"
wait_until 60 "sidey Ready" state_is sidey Ready
[ "$(profiles_in us-east-1)" = 3 ] || fail "a0/us-east-1 holds $(profiles_in us-east-1) profiles, not 3"

mk beta 2
wait_until 60 "beta Ready" state_is beta Ready
[ "$(region_of beta)" = us-west-2 ] || fail "beta placed in $(region_of beta) on a stale count, not in us-west-2"
grep -q "ServiceQuotaExceeded" "$WORK/daemon.log" && fail "a create was refused for the quota: $(grep ServiceQuotaExceeded "$WORK/daemon.log" | head -2)"

w2_quota() { ctl --json places | jq '.places[] | select(.region == "us-west-2") | .profiles.quota'; }
beta_grown() { state_is beta Ready && [ "$(profiles_in us-west-2)" = 4 ]; }
delta_waits() { tenant_json delta | jq -e '(.waiting // "") | test("pool default")'; }
awsim_put quotas "{\"account\": \"$A0\", \"region\": \"us-west-2\", \"quotas\": {\"L-40EC9882\": 4}}" >/dev/null
ctl resync >/dev/null
wait_eq 30 "us-west-2's quota read again" 4 w2_quota
mk beta 4
wait_until 60 "beta Ready with 4 profiles" beta_grown
mk delta 2
wait_until 30 "delta waits for room" delta_waits
[ "$(region_of delta)" = none ] || fail "delta placed in $(region_of delta) with no room left"
grep -q "ServiceQuotaExceeded" "$WORK/daemon.log" && fail "a create was refused for the quota: $(grep ServiceQuotaExceeded "$WORK/daemon.log" | head -2)"
[ "$(profiles_in us-east-1)" = 3 ] && [ "$(profiles_in us-west-2)" = 4 ] ||
	fail "profiles: us-east-1 $(profiles_in us-east-1), us-west-2 $(profiles_in us-west-2)"
stop_daemon
echo PASS
