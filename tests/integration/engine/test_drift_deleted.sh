#!/usr/bin/env bash
# Out-of-band deletions: a listing that started after the daemon's own write is
# authoritative over it. (a) A profile deleted by hand long after it was written (a
# listing has shown it since) is re-created after the next resync; meanwhile resolve
# never names it, and the SSM parameter ends naming the live profile. (b) A profile
# deleted by hand right after its create, before any listing saw it, is re-created
# after the next listing with a fresh clientRequestToken (the old one only replays
# the dead ARN). A parameter or a budget deleted by hand is created again. Each repair
# is in the tenant's history and in the log.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant acme-claims "" claims 1
start_daemon
wait_until 60 "Ready" all_ready

live() { awsim_get state | jq -e --arg a "$1" "$PROFILES"' | map(select(.arn == $a)) | length == 1' >/dev/null; }
profile_id() { awsim_get state | jq -r --arg a "$1" "$PROFILES"' | map(select(.arn == $a)) | .[0].id'; }
param_value() { awsim_get state | jq -r --arg t "$1" "$PARAMS"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) | .[0].value'; }
resolved() { ctl resolve "$1" p1 2>/dev/null || true; }
history() { tenant_json "$1" | jq -r '.history[].event'; }
delete_by_hand() { sign_call bedrock DELETE "/inference-profiles/$(profile_id "$1")" >/dev/null; }
listings() { calls bedrock:ListInferenceProfiles; }

# (a) written, then listed by a resync (the create intent is settled), then deleted
old=$(resolved acme-claims)
[ -n "$old" ] || fail "acme-claims does not resolve"
n=$(listings)
ctl resync >/dev/null
wait_until 30 "a listing after the create" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"bedrock:ListInferenceProfiles\"].ok // 0') -gt $n ]"
wait_until 30 "Ready after the resync" all_ready
delete_by_hand "$old"
live "$old" && fail "the hand-made deletion did not happen"
ctl resync >/dev/null
# resolve stops naming the dead profile within a resync ...
not_old() { [ "$(resolved acme-claims)" != "$old" ]; }
wait_until 30 "resolve stops naming the deleted profile $old" not_old
# ... and from then on names only live profiles, while the profile is re-created
( while :; do
	a=$(resolved acme-claims)
	if [ -n "$a" ] && ! live "$a"; then echo "$a" >>"$WORK/dead-resolved"; fi
	sleep 0.05
done ) &
sampler=$!
recreated() {
	new=$(resolved acme-claims)
	[ -n "$new" ] && [ "$new" != "$old" ] && live "$new" && [ "$(param_value acme-claims)" = "$new" ] &&
		state_is acme-claims Ready
}
wait_until 30 "acme-claims re-created, its parameter naming the new profile, Ready" recreated
kill "$sampler"
wait "$sampler" 2>/dev/null || true
[ ! -s "$WORK/dead-resolved" ] || fail "resolve named a profile absent in AWS: $(sort -u "$WORK/dead-resolved" | tr '\n' ' ')"
[ "$(awsim_profiles_of acme-claims)" = 1 ] || fail "more than one profile for acme-claims"
# the repair ran while the tenant was Reconciling (not Ready), and it was Ready after
history acme-claims | sed -n '/drift repaired: profile/,$p' | grep -q "Reconciling -> Ready" ||
	fail "acme-claims was not Reconciling while its profile was re-created: $(history acme-claims)"
history acme-claims | grep -q "drift repaired: profile acme-claims-p1-[0-9a-f]* missing: re-created" ||
	fail "no repair in the history: $(history acme-claims)"
[ "$(grep -c "tenant=acme-claims drift repaired: profile acme-claims-p1-[0-9a-f]* missing: re-created" "$WORK/daemon.log")" = 1 ] ||
	fail "not one repair line in the log: $(grep 'drift repaired' "$WORK/daemon.log")"

# (b) a new tenant whose profile is deleted right after its create, before any listing
n=$(listings)
write_tenant globex "" eng 1
wait_until 30 "globex Ready" state_is globex Ready
first=$(resolved globex)
[ "$(listings)" = "$n" ] || echo "note: a listing ran during globex's create"
delete_by_hand "$first"
creates=$(calls bedrock:CreateInferenceProfile)
ctl resync >/dev/null
globex_recreated() {
	new=$(resolved globex)
	[ -n "$new" ] && [ "$new" != "$first" ] && live "$new" && [ "$(param_value globex)" = "$new" ] &&
		state_is globex Ready
}
wait_until 30 "globex re-created after the listing" globex_recreated
[ "$(awsim_profiles_of globex)" = 1 ] || fail "more than one profile for globex"
[ "$(calls bedrock:CreateInferenceProfile)" -gt "$creates" ] || fail "no create was answered for globex"
history globex | grep -q "drift repaired: profile globex-p1-[0-9a-f]* missing: re-created" ||
	fail "no repair in globex's history: $(history globex)"

# a parameter deleted by hand is published again after a resync
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / '{"Name":"/bedrock-tenants/globex/p1/profile-arn"}' >/dev/null
ctl resync >/dev/null
republished() { [ "$(param_value globex)" = "$(resolved globex)" ]; }
wait_until 30 "globex's parameter published again" republished
history globex | grep -q "parameter /bedrock-tenants/globex/p1/profile-arn missing: published again" ||
	fail "no parameter repair in globex's history: $(history globex)"

# a budget deleted by hand is created again, with its alert
write_budget_tenant initech 100 "80:actual:ops@example.com"
wait_until 30 "initech Ready" state_is initech Ready
TARGET=AWSBudgetServiceGateway.DeleteBudget sign_call budgets POST / \
	'{"AccountId":"111122223333","BudgetName":"bedrock-tenant-initech"}' >/dev/null
[ "$(budget bedrock-tenant-initech)" = null ] || fail "the hand-made budget deletion did not happen"
ctl resync >/dev/null
budget_back() { budget bedrock-tenant-initech | jq -e '.notifications | length == 1' >/dev/null; }
wait_until 30 "initech's budget created again with its alert" budget_back
history initech | grep -q "drift repaired: budget bedrock-tenant-initech missing: re-created" ||
	fail "no budget repair in initech's history: $(history initech)"
wait_until 30 "Ready" all_ready
consistent || fail "a parameter names a profile that is not live"
stop_daemon
echo PASS
