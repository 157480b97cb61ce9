#!/usr/bin/env bash
# A manifest that writes an IAM role's name in another case than IAM keeps it ("App"
# for the role app): IAM's role names are one without regard to case. The tenant's
# policy used to be missed by every bulk read (listed under "app", looked for under
# "App") and written again at each resync. Now: written once, no write at two
# resyncs; the manifest's case changed ("App" -> "app"): the policy is neither deleted
# nor written again.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role app
write_role_tenant ta App
start_daemon
wait_until 60 "Ready" all_ready
sleep 1
iam_writes() { awsim_get calls | jq '[to_entries[] | select(.key | test("^iam:(Put|Delete)RolePolicy")) | .value.ok] | add // 0'; }
policies() { awsim_get state | jq -c '[.accounts[].roles[]? | select(.name == "app") | .policies // {} | keys[]]'; }
[ "$(iam_writes)" = 1 ] || fail "$(iam_writes) policy writes to converge"
[ "$(policies)" = '["bedrock-tenantd-ta"]' ] || fail "the role's policies: $(policies)"
resynced() { # a resync, and the tenant compared again after it
	ctl resync >/dev/null
	sleep 3
	wait_until 30 "Ready after the resync" all_ready
}
resynced
resynced
[ "$(iam_writes)" = 1 ] || fail "the policy was written again at a resync: $(iam_writes) writes"

old=$(tenant_json ta | jq -r .revision)
write_role_tenant ta app
reconciled() { tenant_json ta | jq -e --arg o "$old" '.revision != $o and .revision == .reconciled_revision and .state == "Ready"'; }
wait_until 30 "the new revision reconciled" reconciled
sleep 3 # past the grace (2 s here): an undesired policy would go now
resynced
[ "$(iam_writes)" = 1 ] || fail "the policy was deleted or written again after the case change: $(awsim_get calls | jq -c 'with_entries(select(.key | test("RolePolicy")))')"
[ "$(policies)" = '["bedrock-tenantd-ta"]' ] || fail "the role's policies after the case change: $(policies)"
stop_daemon
echo "ok: the role's policy written once whatever case the manifest writes its name in"
