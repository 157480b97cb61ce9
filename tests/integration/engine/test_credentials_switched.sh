#!/usr/bin/env bash
# The daemon restarted with its own credentials another account's (an environment
# file swapped, AWS_PROFILE changed) on the same state directory: the account id is
# asked of STS at every start, not taken from the earlier run, and the tenants made in
# the first account wait, Pending with both ids in the reason: nothing is made in the
# second account (before, every tenant was made again there, new ARNs, Ready, and a
# tenant with a budget stalled on budgets asked of the first account). The first
# credentials back: every tenant Ready on its ARNs with nothing written.
# `bedrock-tenantd plan` with the second credentials plans the same.
. "$(dirname "$0")/lib.sh"
FIRST_KEY=$AWS_ACCESS_KEY_ID
FIRST_SECRET=$AWS_SECRET_ACCESS_KEY
start_awsim --credentials "$FIRST_KEY:$FIRST_SECRET:111122223333" --credentials "AKIAOTHERACCOUNT0001:othersecret:222233334444"
write_config
write_tenant t0
write_budget_tenant b0 100 "80:actual:ops@example.com"
start_daemon
wait_until 60 "every tenant Ready" all_ready
arns() { ctl resolve t0 p1; ctl resolve b0 p1; }
arns >"$WORK/arns.before"
mutating() { awsim_get calls | jq '[to_entries[] | select(.value.mutating == true) | .value.ok] | add // 0'; }

stop_daemon
export AWS_ACCESS_KEY_ID=AKIAOTHERACCOUNT0001 AWS_SECRET_ACCESS_KEY=othersecret
awsim_put calls/reset
why="the daemon's own credentials are account 222233334444's, but this tenant's resources were made in 111122223333"
plan_waits 2 "$why"
start_daemon
waits() { tenant_json "$1" | jq -r '.waiting // ""' | grep -qF "$why"; }
wait_until 30 "t0 waits with the reason" waits t0
wait_until 30 "b0 waits with the reason" waits b0
wait_until 30 "the daemon ready without them" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -e .ready >/dev/null"
sleep 2 # a listing's worth of time for anything wrongly planned to go out
[ "$(mutating)" = 0 ] || fail "mutating calls with the other account's credentials: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true and .value.ok > 0))')"
[ "$(calls sts:GetCallerIdentity)" -ge 1 ] || fail "the account id not asked of STS at the start"
grep -q "tenant stalled" "$WORK/daemon.log" && fail "a tenant stalled"

stop_daemon
export AWS_ACCESS_KEY_ID=$FIRST_KEY AWS_SECRET_ACCESS_KEY=$FIRST_SECRET
awsim_put calls/reset
start_daemon
wait_until 60 "every tenant Ready again" all_ready
arns | diff "$WORK/arns.before" - || fail "resolve names other ARNs"
sleep 2
[ "$(mutating)" = 0 ] || fail "mutating calls once the credentials are back: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true and .value.ok > 0))')"
