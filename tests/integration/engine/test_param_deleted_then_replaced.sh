#!/usr/bin/env bash
# A tenant's parameter deleted by hand, then its model changed before any listing saw
# the deletion: the replacement switches the parameter with an overwrite (PutParameter
# Overwrite takes no tags), which makes it again. The daemon tags the parameter it
# made, so that it stays the tenant's: Ready, and the next resyncs write nothing.
. "$(dirname "$0")/lib.sh"
DRAIN=1s
start_awsim
write_config
write_tenant t0
write_tenant t1
start_daemon
wait_until 60 "every tenant Ready" all_ready
param=/bedrock-tenants/t0/p1/profile-arn
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / "{\"Name\":\"$param\"}" >/dev/null
[ "$(awsim_param_value "$param")" = none ] || fail "the hand deletion did not happen"
write_tenant t0 amazon.nova-lite-v1:0
replaced() { state_is t0 Ready && [ "$(awsim_profiles_of t0)" = 1 ] && [ "$(awsim_param_value "$param")" = "$(ctl resolve t0 p1)" ]; }
wait_until 60 "t0 replaced, its parameter naming the new profile" replaced
[ "$(awsim_param_tag "$param" bedrock-tenantd:managed-by)" = bedrock-tenantd ] &&
	[ "$(awsim_param_tag "$param" bedrock-tenantd:tenant)" = t0 ] &&
	[ "$(awsim_param_tag "$param" CostCenter)" = eng ] ||
	fail "the parameter the overwrite made is not tagged: $(awsim_get state | jq -c --arg n "$param" "$PARAMS"' | map(select(.name == $n)) | .[0].tag')"
awsim_put calls/reset
for _ in 1 2; do
	ctl resync >/dev/null
	sleep 1.5
done
state_is t0 Ready || fail "t0 is $(tenant_state t0) after the listings: $(tenant_json t0 | jq -c '{last_error, conflicts}')"
writes=$(awsim_get calls | jq '[to_entries[] | select(.key | test("Put|Create|Delete|Tag|Update")) | .value.ok] | add // 0')
[ "$writes" = 0 ] || fail "the resyncs wrote $writes time(s): $(awsim_get calls | jq -c .)"
stop_daemon
echo PASS
