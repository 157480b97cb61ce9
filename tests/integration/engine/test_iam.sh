#!/usr/bin/env bash
# IAM: one inline policy per listed role with exactly the tenant's profiles; a model
# replacement is seen in the policy (new profile granted before the old one goes);
# a role removed from the manifest loses the policy; a role that does not exist is
# an error on the tenant, retried, and heals once the role exists.
. "$(dirname "$0")/lib.sh"
GRACE=2s
DRAIN=2s
start_awsim
write_config
create_role acme-app acme-batch
write_budget_tenant acme 100 "" "[acme-app, acme-batch]"
start_daemon
wait_until 60 "Ready" all_ready
arn=$(ctl resolve acme p1)
doc=$(role_policy acme-app bedrock-tenantd-acme)
echo "$doc" | jq -e --arg a "$arn" '.Statement | length == 3 and (.[0].Resource | index($a)) and
	(.[1].Condition.StringEquals["bedrock:InferenceProfileArn"] | index($a)) and .[2].Action == "bedrock:GetInferenceProfile"' >/dev/null ||
	fail "wrong policy: $doc"
echo "$doc" | jq -e '.Statement[1].Resource | map(select(contains("foundation-model/anthropic.claude-3-5-haiku"))) | length >= 1' >/dev/null ||
	fail "the underlying foundation model is not granted"
[ -n "$(role_policy acme-batch bedrock-tenantd-acme)" ] || fail "the second role has no policy"

# steady: no policy is read back while nothing changes
awsim_put calls/reset
ctl resync >/dev/null
wait_until 30 "a listing" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"bedrock:ListInferenceProfiles\"].ok // 0') -ge 1 ]"
wait_until 30 "Ready" all_ready
sleep 1
[ "$(calls iam:GetRolePolicy)" = 0 ] || fail "steady state read a role policy"

# a model replacement: the new profile is granted before the old one is deleted
( while :; do
	d=$(role_policy acme-app bedrock-tenantd-acme)
	live=$(awsim_get state | jq -c "$PROFILES | map(select(.tag[\"bedrock-tenantd:tenant\"] == \"acme\")) | map(.arn)")
	# every live profile of the tenant must be granted at every moment after the create settles
	echo "$d" | jq -e --argjson live "$live" '.Statement[0].Resource as $r | $live - $r | length == 0' >/dev/null ||
		echo ungranted >>"$WORK/samples"
	echo ok >>"$WORK/samples"
	sleep 0.05
done ) &
sampler=$!
MODEL=amazon.nova-lite-v1:0 write_budget_tenant acme 100 "" "[acme-app, acme-batch]"
changed() { [ "$(ctl resolve acme p1)" != "$arn" ]; }
wait_until 30 "the new profile" changed
new=$(ctl resolve acme p1)
one_profile() { [ "$(awsim_profiles_of acme)" = 1 ]; }
wait_until 30 "the old profile deleted after the drain" one_profile
old_dropped() { ! role_policy acme-app bedrock-tenantd-acme | grep -q "$arn"; }
wait_until 30 "the old profile dropped from the policy" old_dropped
kill "$sampler"; wait "$sampler" 2>/dev/null || true
role_policy acme-app bedrock-tenantd-acme | grep -q "$new" || fail "the new profile is not granted"
role_policy acme-app bedrock-tenantd-acme | grep -q "nova-lite" || fail "the new model is not granted"
# a live profile may be ungranted only in the short window between its create and the policy write
echo "$(grep -c ok "$WORK/samples") samples, $(grep -c ungranted "$WORK/samples" || true) in the create-to-grant window"

# a role leaves the manifest: its policy goes after the grace period; the other stays
MODEL=amazon.nova-lite-v1:0 write_budget_tenant acme 100 "" "[acme-app]"
no_batch_policy() { [ -z "$(role_policy acme-batch bedrock-tenantd-acme)" ]; }
wait_until 30 "acme-batch loses the policy" no_batch_policy
[ -n "$(role_policy acme-app bedrock-tenantd-acme)" ] || fail "acme-app lost its policy"

# a role that does not exist: an error on the tenant, healed once the role exists
MODEL=amazon.nova-lite-v1:0 write_budget_tenant acme 100 "" "[acme-app, acme-late]"
wait_until 30 "acme in Error" state_is acme Error
tenant_json acme | jq -e '.last_error | test("acme-late does not exist")' >/dev/null || fail "the error does not name the role"
create_role acme-late
ctl reconcile acme >/dev/null
wait_until 60 "acme Ready once the role exists" state_is acme Ready
[ -n "$(role_policy acme-late bedrock-tenantd-acme)" ] || fail "acme-late has no policy"
stop_daemon
echo PASS
