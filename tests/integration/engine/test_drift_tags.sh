#!/usr/bin/env bash
# Tags edited by hand on resources the daemon wrote moments ago are set back by the
# next resync (a listing that started after the daemon's write is authoritative over
# it), and each repair is in the tenant's history and in the log with its attribute:
# "tag CostCenter: hacked -> claims". Tag keys the daemon never set stay.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant acme-claims "" claims 1
start_daemon
wait_until 60 "Ready" all_ready

arn=$(ctl resolve acme-claims p1)
param=/bedrock-tenants/acme-claims/p1/profile-arn
profile_tag() { awsim_get state | jq -r --arg a "$arn" --arg k "$1" "$PROFILES"' | map(select(.arn == $a)) | .[0].tag[$k] // "none"'; }
param_tag() { awsim_get state | jq -r --arg n "$param" --arg k "$1" "$PARAMS"' | map(select(.name == $n)) | .[0].tag[$k] // "none"'; }
history() { tenant_json acme-claims | jq -r '.history[].event'; }

# right after the daemon's own writes (no listing since): edit by hand
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn"'","tags":[{"key":"CostCenter","value":"hacked"},{"key":"Owner","value":"ops"}]}' >/dev/null
TARGET=AmazonSSM.AddTagsToResource sign_call ssm POST / \
	'{"ResourceType":"Parameter","ResourceId":"'"$param"'","Tags":[{"Key":"CostCenter","Value":"hacked"}]}' >/dev/null
[ "$(profile_tag CostCenter)" = hacked ] || fail "the hand-made tag edit did not happen"
ctl resync >/dev/null
wait_eq 30 "CostCenter set back on the profile" claims profile_tag CostCenter
wait_eq 30 "CostCenter set back on the parameter" claims param_tag CostCenter
[ "$(profile_tag Owner)" = ops ] || fail "a tag the daemon never set was removed"
wait_until 30 "Ready" all_ready
history | grep -q "drift repaired: profile $arn: tag CostCenter: hacked -> claims" ||
	fail "no attribute-level repair of the profile in the history: $(history)"
history | grep -q "drift repaired: parameter $param: tag CostCenter: hacked -> claims" ||
	fail "no attribute-level repair of the parameter in the history: $(history)"
[ "$(grep -c "tenant=acme-claims drift repaired: .*tag CostCenter: hacked -> claims" "$WORK/daemon.log")" = 2 ] ||
	fail "not one log line per repair: $(grep 'drift repaired' "$WORK/daemon.log")"
[ "$(awsim_profiles_of acme-claims)" = 1 ] || fail "a tag repair must not replace the profile"

# a tag removed by hand comes back too
TARGET=AmazonSSM.RemoveTagsFromResource sign_call ssm POST / \
	'{"ResourceType":"Parameter","ResourceId":"'"$param"'","TagKeys":["CostCenter"]}' >/dev/null
ctl resync >/dev/null
wait_eq 30 "CostCenter back on the parameter" claims param_tag CostCenter
history | grep -q "drift repaired: parameter $param: tag CostCenter: (none) -> claims" ||
	fail "no repair of the removed tag in the history: $(history)"

# a steady state after the repairs: a resync changes nothing
mutating() { awsim_get calls | jq '[to_entries[] | select(.value.mutating) | .value.ok] | add // 0'; }
before=$(mutating)
n=$(calls bedrock:ListInferenceProfiles)
ctl resync >/dev/null
wait_until 30 "a listing" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"bedrock:ListInferenceProfiles\"].ok // 0') -gt $n ]"
sleep 1
wait_until 30 "Ready" all_ready
[ "$(mutating)" = "$before" ] || fail "a resync of a repaired state made mutating calls"
stop_daemon
echo PASS
