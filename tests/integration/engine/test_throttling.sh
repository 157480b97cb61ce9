#!/usr/bin/env bash
# Under 50 % throttling plus 10 % 5xx on every service every tenant converges, with no
# duplicate: profiles, parameters, budgets with their alerts, role policies.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/faults.json" <<'JSON'
{"seed": 11, "rules": [
  {"throttle_percent": 50},
  {"error_500_percent": 5, "error_503_percent": 5}
]}
JSON
start_awsim --faults "$WORK/faults.json"
write_config
for i in $(seq -w 1 20); do
	if [ $((10#$i % 4)) = 0 ]; then
		create_role "role-t$i"
		write_budget_tenant "t$i" 500 "80:actual:t$i@example.com 100:forecasted:t$i@example.com" "[role-t$i]"
	else
		write_tenant "t$i" "" eng 1
	fi
done
start_daemon
wait_until 240 "every tenant Ready under faults" all_ready
for i in $(seq -w 1 20); do
	n=$(awsim_profiles_of "t$i")
	[ "$n" = 1 ] || fail "t$i has $n profiles"
done
consistent || fail "a parameter names a missing profile"
for i in 04 08 12 16 20; do
	budget "bedrock-tenant-t$i" | jq -e '.notifications | length == 2' >/dev/null || fail "t$i's budget alerts"
	role_policy "role-t$i" "bedrock-tenantd-t$i" | grep -q ":application-inference-profile/" || fail "role-t$i has no grant"
done
[ "$(awsim_get state | jq '[.accounts[].budgets[]] | length')" = 5 ] || fail "not exactly one budget per tenant with a budget"
awsim_get calls | jq -e '[.[] | .throttled] | add > 0' >/dev/null || fail "the fault plan throttled nothing"
stop_daemon
echo PASS
