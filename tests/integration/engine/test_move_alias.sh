#!/usr/bin/env bash
# One account under two aliases ("-", the default, and "prod", the same id): a tenant
# of the default account moves to the other account while another tenant keeps
# prod/us-west-2 listed. A listing of prod/us-west-2 during the drain shows the moving
# tenant's old set there, which is the old place -/us-west-2 seen under another name:
# no second old place, and the set that serves (resolve) stays the new one, before the
# old profile is deleted and after (docs/operations.md "Moves", 6). Then the tenant
# moves back under the alias: what the daemon deleted through one alias is gone in the
# other's model too, and a new set is made there.
. "$(dirname "$0")/lib.sh"
DRAIN=6s
start_awsim_two_accounts
write_config
add_other_account
create_role app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app
write_tenant keeper
spec_set keeper "region: us-west-2"
spec_set keeper "account: prod"
write_acme_moving us-west-2
start_daemon
wait_until 60 "every tenant Ready" all_ready
old_arn=$(ctl resolve acme p1)

write_acme_moving us-west-2 other
draining() { tenant_json acme | jq -e '.state == "Ready" and (.moving_from | length == 1) and .moving_from[0].deletion != null' >/dev/null; }
wait_until 60 "acme's new set Ready, the old one draining" draining
new_arn=$(ctl resolve acme p1)
[ "$new_arn" != "$old_arn" ] || fail "resolve still names the old profile once the new set is Ready"
ctl resync >/dev/null # prod/us-west-2 listed again: acme's old profile is there
sleep 1.5
tenant_json acme | jq -e '[.moving_from[].place] == ["-/us-west-2"]' >/dev/null ||
	fail "one place taken for two: $(tenant_json acme | jq -c '[.moving_from[] | {place, switched}]')"
[ "$(ctl resolve acme p1)" = "$new_arn" ] || fail "resolve went back to the old set: $(ctl resolve acme p1)"
moved() { tenant_json acme | jq -e '.state == "Ready" and (.moving_from | length == 0)' >/dev/null; }
wait_until 60 "the move over" moved
[ "$(awsim_profile_live "$old_arn")" = false ] || fail "the old profile is left"

# at once back to the first account, under its alias this time: prod/us-west-2's model,
# listed before the deletion made through "-", learned it, so a new set is made there
write_acme_moving us-west-2 prod
# resolve first: naming A, the edit is seen, and the move shows until the set in B goes
# (looked at the other way round, the edit may come between the two looks)
back() { ctl resolve acme p1 | grep -q ":$A:" && moved; }
wait_until 60 "acme back in $A (prod), the move over" back
arn=$(ctl resolve acme p1)
[ "$arn" != "$old_arn" ] || fail "resolve names the profile deleted a move ago: $arn"
[ "$(awsim_profile_live "$new_arn")" = false ] || fail "the set in $B is left"
# every answer names a live profile, across listings of both aliases
for _ in 1 2 3; do
	[ "$(ctl resolve acme p1)" = "$arn" ] || fail "resolve names $(ctl resolve acme p1), not $arn"
	[ "$(awsim_profile_live "$arn")" = true ] || fail "resolve names a profile that is not live: $arn"
	[ "$(awsim_param_value /bedrock-tenants/acme/p1/profile-arn)" = "$arn" ] || fail "the parameter does not name $arn"
	tenant_json acme | jq -e '.moving_from | length == 0' >/dev/null ||
		fail "an old place again: $(tenant_json acme | jq -c '.moving_from')"
	ctl resync >/dev/null
	sleep 0.5
done
stop_daemon
echo PASS
