#!/usr/bin/env bash
# A bad manifest beside good ones: the good ones converge; a tenant whose file breaks
# keeps its last good definition and its resources; the problem is reported.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for t in alpha beta; do write_tenant "$t" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready
arn=$(ctl resolve beta p1)

printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: beta\nspec:\n  colour: blue\n' >"$WORK/tenants/beta.yaml"
printf 'this: [is not valid\n' >"$WORK/tenants/broken.yaml"
write_tenant gamma "" eng 1
wait_until 30 "gamma Ready" state_is gamma Ready
beta_problem() { tenant_json beta | jq -e '.problem | test("beta.yaml:[0-9]+:[0-9]+: ")'; }
wait_until 10 "beta's problem reported" beta_problem
status_json | jq -e '.manifests.problems | map(select(test("broken.yaml:"))) | length > 0' >/dev/null ||
	fail "broken.yaml is not reported"
[ "$(ctl resolve beta p1)" = "$arn" ] || fail "beta lost its last good definition"
[ "$(awsim_profiles_of beta)" = 1 ] || fail "beta's profile was touched"
state_is beta Ready || fail "beta should stay Ready with its last good definition"
sleep 3 # well past a grace period: still nothing deleted
[ "$(awsim_profiles_of beta)" = 1 ] || fail "beta's profile was deleted"
stop_daemon
echo PASS
