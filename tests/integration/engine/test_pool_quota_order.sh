#!/usr/bin/env bash
# A pool's first placement waits for every place's quota as well as its listing: with
# the Service Quotas answer of the pool's first place (us-east-1) two seconds late, a
# tenant free to go anywhere still goes there (the pool's order decides between places
# with as much room), not to us-west-2 because its answer came first. With a failing
# read the configuration's value stands in and the tenant is placed all the same; with
# a read that hangs, after 10 s.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
printf 'pools:\n  default:\n    accounts: [prod]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
# tenant_in ID REGION: the tenant's profiles and parameters there
tenant_in() {
	awsim_get state | jq -r --arg t "$1" --arg r "$2" '[.accounts[] | .regions[] | select(.name == $r)] as $x |
		"\([$x[].profiles[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == $t))] | length) \([$x[].parameters[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == $t))] | length)"'
}
printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: beta\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
	>"$WORK/tenants/beta.yaml"
awsim_put faults '{"rules": [{"operation": "GetServiceQuota", "region": "us-east-1", "latency_ms": 2000}]}'
start_daemon
wait_until 60 "beta Ready" state_is beta Ready
[ "$(tenant_in beta us-east-1)" = "1 1" ] || fail "beta is not in us-east-1 (the pool's first place): $(tenant_in beta us-east-1), us-west-2: $(tenant_in beta us-west-2)"
grep -q "tenant=beta placed in prod/us-west-2" "$WORK/daemon.log" && fail "beta was placed in us-west-2 first"
stop_daemon

# the read of us-east-1's quota refused (after a second) at the next start: a new
# tenant is placed once it failed, the configuration's value standing in, and the
# refusal is said
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
awsim_put faults '{"rules": [{"operation": "GetServiceQuota", "region": "us-east-1", "latency_ms": 1000, "error_percent": 100,
	"error": {"status": 400, "code": "AccessDeniedException", "message": "not authorized to perform servicequotas:GetServiceQuota"}}]}' ||
	fail "fault plan"
printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: gamma\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
	>"$WORK/tenants/gamma.yaml"
start_daemon
wait_until 60 "gamma Ready" state_is gamma Ready
grep -q "quota L-40EC9882 not read" "$WORK/daemon.log" || fail "the refused read is not said"
[ "$(tenant_in beta us-east-1)" = "1 1" ] || fail "beta moved: $(tenant_in beta us-east-1)"
stop_daemon

# the read hangs (its answer two minutes away) at the next start: a new tenant waits
# for it 10 s, not for the call's timeout and retries, and is placed with the
# configuration's value
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
awsim_put faults '{"rules": [{"operation": "GetServiceQuota", "region": "us-east-1", "latency_ms": 120000}]}' ||
	fail "fault plan"
printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: delta\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
	>"$WORK/tenants/delta.yaml"
start_daemon
wait_until 60 "delta Ready" state_is delta Ready
grep -q "quota L-40EC9882 not answered within 10 s" "$WORK/daemon.log" || fail "the late answer is not said"
stop_daemon
echo PASS
