#!/usr/bin/env bash
# Two tenants that derive one profile name: tenant a-b's profile "c" and tenant a's
# profile "b-c" are both a-b-c-<spec> under the default naming template. a-b made it
# first: a is Stalled with a conflict that names a-b's profile and says why, never
# touches it, and resolve does not answer a-b's profile for a's (it did: an application
# of a's would have been billed to a-b). a's profile under another key is then made,
# and a-b's is left as it was. The first one's tenant removed: its profile is left as
# it is, the other tenant saying whose it is.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant_keyed a-b c
start_daemon
wait_until 60 "a-b Ready" state_is a-b Ready
arn=$(ctl resolve a-b c)
[ "$(awsim_profile_tag "$arn" bedrock-tenantd:tenant)" = a-b ] || fail "a-b's profile is tagged $(awsim_profile_tag "$arn" bedrock-tenantd:tenant)"

write_tenant_keyed a b-c
wait_until 60 "a Stalled" state_is a Stalled
names_a_b() {
	tenant_json a | jq -e '.conflict_details | any(.message | test("tenant a-b.s profile c, whose name profile b-c derives too"))'
}
wait_until 30 "a's conflict names a-b's profile" names_a_b
out=$(ctl resolve a b-c 2>"$WORK/resolve.err") && fail "resolve a b-c answered: $out"
[ -z "$out" ] || fail "resolve a b-c printed $out"
grep -q "does not exist yet" "$WORK/resolve.err" || fail "resolve a b-c: $(cat "$WORK/resolve.err")"
curl -s --unix-socket "$WORK/control.sock" "http://x/v1/resolve?tenant=a&profile=b-c" | jq -e '.arn == null' >/dev/null ||
	fail "/v1/resolve for a answers an ARN"
[ "$(awsim_param_value /bedrock-tenants/a/b-c/profile-arn)" = none ] || fail "a's parameter names a profile"
[ "$(ctl resolve a-b c)" = "$arn" ] || fail "a-b's resolve changed"
[ "$(awsim_param_value /bedrock-tenants/a-b/c/profile-arn)" = "$arn" ] || fail "a-b's parameter changed"

# the operator gives a's profile another key: made, a-b's untouched
write_tenant_keyed a bc
wait_until 60 "a Ready" state_is a Ready
mine=$(ctl resolve a bc)
[ "$mine" != "$arn" ] && [ "$(awsim_profile_tag "$mine" bedrock-tenantd:tenant)" = a ] || fail "a resolves $mine"
[ "$(awsim_profile_live "$arn")" = true ] && [ "$(awsim_profile_tag "$arn" bedrock-tenantd:tenant)" = a-b ] ||
	fail "a-b's profile is gone or retagged"
[ "$(ctl resolve a-b c)" = "$arn" ] || fail "a-b's resolve changed"

# x made first, then x-y (Stalled), then x removed: x's profile at the name both
# derive is left as it is (never deleted as anyone's), and x-y says whose it is
write_tenant_keyed x y-z
wait_until 60 "x Ready" state_is x Ready
xarn=$(ctl resolve x y-z)
write_tenant_keyed x-y z
wait_until 60 "x-y Stalled" state_is x-y Stalled
rm "$WORK/tenants/x.yaml"
says_undefined() {
	tenant_json x-y | jq -e '.conflict_details | any(.message | test("tagged as tenant x.s profile y-z, a tenant no manifest defines: left as it is"))'
}
wait_until 30 "x-y's conflict says x is not defined" says_undefined
sleep 3 # past the grace (2 s here)
ctl resync >/dev/null
sleep 2
[ "$(awsim_profile_live "$xarn")" = true ] || fail "x's profile was deleted"
out=$(ctl resolve x-y z 2>/dev/null) && fail "resolve x-y z answered $out"
stop_daemon
echo "ok: the collision reported on a, a-b's profile never a's, nor touched"
