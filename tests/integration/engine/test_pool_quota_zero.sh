#!/usr/bin/env bash
# A place whose profile quota Service Quotas gives as 0 (as new accounts have for some
# quotas) has no room: `places` shows the quota 0, no tenant is placed there and no
# create is tried there; the pool's tenants go to its other place. Its quota raised:
# the next tenant may go there.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 1 "us-east-1, us-west-2"
A=$(acct 0)
awsim_put quotas '{"quotas": {"L-40EC9882": 0}, "account": "'$A'", "region": "us-east-1"}'
for i in 0 1 2 3; do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
quota_of() { { ctl --json places || true; } | jq -r --arg k "$1" '.places[] | select(.place == $k) | .profiles.quota'; }
[ "$(quota_of a0/us-east-1)" = 0 ] || fail "a0/us-east-1 shows a quota of $(quota_of a0/us-east-1), Service Quotas says 0"
for i in 0 1 2 3; do
	[ "$(tenant_json "t$i" | jq -r .place.region)" = us-west-2 ] || fail "t$i placed in $(tenant_json "t$i" | jq -c .place)"
done
tried=$(awsim_get calls | jq '.["bedrock:CreateInferenceProfile"].failed // 0')
[ "$tried" = 0 ] || fail "$tried create(s) tried where the quota is 0"
grep -q "quota L-40EC9882 not read" "$WORK/daemon.log" && fail "the quota of 0 taken for one not read"
awsim_put quotas '{"quotas": {"L-40EC9882": 5}, "account": "'$A'", "region": "us-east-1"}'
ctl resync >/dev/null
wait_until 30 "the quota raised seen" eval '[ "$(quota_of a0/us-east-1)" = 5 ]'
stop_daemon
echo PASS
