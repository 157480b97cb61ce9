#!/usr/bin/env bash
# `bedrock-tenantd plan` for a suspended tenant whose manifest names another Region:
# the daemon touches nothing live while it is suspended, the old set neither drained
# nor deleted (docs/manifest.md, suspended), so plan shows nothing to do (exit 0), not
# the old set's end. Resumed, plan shows the move, and the daemon makes it.
. "$(dirname "$0")/lib.sh"
start_awsim
DRAIN=2s write_config
write_tenant acme
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }

start_daemon
wait_until 60 "acme Ready in us-east-1" all_ready
old_arn=$(ctl resolve acme p1)
stop_daemon

spec_set acme "region: us-west-2"
spec_set acme "suspended: true"
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan of a suspended tenant moved exited $rc, not 0: $out"
echo "$out" | grep -q "delete-\|start-timer" && fail "plan shows a suspended tenant's old set going: $out"
start_daemon
suspended_moving() { tenant_json acme | jq -e '.state == "Suspended" and (.moving_from | length == 1)' >/dev/null; }
wait_until 60 "acme Suspended, its move noted" suspended_moving
stop_daemon
[ "$(awsim_profile_live "$old_arn")" = true ] || fail "the suspended tenant's old profile was deleted"
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan of a suspended tenant with its move noted exited $rc, not 0: $out"

# resumed: the move is planned, and made
sed -i '/^  suspended: true$/d' "$WORK/tenants/acme.yaml"
rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan of the tenant resumed exited $rc, not 2: $out"
echo "$out" | grep -q "^    + create-profile acme-p1-" || fail "plan does not show the new set: $out"
echo "$out" | grep -q "^    - delete-profile acme-p1-.* (once the new set is Ready and the drain has passed)" ||
	fail "plan does not show the old set's end: $out"
start_daemon
moved() { tenant_json acme | jq -e '.state == "Ready" and (.moving_from | length == 0)' >/dev/null; }
wait_until 60 "acme moved" moved
[ "$(awsim_profile_live "$old_arn")" = false ] || fail "the old profile outlived the move"
stop_daemon
echo PASS
