#!/usr/bin/env bash
# A pool place whose listings fail from the start (here us-west-2 denied, as a Region
# not enabled for the account would be): the pool's new tenants wait, Pending with the
# reason naming the place and its error, nothing is made for them (with an empty state
# store one may own resources there), and a tenant with a fixed place is not held. The
# place listed again by itself once it answers: every tenant placed and Ready.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 1 "us-east-1, us-west-2"
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "region": "us-west-2", "error_percent": 100,
	"error": {"status": 403, "code": "AccessDeniedException", "message": "Region not enabled"}}]}'
for i in 0 1 2; do write_tenant "t$i"; done
{
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: fixed\nspec:\n'
	printf '  account: a0\n  region: us-east-1\n  tags:\n    CostCenter: eng\n'
	printf '  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n'
} >"$WORK/tenants/fixed.yaml"
start_daemon
wait_until 60 "the fixed tenant Ready" state_is fixed Ready
reason() { tenant_json "$1" | jq -r '.waiting // ""'; }
held() { reason t0 | grep -q "pool default: a0/us-west-2 cannot be listed (AccessDeniedException: .*Region not enabled)"; }
wait_until 30 "the pool's tenants waiting with the reason" held
for id in t0 t1 t2; do
	state_is "$id" Pending || fail "$id: $(tenant_json "$id" | jq -c '{state, waiting}')"
	[ "$(awsim_profiles_of "$id")" = 0 ] || fail "$id made while a place of its pool cannot be listed"
done
rc=0
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc, want 1"
grep -q "^t0 .*cannot be listed" "$WORK/places.out" || fail "places: $(cat "$WORK/places.out")"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
wait_until 60 "every tenant Ready once the place is listed" all_ready
one_profile_each 4
stop_daemon
echo PASS
