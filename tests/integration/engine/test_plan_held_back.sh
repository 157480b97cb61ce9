#!/usr/bin/env bash
# A removal held by the prune gate whose manifest comes back while the daemon is
# stopped: at its start the daemon ends the tenant's standing at the gate (a manifest
# that comes back ends it), so what the manifest no longer names goes as for any tenant,
# after its grace, unheld. `bedrock-tenantd plan` must show those deletions due now, not
# held until an approval.
. "$(dirname "$0")/lib.sh"
GRACE=2s DRAIN=2s
start_awsim
write_config
for i in $(seq 1 13); do write_tenant g$i; done
start_daemon
wait_until 90 "Ready" all_ready
old=$(ctl resolve g1 p1)
for i in $(seq 1 11); do rm "$WORK/tenants/g$i.yaml"; done
held11() { status_json | jq -e '(.held_deletions | length) == 11' >/dev/null; }
wait_until 60 "11 removals held" held11
stop_daemon
sleep 3 # the grace periods (2 s) are over

# g1 back, its profile p1 renamed q1: p1's profile and parameter go at once
write_tenant g1
sed -i 's/name: p1/name: q1/' "$WORK/tenants/g1.yaml"
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan.json" || rc=$?
[ $rc = 2 ] || fail "plan exited $rc, not 2"
g1=$(jq -c '.tenants[] | select(.id == "g1")' "$WORK/plan.json")
echo "$g1" | jq -e '.held == false' >/dev/null || fail "plan holds g1, whose manifest is back: $g1"
echo "$g1" | jq -e --arg a "$old" '[.actions[] | select(.kind == "delete-profile" and .resource == $a and .after == null and
	(.after_approval | not))] | length == 1' >/dev/null || fail "plan does not delete g1's old profile now: $g1"
echo "$g1" | jq -e '[.actions[] | select(.kind == "delete-parameter" and .resource == "/bedrock-tenants/g1/p1/profile-arn" and
	.after == null and (.after_approval | not))] | length == 1' >/dev/null || fail "plan does not delete g1's old parameter now: $g1"
jq -e '[.tenants[] | select(.held)] | length == 10' "$WORK/plan.json" >/dev/null ||
	fail "plan does not hold the 10 others: $(jq -c '[.tenants[] | select(.held) | .id]' "$WORK/plan.json")"

awsim_put calls/reset
start_daemon
old_gone() { [ "$(awsim_profile_live "$old")" = false ] && [ "$(awsim_param_value /bedrock-tenants/g1/p1/profile-arn)" = none ]; }
wait_until 30 "g1's old profile and parameter deleted" old_gone
[ "$(calls bedrock:DeleteInferenceProfile)" = 1 ] || fail "the daemon deleted $(calls bedrock:DeleteInferenceProfile) profiles"
status_json | jq -e '(.held_deletions | length) == 10' >/dev/null || fail "held: $(status_json | jq -c .held_deletions)"
stop_daemon
echo PASS
