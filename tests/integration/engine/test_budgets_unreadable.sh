#!/usr/bin/env bash
# The account's budgets cannot be read (DescribeBudgets denied, as for a role without
# budgets:ViewBudget): the rest of the place's listing stands. A tenant without a
# budget is made Ready; a tenant with one is held whole with why (no profile that
# would spend unguarded, no budget created blind); status and places show the place failing (exit 1); the daemon lists the place
# again by itself, and once the budgets can be read every tenant is Ready without an
# operator's command. Denied again later: the budgets stay as last listed (a limit
# changed meanwhile is applied); a kill -9 and a restart into the denial hold the
# tenant with a budget again, without a second budget.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
# every budget's notifications audited each second: none is read while the budgets
# cannot be (a role without budgets:ViewBudget can read none of them)
sed -i 's/^  settle: 100ms$/  settle: 100ms\n  alerts_audit_interval: 1s/' "$WORK/config.yaml"
grep -q "alerts_audit_interval: 1s" "$WORK/config.yaml" || fail "no audit interval in the configuration"
write_tenant plain
write_budget_tenant capped 100 "80:actual:ops@example.com"
denied() { printf '{"operation": "%s", "error_percent": 100, "error": {"status": 403, "code": "AccessDeniedException", "message": "not authorized to perform budgets:ViewBudget"}}' "$1"; }
deny="{\"rules\": [$(denied DescribeBudgets), $(denied DescribeNotificationsForBudget), $(denied DescribeSubscribersForNotification)]}"
awsim_put faults "$deny"
start_daemon

held() { tenant_json capped | jq -r '.last_error // ""' | grep -q "the account's budgets cannot be listed: AccessDeniedException: DescribeBudgets: not authorized"; }
wait_until 60 "plain Ready" state_is plain Ready
wait_until 60 "capped held with why" held
state_is capped Ready && fail "capped Ready while its budget cannot be seen"
[ "$(budget bedrock-tenant-capped)" = null ] || fail "a budget was created while the budgets could not be listed"
[ "$(calls budgets:CreateBudget)" = 0 ] || fail "CreateBudget sent blind"
[ "$(awsim_profiles_of capped)" = 0 ] || fail "capped's profile made without its budget (it would spend unguarded)"
[ "$(awsim_profiles_of plain)" = 1 ] || fail "plain's profile not made while only the budgets are unreadable"
failing() { [ "$(status_json | jq .places_failing)" = "$1" ]; }
failing 1 || fail "status: places_failing $(status_json | jq .places_failing), want 1"
rc=0
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc while the budgets cannot be listed, want 1"
grep -q "listing failing since .*budgets not listed: AccessDeniedException: DescribeBudgets: not authorized" "$WORK/places.out" ||
	fail "places: $(cat "$WORK/places.out")"
{ ctl --json places || true; } | jq -e ".places[0].listed == true" >/dev/null || fail "the place not shown listed"

# the denial lifted: the daemon's own relisting (5 s, then doubling) finds the budgets
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
wait_until 60 "every tenant Ready without a command" all_ready
wait_until 10 "no place failing" failing 0
[ "$(budget bedrock-tenant-capped | jq -r .budget.BudgetLimit.Amount)" = 100 ] || fail "capped's budget: $(budget bedrock-tenant-capped)"

# denied again: the budgets stay as last listed, the tenants Ready, a new limit applied
awsim_put faults "$deny"
ctl resync >/dev/null
wait_until 30 "the place failing again" failing 1
sleep 3 # three audits of every budget
state_is capped Ready || fail "capped not Ready on its last listed budget: $(tenant_json capped | jq -c '{state, last_error}')"
write_budget_tenant capped 250 "80:actual:ops@example.com"
limit() { budget bedrock-tenant-capped | jq -r .budget.BudgetLimit.Amount; }
wait_eq 30 "the new limit applied" 250 limit
wait_until 30 "capped Ready at the new limit" state_is capped Ready

# killed, and started into the denial: nothing last listed, the tenant held again
kill -9 "$DAEMON_PID"
wait_gone 10 "the daemon killed" "$DAEMON_PID"
start_daemon
wait_until 60 "capped held after the restart" held
state_is plain Ready || fail "plain not Ready after the restart"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
wait_until 60 "every tenant Ready once the budgets can be read" all_ready
[ "$(calls budgets:CreateBudget)" = 1 ] || fail "$(calls budgets:CreateBudget) CreateBudget calls, want 1"
[ "$(awsim_get state | jq '[.accounts[].budgets[] | select(.name == "bedrock-tenant-capped")] | length')" = 1 ] ||
	fail "more than one budget"
[ "$(limit)" = 250 ] || fail "limit $(limit), want 250"
stop_daemon
echo PASS
