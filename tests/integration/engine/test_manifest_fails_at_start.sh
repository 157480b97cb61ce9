#!/usr/bin/env bash
# A manifest broken while the daemon is down has no good definition the daemon knows
# at its next start (docs/operations.md, safety rule 2): the tenant's resources stay
# as they are, however long it fails. A file whose tenant id can be read holds that
# tenant (Pending, the problem and why in its JSON); one whose id cannot be read holds
# every tenant without a manifest. Fixed, the tenant is reconciled with its own
# resources (nothing made again). A tenant removed while the daemon was down goes
# after the grace period, even from a place no other tenant names, and a broken file
# removed lets the tenant it held go too, as does a manifest removed while such a file
# exists, once it is gone. `bedrock-tenantd plan` shows the same; `resolve` of a held
# tenant says why it names no ARN.
. "$(dirname "$0")/lib.sh"
GRACE=2s
start_awsim
write_config
for id in t0 t1 t2; do write_tenant "$id"; done
write_tenant t3
spec_set t3 "region: us-west-2" # alone in its place
start_daemon
wait_until 60 "every tenant Ready" all_ready
arn2=$(ctl resolve t2 p1)
arn3=$(ctl resolve t3 p1)
stop_daemon

broken_spec() {
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t2\nspec:\n  profiles: 7\n' \
		>"$WORK/tenants/t2.yaml"
}
broken_yaml() { printf 'metadata: [\n  name: t2\n' >"$WORK/tenants/t2.yaml"; }
# the grace period, a resync and a reconcile of every tenant: whatever was due is done
let_time_pass() {
	sleep 3
	ctl resync >/dev/null
	ctl reconcile >/dev/null
	sleep 2
}

plan_json() {
	local rc=0
	"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan.json" 2>"$WORK/plan.err" || rc=$?
	[ $rc = 1 ] || fail "plan exits $rc with a failing manifest: $(cat "$WORK/plan.err")"
}
deletions() { jq -c '[.tenants[] | .id as $t | .actions[] | select(.kind | startswith("delete-")) | "\($t) \(.kind)"]' "$WORK/plan.json"; }

# 1. t2's manifest names t2 and fails; t3's is gone. plan shows what the daemon does
broken_spec
rm "$WORK/tenants/t3.yaml"
plan_json
[ "$(deletions)" = '["t3 delete-parameter","t3 delete-profile"]' ] ||
	fail "plan's deletions with t2 failing and t3 gone: $(deletions)"
start_daemon
t3_gone() { [ "$(awsim_profile_live "$arn3")" = false ] && gone t3; }
wait_until 30 "t3, removed while the daemon was down, deleted and forgotten" t3_gone
let_time_pass
[ "$(awsim_profile_live "$arn2")" = true ] || fail "t2's profile was deleted while its manifest failed"
[ "$(awsim_param_value /bedrock-tenants/t2/p1/profile-arn)" = "$arn2" ] || fail "t2's parameter changed"
tenant_json t2 | jq -e '.state == "Pending" and (.problem | test("t2.yaml:6:13")) and
	(.waiting | test("nothing of it is touched"))' >/dev/null ||
	fail "t2 does not show why it is held: $(tenant_json t2 | jq -c '{state, problem, waiting}')"
# resolve names no ARN (its definition is not known) and says why, not that the tenant
# has no such profile (404: it answered so)
rc=0
ctl resolve t2 p1 >"$WORK/resolve.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "resolve t2 exits $rc, want 1: $(cat "$WORK/resolve.out")"
grep -q "its manifest fails and no good definition of it is known" "$WORK/resolve.out" ||
	fail "resolve t2 does not say why: $(cat "$WORK/resolve.out")"
stop_daemon

# 2. t2's manifest fails before its id can be read: nothing without a manifest goes
broken_yaml
plan_json
[ "$(deletions)" = '[]' ] || fail "plan deletes with a file whose id cannot be read: $(deletions)"
grep -q "plan leaves them out" "$WORK/plan.err" || fail "plan does not say why: $(cat "$WORK/plan.err")"
start_daemon
wait_until 30 "the warning about unreadable ids" grep -q "no tenant without a manifest is taken for removed" "$WORK/daemon.log"
let_time_pass
[ "$(awsim_profile_live "$arn2")" = true ] || fail "t2's profile was deleted while a file without a readable id failed"

# 3. fixed: its own resources, nothing made again
awsim_put calls/reset
write_tenant t2
wait_until 30 "t2 Ready" state_is t2 Ready
[ "$(ctl resolve t2 p1)" = "$arn2" ] || fail "t2 has another profile: $(ctl resolve t2 p1)"
[ "$(calls bedrock:CreateInferenceProfile)" = 0 ] || fail "t2's profile was made again"

# 4. broken again across a restart, then its file removed: t2 goes
stop_daemon
broken_yaml
start_daemon
let_time_pass
[ "$(awsim_profile_live "$arn2")" = true ] || fail "t2's profile was deleted while its manifest failed (again)"
rm "$WORK/tenants/t2.yaml"
t2_gone() { [ "$(awsim_profile_live "$arn2")" = false ] && gone t2; }
wait_until 30 "t2 deleted once no file may name it" t2_gone
[ "$(awsim_profiles_of t0)" = 1 ] && [ "$(awsim_profiles_of t1)" = 1 ] || fail "t0 or t1 lost its profile"

# 5. while the daemon runs, a file whose id cannot be read appears, and t1's manifest
# goes: t1 may have moved into that file, so it is kept with its last definition; the
# file gone, t1 goes
arn1=$(ctl resolve t1 p1)
printf 'metadata: [\n' >"$WORK/tenants/zz-junk.yaml"
sleep 1
rm "$WORK/tenants/t1.yaml"
let_time_pass
[ "$(awsim_profile_live "$arn1")" = true ] || fail "t1 was deleted while a file without a readable id exists"
state_is t1 Ready || fail "t1 is $(tenant_state t1) while kept"
tenant_json t1 | jq -e '.problem | test("manifest is gone while a file fails")' >/dev/null ||
	fail "t1 does not show why it is kept: $(tenant_json t1 | jq -c '{state, problem}')"
rc=0
ctl status >/dev/null || rc=$?
[ $rc = 1 ] || fail "bedrock-tenantctl status exits $rc while t1 is kept"

rm "$WORK/tenants/zz-junk.yaml"
t1_gone() { [ "$(awsim_profile_live "$arn1")" = false ] && gone t1; }
wait_until 30 "t1 deleted once every id can be read" t1_gone
[ "$(awsim_profiles_of t0)" = 1 ] || fail "t0 lost its profile"
stop_daemon
echo PASS
