#!/usr/bin/env bash
# A deleted manifest: its tenant shows Deleting, its resources live through the grace
# period, then go; the other tenants are untouched.
. "$(dirname "$0")/lib.sh"
GRACE=3s
start_awsim
write_config
for t in alpha beta gamma; do write_tenant "$t" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready
rm "$WORK/tenants/beta.yaml"
wait_until 10 "beta Deleting" state_is beta Deleting
[ "$(awsim_profiles_of beta)" = 1 ] || fail "beta deleted before its grace period"
wait_until 30 "beta gone from the daemon" gone beta
[ "$(awsim_profiles_of beta)" = 0 ] || fail "beta's profile is still live"
[ "$(awsim_get state | jq "$PARAMS"' | map(select(.name | startswith("/bedrock-tenants/beta/"))) | length')" = 0 ] ||
	fail "beta's parameter is still there"
for t in alpha gamma; do [ "$(awsim_profiles_of $t)" = 1 ] || fail "$t was touched"; done
stop_daemon
echo PASS
