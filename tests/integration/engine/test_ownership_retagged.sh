#!/usr/bin/env bash
# A resource's ownership tags edited by hand in AWS: acme's profile tagged as beta's,
# acme's parameter as a tenant no manifest names, acme's other profile given the
# profile key of its first. The tag says one tenant, the name (derived from the
# tenant's id) another: nothing is deleted or replaced as the tagged tenant's, no
# tenant stalls, the tags are set back, and resolve and SSM keep naming live profiles.
# A profile made by hand at a tenant's name with this instance's tag stays a conflict.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant acme "" eng 2
write_tenant beta "" eng 1
start_daemon
wait_until 60 "Ready" all_ready
arn1=$(ctl resolve acme p1)
arn2=$(ctl resolve acme p2)
arn_b=$(ctl resolve beta p1)
param2=/bedrock-tenants/acme/p2/profile-arn
writes() { awsim_get calls | jq '[to_entries[] | select(.key | test(":(Create|Delete|Put)")) | .value.ok] | add // 0'; }

sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn1"'","tags":[{"key":"bedrock-tenantd:tenant","value":"beta"}]}' >/dev/null
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn2"'","tags":[{"key":"bedrock-tenantd:profile","value":"p1"}]}' >/dev/null
TARGET=AmazonSSM.AddTagsToResource sign_call ssm POST / \
	'{"ResourceType":"Parameter","ResourceId":"'"$param2"'","Tags":[{"Key":"bedrock-tenantd:tenant","Value":"zzz"}]}' >/dev/null
[ "$(awsim_profile_tag "$arn1" bedrock-tenantd:tenant)" = beta ] || fail "the hand edit did not happen"
before=$(writes)

ctl resync >/dev/null
wait_eq 30 "acme's profile tagged acme again" acme awsim_profile_tag "$arn1" bedrock-tenantd:tenant
wait_eq 30 "acme's second profile given its key again" p2 awsim_profile_tag "$arn2" bedrock-tenantd:profile
wait_eq 30 "acme's parameter tagged acme again" acme awsim_param_tag "$param2" bedrock-tenantd:tenant
# past the grace and the drain (2 s each here), and listed again
sleep 5
ctl resync >/dev/null
sleep 2
wait_until 30 "Ready" all_ready
[ "$(writes)" = "$before" ] || fail "created, put or deleted: $(awsim_get calls | jq -c 'with_entries(select(.key | test(":(Create|Delete|Put)")))')"
[ "$(awsim_profiles_of acme)" = 2 ] || fail "acme has $(awsim_profiles_of acme) profiles"
[ "$(ctl resolve acme p1)" = "$arn1" ] && [ "$(ctl resolve acme p2)" = "$arn2" ] || fail "resolve changed"
[ "$(awsim_param_value /bedrock-tenants/acme/p1/profile-arn)" = "$arn1" ] || fail "p1's parameter changed"
[ "$(awsim_param_value "$param2")" = "$arn2" ] || fail "p2's parameter changed"
if grep -q "has no manifest" "$WORK/daemon.log"; then fail "a tenant was made up from a tag: $(grep "has no manifest" "$WORK/daemon.log")"; fi
tenant_json acme | jq -r '.history[].event' | grep -q "drift repaired: profile $arn1: tag bedrock-tenantd:tenant: beta -> acme" ||
	fail "the repair is not in acme's history: $(tenant_json acme | jq -r '.history[].event')"

# Made by hand at a new tenant's name, with this instance's tag and beta's, another
# model and no profile or spec tag: not the new tenant's (a conflict), nor beta's.
squat=$(sign_call bedrock POST /inference-profiles '{"inferenceProfileName":"gamma-p1-8e5ce6","modelSource":{"copyFrom":"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"},"tags":[{"key":"bedrock-tenantd:managed-by","value":"bedrock-tenantd"},{"key":"bedrock-tenantd:tenant","value":"beta"}]}' | jq -r .inferenceProfileArn)
ctl resync >/dev/null
write_tenant gamma "" eng 1
wait_until 30 "gamma stalled on the conflict" sh -c "$CTL_BIN --socket $WORK/control.sock --json tenant gamma | jq -e '.state == \"Stalled\"' >/dev/null"
sleep 5 # past beta's grace and drain
ctl resync >/dev/null
sleep 2
[ "$(awsim_profile_tag "$squat" bedrock-tenantd:tenant)" = beta ] || fail "the hand-made profile was retagged"
[ "$(awsim_param_value /bedrock-tenants/gamma/p1/profile-arn)" = none ] || fail "gamma published the hand-made profile"
[ "$(ctl resolve beta p1)" = "$arn_b" ] && [ "$(awsim_param_value /bedrock-tenants/beta/p1/profile-arn)" = "$arn_b" ] ||
	fail "beta changed: $(ctl resolve beta p1), was $arn_b"
awsim_get state | jq -e --arg a "$squat" "$PROFILES"' | any(.arn == $a)' >/dev/null || fail "the hand-made profile was deleted"
stop_daemon
echo PASS
