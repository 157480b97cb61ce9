#!/usr/bin/env bash
# Tenant ids one of which begins another's (acme, acme-prod): acme-prod's resources
# retagged by hand as acme's, one profile's key changed too so that it looks like a
# replaced profile of acme's. acme-prod's names hold "acme", but not as a whole tenant
# id: nothing of acme-prod's is deleted or replaced as acme's, the tenant tags acme-prod
# keeps are set back, and resolve and SSM keep naming live profiles. Then acme's
# profile retagged as the profile of a tenant "acme-p1" that no manifest names (its
# id whole in the name): the name is acme's by acme's definition, so it is not adopted
# as acme-p1's and pruned; acme reports the conflict.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant acme "" eng 1
write_tenant acme-prod "" eng 2
start_daemon
wait_until 60 "Ready" all_ready
arn1=$(ctl resolve acme-prod p1)
arn2=$(ctl resolve acme-prod p2)
arn_a=$(ctl resolve acme p1)
param1=/bedrock-tenants/acme-prod/p1/profile-arn
changes() { awsim_get calls | jq '[to_entries[] | select(.key | test(":(Create|Delete|Put)")) | .value.ok] | add // 0'; }

sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn1"'","tags":[{"key":"bedrock-tenantd:tenant","value":"acme"}]}' >/dev/null
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn2"'","tags":[{"key":"bedrock-tenantd:tenant","value":"acme"},{"key":"bedrock-tenantd:profile","value":"p1"}]}' >/dev/null
TARGET=AmazonSSM.AddTagsToResource sign_call ssm POST / \
	'{"ResourceType":"Parameter","ResourceId":"'"$param1"'","Tags":[{"Key":"bedrock-tenantd:tenant","Value":"acme"}]}' >/dev/null
[ "$(awsim_profile_tag "$arn2" bedrock-tenantd:tenant)" = acme ] || fail "the hand edit did not happen"
before=$(changes)

ctl resync >/dev/null
wait_eq 30 "acme-prod's profile tagged acme-prod again" acme-prod awsim_profile_tag "$arn1" bedrock-tenantd:tenant
wait_eq 30 "acme-prod's parameter tagged acme-prod again" acme-prod awsim_param_tag "$param1" bedrock-tenantd:tenant
# past the grace and the drain (2 s each here), and listed again twice
sleep 5
ctl resync >/dev/null
sleep 3
ctl resync >/dev/null
sleep 2
[ "$(changes)" = "$before" ] || fail "created, put or deleted: $(awsim_get calls | jq -c 'with_entries(select(.key | test(":(Create|Delete|Put)")))')"
[ "$(awsim_get state | jq "$PROFILES"' | length')" = 3 ] || fail "profiles: $(awsim_get state | jq -c "$PROFILES"' | map(.arn)')"
[ "$(ctl resolve acme-prod p1)" = "$arn1" ] && [ "$(ctl resolve acme-prod p2)" = "$arn2" ] && [ "$(ctl resolve acme p1)" = "$arn_a" ] ||
	fail "resolve changed"
[ "$(awsim_param_value "$param1")" = "$arn1" ] || fail "p1's parameter changed"
[ "$(awsim_param_value /bedrock-tenants/acme-prod/p2/profile-arn)" = "$arn2" ] || fail "p2's parameter changed"
# the profile tagged as acme's p1 at acme-prod's p2 name: a conflict for acme-prod to
# report (its tags say another tenant's profile), never one of acme's to drain
tenant_json acme | jq -e '.state == "Ready"' >/dev/null || fail "acme: $(tenant_json acme | jq -c '{state, reason}')"
tenant_json acme-prod | jq -e --arg a "$arn2" '.state == "Stalled" and any(.conflict_details[]; .resource == $a and (.message | test("acme-prod-p2-8e5ce6 exists, tagged as tenant acme.s profile p1")))' >/dev/null ||
	fail "acme-prod: $(tenant_json acme-prod | jq -c '{state, conflict_details}')"

sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn_a"'","tags":[{"key":"bedrock-tenantd:tenant","value":"acme-p1"},{"key":"bedrock-tenantd:profile","value":"x"}]}' >/dev/null
before=$(changes)
ctl resync >/dev/null
wait_until 30 "acme stalled on the conflict" state_is acme Stalled
sleep 5 # past the grace (2 s here)
ctl resync >/dev/null
sleep 2
[ "$(changes)" = "$before" ] || fail "created, put or deleted: $(awsim_get calls | jq -c 'with_entries(select(.key | test(":(Create|Delete|Put)")))')"
[ "$(ctl resolve acme p1)" = "$arn_a" ] || fail "acme's resolve changed"
[ "$(awsim_param_value /bedrock-tenants/acme/p1/profile-arn)" = "$arn_a" ] || fail "acme's parameter changed"
tenant_json acme | jq -e --arg a "$arn_a" 'any(.conflict_details[]; .resource == $a and (.message | test("tagged as tenant acme-p1.s profile x")))' >/dev/null ||
	fail "acme: $(tenant_json acme | jq -c '{state, conflict_details}')"
if grep -q "tenant=acme-p1 owns resources" "$WORK/daemon.log"; then fail "acme's profile was adopted as acme-p1's"; fi
stop_daemon
echo PASS
