#!/usr/bin/env bash
# ssm_tier: parameters are written in the configured tier (Advanced here); a reload to
# Standard applies to new parameters, while an update of an Advanced one keeps its tier
# (SSM refuses to move it back) and the tenant stays Ready.
. "$(dirname "$0")/lib.sh"
DRAIN=1s
start_awsim
write_config "ssm_tier: Advanced"
write_tenant acme
start_daemon
wait_until 60 "Ready" all_ready
tier_of() {
	awsim_get state | jq -r --arg t "$1" "$PARAMS"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) | .[0].tier // ""'
}
[ "$(tier_of acme)" = Advanced ] || fail "acme's parameter is not Advanced: $(tier_of acme)"

# a reload to Standard: a new tenant's parameter is Standard; acme's update keeps Advanced
write_config "ssm_tier: Standard"
kill -HUP "$DAEMON_PID"
wait_until 30 "the reload" grep -q "configuration reloaded" "$WORK/daemon.log"
old=$(ctl resolve acme p1)
write_tenant acme amazon.nova-lite-v1:0
write_tenant beta
changed() { [ "$(ctl resolve acme p1)" != "$old" ]; }
wait_until 60 "acme's new profile" changed
wait_until 60 "Ready" all_ready
new=$(ctl resolve acme p1)
value=$(awsim_get state | jq -r "$PARAMS"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].value')
[ "$value" = "$new" ] || fail "acme's parameter names $value, not $new"
[ "$(tier_of acme)" = Advanced ] || fail "acme's parameter left Advanced: $(tier_of acme)"
[ "$(tier_of beta)" = Standard ] || fail "beta's parameter is not Standard: $(tier_of beta)"
state_is acme Ready || fail "acme is $(tenant_state acme)"
stop_daemon
echo PASS
