#!/usr/bin/env bash
# Service Quotas refusing GetServiceQuota (a role without servicequotas:GetServiceQuota):
# the pool places by capacity.profiles, each place says so once in the log (not at every
# resync), and once Service Quotas answers, the value read is used and the log says so.
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=700
write_config
add_pool_accounts 1 "us-east-1, us-west-2"
sed -i 's/^pools:$/capacity:\n  profiles: 900\npools:/' "$WORK/config.yaml"
awsim_put faults '{"rules": [{"operation": "GetServiceQuota", "error_percent": 100,
	"error": {"status": 400, "code": "AccessDeniedException", "message": "not allowed"}}]}'
for i in 0 1 2; do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
quota_of() { { ctl --json places || true; } | jq -r --arg k "$1" '.places[] | select(.place == $k) | .profiles.quota'; }
[ "$(quota_of a0/us-east-1)" = 900 ] || fail "quota shown $(quota_of a0/us-east-1), want capacity.profiles 900"
asked() { awsim_get calls | jq '[to_entries[] | select(.key | endswith(":GetServiceQuota")) | .value.failed] | add // 0'; }
for k in 1 2 3; do
	ctl resync >/dev/null
	wait_until 30 "resync $k: the quotas asked again" eval '[ "$(asked)" -ge $((2 * (k + 1))) ]'
done
wait_until 30 "the resyncs done" all_ready
warned=$(grep -c "quota L-40EC9882 not read (AccessDeniedException: .*assuming capacity.profiles, until it is read" "$WORK/daemon.log" || true)
[ "$warned" = 2 ] || fail "$warned warnings for 2 places over 4 listings: $(grep 'not read' "$WORK/daemon.log")"
awsim_put faults '{"rules": []}'
ctl resync >/dev/null
wait_until 30 "the quota read" eval '[ "$(quota_of a0/us-west-2)" = 700 ] && [ "$(quota_of a0/us-east-1)" = 700 ]'
[ "$(grep -c "quota L-40EC9882 read again: 700" "$WORK/daemon.log")" = 2 ] || fail "no line saying the quota is read again"
stop_daemon
echo PASS
