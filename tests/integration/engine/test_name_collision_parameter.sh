#!/usr/bin/env bash
# Two tenants that derive one SSM parameter name: with naming.parameter
# "/bt/{tenant}-{profile}/arn", tenant a-b's profile "c" and tenant a's profile "b-c"
# both publish /bt/a-b-c/arn (their profile names differ). a-b's came first: a used
# to take it as its own, retag it and put its own ARN in it, both tenants then Ready
# while a-b's applications read a's profile from SSM. Now a is Stalled with a conflict
# that names a-b's parameter; the parameter keeps a-b's tags and ARN; resolve answers
# each tenant its own profile.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
set_naming 'profile_name: "{profile}-{tenant}-{hash6}"' 'parameter: "/bt/{tenant}-{profile}/arn"'
param=/bt/a-b-c/arn
write_tenant_keyed a-b c
start_daemon
wait_until 60 "a-b Ready" state_is a-b Ready
arn=$(ctl resolve a-b c)
[ "$(awsim_param_value $param)" = "$arn" ] || fail "a-b's parameter names $(awsim_param_value $param)"
puts() { awsim_get calls | jq '.["ssm:PutParameter"].ok // 0'; }
before=$(puts)

write_tenant_keyed a b-c
wait_until 60 "a Stalled" state_is a Stalled
names_a_b() {
	tenant_json a | jq -e '.conflict_details | any(.message | test("SSM parameter /bt/a-b-c/arn exists: tenant a-b.s, for its profile c, whose name profile b-c derives too"))'
}
wait_until 30 "a's conflict names a-b's parameter" names_a_b
ctl resync >/dev/null
sleep 3
[ "$(puts)" = "$before" ] || fail "a parameter was put: $before -> $(puts)"
[ "$(awsim_param_value $param)" = "$arn" ] || fail "a-b's parameter now names $(awsim_param_value $param)"
[ "$(awsim_param_tag $param bedrock-tenantd:tenant)" = a-b ] || fail "a-b's parameter is tagged $(awsim_param_tag $param bedrock-tenantd:tenant)"
state_is a-b Ready || fail "a-b: $(tenant_json a-b | jq -c '{state, conflict_details}')"
[ "$(ctl resolve a-b c)" = "$arn" ] || fail "a-b's resolve changed"
mine=$(ctl resolve a b-c)
[ "$mine" != "$arn" ] && [ "$(awsim_profile_tag "$mine" bedrock-tenantd:tenant)" = a ] || fail "a resolves $mine"
stop_daemon
echo "ok: the parameter collision reported on a, a-b's parameter untouched"
