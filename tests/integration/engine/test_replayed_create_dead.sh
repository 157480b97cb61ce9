#!/usr/bin/env bash
# A profile made, the daemon stopped before any listing showed it, the profile deleted
# by hand, and the daemon started again within the read-after-write grace (a minute):
# its create is sent again with the old clientRequestToken, which answers the ARN of
# the deleted profile. That ARN was published as the tenant's parameter (and resolve
# named it) until the grace ended. A profile no read has shown is not published now:
# SSM names nothing until a read shows a profile, then the live one.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant acme
start_daemon
wait_until 60 "acme Ready" all_ready
stop_daemon
dead=$(awsim_get state | jq -r "$PROFILES | .[0].arn")
sign_call bedrock DELETE "/inference-profiles/${dead##*/}" >/dev/null
[ "$(awsim_profile_live "$dead")" = false ] || fail "the profile was not deleted"
start_daemon
param() { awsim_param_value /bedrock-tenants/acme/p1/profile-arn; }
# the parameter left naming it goes once a listing has missed the profile; from then on,
# for the first seconds (the create replayed, the grace running), nothing names it again
not_dead() { [ "$(param)" != "$dead" ]; }
wait_until 30 "the parameter naming the deleted profile gone" not_dead
for _ in $(seq 20); do
	p=$(param)
	[ "$p" != "$dead" ] || fail "the parameter names the deleted profile $dead"
	r=$(ctl resolve acme p1 2>/dev/null || true)
	[ "$r" != "$dead" ] || fail "resolve names the deleted profile $dead"
	sleep 0.5
done
live_published() { p=$(param); [ -n "$p" ] && [ "$p" != null ] && [ "$(awsim_profile_live "$p")" = true ]; }
wait_until 120 "the parameter naming a live profile" live_published
wait_until 30 "acme Ready" all_ready
[ "$(ctl resolve acme p1)" = "$(param)" ] || fail "resolve $(ctl resolve acme p1), SSM $(param)"
[ "$(awsim_profiles_of acme)" = 1 ] || fail "acme has $(awsim_profiles_of acme) profiles"
stop_daemon
echo PASS
