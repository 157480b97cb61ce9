#!/usr/bin/env bash
# A tenant removed while the daemon is down in the middle of a move (its new set Ready
# in us-west-2, the old one draining in us-east-1), the old place listed first after the
# restart: the tenant is looked for where its state store says it lives, not where its
# resources happen to be seen first. It is never forgotten while any of its profiles or
# parameters is left in AWS (it was, with its new set left behind until a later
# listing), and both sets go.
. "$(dirname "$0")/lib.sh"
A=111122223333
start_awsim
DRAIN=20s write_config
printf 'pools:\n  default:\n    accounts: [prod]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
write_tenant beta
start_daemon
wait_until 60 "beta Ready" state_is beta Ready
[ "$(tenant_json beta | jq -r .place.region)" = us-east-1 ] || fail "beta placed in $(tenant_json beta | jq -c .place)"
sed -i 's/^spec:$/spec:\n  region: us-west-2/' "$WORK/tenants/beta.yaml"
switched() { ctl resolve beta p1 | grep -q ":bedrock:us-west-2:"; }
wait_until 60 "beta's new set Ready in us-west-2" switched
[ "$(awsim_profiles_of beta)" = 2 ] || fail "both sets should live through the drain: $(awsim_profiles_of beta) profiles"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
rm "$WORK/tenants/beta.yaml"
write_tenant other # the directory must not be empty
# the old place listed once the manifests are scanned (its listing then finds beta's
# resources there without a manifest), the new place's much later
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "region": "us-east-1", "latency_ms": 1000},
	{"operation": "ListInferenceProfiles", "region": "us-west-2", "latency_ms": 6000}]}'
start_daemon
scanned() { [ "$(grep -c 'manifests (full scan)' "$WORK/daemon.log")" = 2 ]; }
wait_until 30 "the manifests scanned after the restart" scanned
left_unknown=0 known=0
for _ in $(seq 300); do
	n=$(awsim_profiles_of beta)
	p=$(awsim_get state | jq --arg t beta "$PARAMS"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) | length')
	rc=0
	ctl tenant beta >/dev/null 2>&1 || rc=$?
	[ "$rc" = 4 ] || known=1 # found by a listing (it has no manifest)
	if [ "$known" = 1 ] && [ "$rc" = 4 ]; then
		[ $((n + p)) = 0 ] && break
		left_unknown=1
		break
	fi
	sleep 0.1
done
[ "$known" = 1 ] || fail "beta never known after the restart"
[ "$left_unknown" = 0 ] || fail "beta forgotten with $n profile(s) and $p parameter(s) left in AWS"
wait_until 60 "beta gone" eval '[ "$(awsim_profiles_of beta)" = 0 ]'
stop_daemon
echo PASS
