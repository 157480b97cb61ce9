#!/usr/bin/env bash
# A tenant asked to move (here: to another pool) while the alias of the place it
# leaves names another account id than the one its resources were made in (an alias
# given another id, docs/configuration.md "Accounts"; here the pool, the id and the
# manifest changed at once, a SIGHUP, which applies neither pools nor accounts, then a
# kill -9 and a start with that file): its old set can be neither listed
# nor deleted under that alias. It used to move all the same: made again in the new
# place, its old place listed in the other account and found empty, the move over,
# and the old set (the profile applications used, and its parameter) left behind,
# known to nothing. It waits now, Pending with both ids, in its place, nothing made in
# the new place nor touched in the old one, `plan` shows it waiting (it planned the
# move), and `resolve` says why it names no ARN (it said the profile did not exist and
# the tenant waited for capacity); the id put back, it moves
# (create-before-delete, then its old set drained and deleted), nothing left behind.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 2 "us-east-1"
sed -i 's/accounts: \[a0, a1\]/accounts: [a0]/' "$WORK/config.yaml"
write_tenant t0
write_tenant t1
spec_set t1 "account: a1" # in the account t0 moves to, throughout
start_daemon
wait_until 60 "every tenant Ready" all_ready
place_of() { tenant_json "$1" | jq -r '"\(.place.account)/\(.place.region)"'; }
[ "$(place_of t0)" = a0/us-east-1 ] || fail "t0 placed in $(place_of t0), want a0/us-east-1"
arn0=$(ctl resolve t0 p1)
arn1=$(ctl resolve t1 p1)
# t0's resources in an account, by account id: profiles and parameters
held_in() { awsim_get state | jq --arg id "$1" '[.accounts[] | select(.id == $id) | .regions[] |
	((.profiles // [])[] | select(.name | startswith("t0-"))), ((.parameters // [])[] | select(.name | startswith("/bedrock-tenants/t0/")))] | length'; }
[ "$(held_in "$(acct 0)")" = 2 ] || fail "t0's profile and parameter not in $(acct 0)"

# a pool batch added, a0 given another id, and t0 asked into the pool batch, by one
# reload (t0's manifest fails until a restart: the running daemon has no pool batch);
# then a kill -9 and a start with that file
printf '  batch:\n    accounts: [a1]\n    regions: [us-east-1]\n' >>"$WORK/config.yaml"
sed -i "s/$(acct 0)/$(acct 5)/g" "$WORK/config.yaml"
spec_set t0 "pool: batch"
kill -HUP "$DAEMON_PID"
reloaded() { grep -q "accounts, pools changed: a restart applies" "$WORK/daemon.log" &&
	tenant_json t0 | jq -e '.problem | test("unknown pool .batch.")' >/dev/null; }
wait_until 30 "the reload, and t0's manifest failing" reloaded
[ "$(place_of t0)" = a0/us-east-1 ] || fail "t0 moved by a reload that applies no pool"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
start_daemon
why="account a0 is $(acct 5) in the configuration, but this tenant's resources were made in $(acct 0)"
waits() { state_is t0 Pending && tenant_json t0 | jq -e --arg w "$why" '.waiting | startswith($w)' >/dev/null; }
wait_until 30 "t0 Pending: $why" waits
wait_until 30 "t1 Ready" state_is t1 Ready
sleep 3 # a listing's worth of time for anything wrongly planned to go out
waits || fail "t0 no longer waits: $(tenant_json t0 | jq -c '{state, waiting, place}')"
[ "$(place_of t0)" = a0/us-east-1 ] || fail "t0's place is $(place_of t0) while it waits, want a0/us-east-1"
[ "$(held_in "$(acct 1)")" = 0 ] || fail "t0 made in $(acct 1) while its old set cannot be reached"
[ "$(held_in "$(acct 0)")" = 2 ] || fail "t0's set in $(acct 0) touched"
[ "$(awsim_param_value /bedrock-tenants/t0/p1/profile-arn)" = "$arn0" ] || fail "t0's parameter changed"
[ "$(ctl resolve t1 p1)" = "$arn1" ] || fail "t1 moved"
# resolve cannot name the profile (its account is not reached), and says why: not
# that it does not exist, nor that the tenant waits for capacity
rc=0
ctl resolve t0 p1 >"$WORK/resolve.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "resolve t0 exits $rc, want 1: $(cat "$WORK/resolve.out")"
grep -qF "$why" "$WORK/resolve.out" || fail "resolve t0 does not say why: $(cat "$WORK/resolve.out")"
! grep -q "does not exist\|capacity" "$WORK/resolve.out" || fail "resolve t0: $(cat "$WORK/resolve.out")"

# `bedrock-tenantd plan` plans the same: t0 waiting, nothing to create
stop_daemon
plan_waits 1 "$why"

# the id put back (a restart applies accounts): t0 moves, and its old set goes
sed -i "s/$(acct 5)/$(acct 0)/g" "$WORK/config.yaml"
start_daemon
moved() { [ "$(place_of t0)" = a1/us-east-1 ] && state_is t0 Ready &&
	[ "$(tenant_json t0 | jq '.moving_from | length')" = 0 ] && [ "$(held_in "$(acct 0)")" = 0 ]; }
wait_until 60 "t0 moved to a1/us-east-1, its old set gone" moved
[ "$(held_in "$(acct 1)")" = 2 ] || fail "t0's new set is not whole in $(acct 1)"
ctl resolve t0 p1 | grep -q ":$(acct 1):" || fail "resolve: $(ctl resolve t0 p1)"
[ "$(ctl resolve t1 p1)" = "$arn1" ] || fail "t1 moved"
one_profile_each 2
stop_daemon
echo PASS
