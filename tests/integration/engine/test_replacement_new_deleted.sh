#!/usr/bin/env bash
# A model change's new profile deleted by hand while the old one drains, its making
# again refused (the place's quota is full): the parameter, which named the deleted
# profile, names the old one again (live, and serving until the new one is made)
# rather than nothing, resolve says the same, and the old profile outlives its drain.
# With room again the new profile is made, the parameter switches to it, and the old
# one drains and goes.
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=2
DRAIN=3s write_config
write_tenant alpha
start_daemon
wait_until 60 "alpha Ready" state_is alpha Ready
param() { awsim_get state | jq -r "$PARAMS | map(select(.name == \"/bedrock-tenants/alpha/p1/profile-arn\")) | .[0].value"; }
profile_id() { awsim_get state | jq -r --arg a "$1" "$PROFILES"' | map(select(.arn == $a)) | .[0].id'; }
old=$(ctl resolve alpha p1)

write_tenant alpha amazon.nova-lite-v1:0
switched() { [ "$(param)" != "$old" ] && [ "$(param)" != null ]; }
wait_until 60 "the parameter switched to the new profile" switched
new=$(param)
wait_until 30 "alpha Ready on its new model" state_is alpha Ready
awsim_put quotas '{"quotas": {"L-40EC9882": 1}}'
sign_call bedrock DELETE "/inference-profiles/$(profile_id "$new")" >/dev/null
[ "$(awsim_profile_live "$new")" = false ] || fail "the new profile was not deleted"
ctl resync >/dev/null
names_old() { [ "$(param)" = "$old" ]; }
wait_until 30 "the parameter naming the old profile again" names_old
[ "$(ctl resolve alpha p1)" = "$old" ] || fail "resolve says $(ctl resolve alpha p1 2>&1), SSM $old"
sleep 5 # past the drain
[ "$(awsim_profile_live "$old")" = true ] || fail "the old profile was deleted while it serves"
[ "$(param)" = "$old" ] || fail "the parameter moved: $(param)"

awsim_put quotas '{"quotas": {"L-40EC9882": 5}}'
ctl resync >/dev/null
made_again() { p=$(param); [ "$p" != "$old" ] && [ "$p" != "$new" ] && [ "$(awsim_profile_live "$p")" = true ]; }
wait_until 60 "the parameter naming a new profile made again" made_again
old_gone() { [ "$(awsim_profile_live "$old")" = false ]; }
wait_until 60 "the old profile drained and deleted" old_gone
wait_until 30 "alpha Ready" state_is alpha Ready
[ "$(ctl resolve alpha p1)" = "$(param)" ] || fail "resolve $(ctl resolve alpha p1), SSM $(param)"
stop_daemon
echo PASS
