#!/usr/bin/env bash
# Read-after-write lag: GetInferenceProfile does not find a profile for a while after
# its create (awsim's read_after_write_ms), nor does the listing for part of that time
# (eventual_consistency_ms). The profile's models[] are then unknown,
# and the daemon never guesses them: a role policy is written only from the models
# AWS lists, so the policy of a tenant whose profile copies a cross-Region (us.*)
# profile always grants the foundation model in every Region of that profile, and the
# tenant is not Ready before it does. A profile no read has shown yet is never taken for
# deleted: it is created once.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/faults.json" <<'JSON'
{"read_after_write_ms": 4000, "eventual_consistency_ms": 2000}
JSON
start_awsim --faults "$WORK/faults.json"
write_config
create_role acme-app
MODEL=us.anthropic.claude-3-5-haiku-20241022-v1:0 write_budget_tenant acme 100 "" "[acme-app]"
FM=anthropic.claude-3-5-haiku-20241022-v1:0
WANT='["arn:aws:bedrock:us-east-1::foundation-model/'$FM'","arn:aws:bedrock:us-east-2::foundation-model/'$FM'","arn:aws:bedrock:us-west-2::foundation-model/'$FM'"]'

# every policy document seen on the role, and the tenant's state beside it
( while :; do
	s=$(tenant_state acme)
	d=$(role_policy acme-app bedrock-tenantd-acme | jq -c . 2>/dev/null || true)
	[ -z "$d" ] || echo "$s $d" >>"$WORK/samples"
	[ "$s" != Ready ] || [ -n "$d" ] || echo "Ready-without-policy" >>"$WORK/samples"
	sleep 0.05
done ) &
sampler=$!
start_daemon
wait_until 60 "Ready" all_ready
sleep 1
kill "$sampler"
wait "$sampler" 2>/dev/null || true

grants_every_region() {
	jq -e --argjson want "$WANT" '[.Statement[] | select(.Sid == "InvokeModelsOnlyThroughTenantProfiles") | .Resource] |
		.[0] // [] | (if type == "string" then [.] else . end) as $r | $want - $r | length == 0' >/dev/null
}
awsim_get calls | jq -e '.["bedrock:GetInferenceProfile"].failed >= 1' >/dev/null ||
	fail "the create's read-back never lagged: the fault did not apply"
[ -s "$WORK/samples" ] || fail "no policy was ever written"
! grep -q "Ready-without-policy" "$WORK/samples" || fail "the tenant was Ready without its role policy"
while read -r state doc; do
	echo "$doc" | grants_every_region ||
		fail "a policy was written without the foundation models of every Region (state $state): $doc"
done < <(sort -u "$WORK/samples")
role_policy acme-app bedrock-tenantd-acme | grants_every_region || fail "the final policy lacks a Region"
# the live profile's models are exactly what is granted beside the system profile
models=$(awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].models | sort')
[ "$models" = "$WANT" ] || fail "awsim lists models $models"
[ "$(awsim_profiles_of acme)" = 1 ] || fail "a profile that could not be read yet was created twice"
tenant_json acme | jq -r '.history[].event' | grep -q "cannot be read back yet: its models are unknown" ||
	fail "the create's read-back was not seen to lag"
stop_daemon
echo PASS
