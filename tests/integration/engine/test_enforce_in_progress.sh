#!/usr/bin/env bash
# Budgets actions that take their time, as AWS's do (awsim's budget_action_ms): the
# execution, the reversal and the reset are in progress for 3 s, and ExecuteBudgetAction
# on an action in progress is ResourceLockedException. The capped tenant goes over
# budget and is denied; its limit raised, the daemon reverses the action, reads its
# status again until the reversal is done, then resets it: the tenant ends Ready and may
# invoke, the action back in STANDBY, and it never shows Error on the way, nor does the
# daemon send an execution the action refuses, nor warn of a status in progress.
. "$(dirname "$0")/lib.sh"

state() { tenant_state acme; }

start_acme_enforcing "acme-app" 10
ARN=$(ctl resolve acme p1) || fail "resolve"
awsim_put faults '{"budget_action_ms": 3000}' || fail "fault plan"

# acme's states, sampled until the test ends
(while :; do
	tenant_state acme 2>/dev/null || true
	sleep 0.2
done) >"$WORK/states" &
SAMPLER=$!
at_exit "kill $SAMPLER 2>/dev/null || true"

# The tenant's application: its role's session, Converse through its profile ARN.
app_session 111122223333 acme-app
converse() { app_converse "$ARN"; }
allowed() { converse >/dev/null; }
denied() { app_denied "$ARN"; }

allowed || fail "the role cannot invoke its profile: $(converse)"

# Over budget: Budgets executes the action, which lands 3 s later; the listings that
# find it in progress plan nothing.
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"10.5"}' || fail "set spend"
[ "$(acme_action_status)" = EXECUTION_IN_PROGRESS ] || fail "not in progress: $(acme_action_status)"
over() {
	ctl resync >/dev/null
	[ "$(state)" = OverBudget ]
}
wait_until 30 "acme OverBudget once the execution landed" over
denied || fail "the role is not denied: $(converse)"

# The limit raised: reversed (in progress for 3 s, read again until done), then reset.
write_acme_enforcing 20
wait_eq 30 "the deny policy detached by the reversal" 0 acme_deny_attached
wait_eq 30 "acme Ready" Ready state
allowed || fail "still denied after the limit was raised: $(converse)"
wait_eq 30 "the action back in STANDBY" STANDBY acme_action_status
ctl resync >/dev/null
sleep 2
[ "$(state)" = Ready ] || fail "not Ready after a resync: $(state)"

kill "$SAMPLER"
wait "$SAMPLER" 2>/dev/null || true
if grep -qv -e Ready -e OverBudget -e Reconciling "$WORK/states"; then
	fail "acme was not only Ready, Reconciling or OverBudget: $(sort "$WORK/states" | uniq -c | tr '\n' ' ')"
fi
tenant_json acme | jq -e '.last_error == null or .last_error == ""' >/dev/null ||
	fail "acme has an error: $(tenant_json acme | jq -c .last_error)"
locked=$(awsim_get requests | jq '[.[] | select(.error == "ResourceLockedException")] | length')
[ "$locked" = 0 ] || fail "the daemon sent $locked executions the action refused"
tenant_json acme | jq -e '.history | any(.event | test("REVERSE_BUDGET_ACTION"))' >/dev/null ||
	fail "the history does not say the action was reversed"
if grep -i "warn.*IN_PROGRESS\|IN_PROGRESS.*warn" "$WORK/daemon.log"; then
	fail "the daemon warned of a status in progress"
fi

# An execution that takes a minute: a listing finds it in progress, plans nothing, and
# the tenant view says what Budgets is doing; the tenant is Ready (not denied yet).
awsim_put faults '{"budget_action_ms": 60000}' || fail "fault plan"
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"25"}' || fail "set spend"
[ "$(acme_action_status)" = EXECUTION_IN_PROGRESS ] || fail "not in progress: $(acme_action_status)"
executing() {
	ctl resync >/dev/null
	ctl tenant acme 2>/dev/null | grep "^enforcement" |
		grep -q "action EXECUTION_IN_PROGRESS (Budgets is executing it: the roles are denied once it is done)$"
}
wait_until 30 "the tenant view says the action is executing" executing
[ "$(state)" = Ready ] || fail "not Ready while the action executes: $(state)"
allowed || fail "denied before the execution landed: $(converse)"
stop_daemon
