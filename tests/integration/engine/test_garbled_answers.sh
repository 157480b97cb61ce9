#!/usr/bin/env bash
# Writes whose answers cannot be read: AWS carried each out, and a proxy between
# answered with its own page (200, HTML). The outcome is not known, as for a lost
# answer: the tenant is tried again (Error, "will retry"), never Stalled, and the
# write tried again finds what the first one did: one profile, one parameter, every
# tenant Ready without an operator's command. (CreateBudget's and PutRolePolicy's
# answers carry nothing to read: their status says it all.)
. "$(dirname "$0")/lib.sh"
start_awsim
garble() { printf '{"operation": "%s", "garble_percent": 100, "times": %d}' "$1" "${2:-1}"; }
# PutParameter twice: the first is the instance's claim, written before any other
# mutating call (a garbled answer there is a claim not known: the daemon goes on)
awsim_put faults "{\"rules\": [$(garble CreateInferenceProfile), $(garble PutParameter 2), $(garble CreateBudget), $(garble PutRolePolicy)]}"
create_role app
write_config
write_budget_tenant acme 100 "80:actual:ops@example.com" "[app]"
start_daemon
wait_until 60 "acme Ready without a command" state_is acme Ready
for op in CreateInferenceProfile PutParameter; do
	grep -q "malformed $op answer (will retry)" "$WORK/daemon.log" || fail "no garbled $op answer tried again"
done
grep -q "tenant stalled" "$WORK/daemon.log" && fail "a tenant stalled on an answer it could not read"
one_profile_each 1
[ "$(awsim_get state | jq '[.accounts[].budgets[]] | length')" = 1 ] || fail "not one budget"
[ "$(calls budgets:CreateBudget)" = 1 ] || fail "CreateBudget carried out $(calls budgets:CreateBudget) times"
role_policy app bedrock-tenantd-acme >/dev/null || fail "no role policy"
