#!/usr/bin/env bash
# One account of a pool of three loses Budgets only (budgets:ViewBudget denied there)
# mid-run: its place is failing ("budgets not listed"), its tenants without budgets stay
# Ready where they are, and the pool's new tenants with a budget go to the accounts whose
# budgets can be read (before, the account kept its last listing's room for budgets and
# took its share of them: their budget creates were refused, Stalled, and their profiles
# made there spent unguarded). A new tenant without a budget may still go there. Budgets
# allowed again: the place recovers by itself, nothing moved.
. "$(dirname "$0")/lib.sh"
start_pool_tenants 3

awsim_put faults '{"rules": [{"account": "'"$(acct 1)"'", "service": "budgets", "error_percent": 100, "error": {"status": 400,
	"code": "AccessDeniedException", "message": "User is not authorized to perform budgets:ViewBudget"}}]}'
kill -HUP "$DAEMON_PID" # a resync: the place's budgets cannot be listed
wait_until 60 "a1's place failing" one_place_failing
rc=0
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc while a place fails, want 1"
grep -q "budgets not listed: AccessDeniedException" "$WORK/places.out" || fail "places: $(cat "$WORK/places.out")"

for i in 0 1 2; do write_budget_tenant "b$i" 100 "80:actual:ops@example.com"; done
done_() { state_is "$1" Ready || state_is "$1" Stalled || state_is "$1" Error; }
for i in 0 1 2; do wait_until 60 "b$i reconciled" done_ "b$i"; done
for i in 0 1 2; do
	t=$(tenant_json "b$i")
	[ "$(echo "$t" | jq -r .state)" = Ready ] || fail "b$i: $(echo "$t" | jq -c '{state, place, last_error}')"
	[ "$(echo "$t" | jq -r .place.account)" != a1 ] || fail "b$i placed in a1, whose budgets cannot be read"
done
pool_arns 3 | diff "$WORK/arns.before" - || fail "resolve names other ARNs"
state_is t1 Ready || fail "t1 (no budget, in a1): $(tenant_json t1 | jq -c '{state, last_error}')"

curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
recovered() { status_json | jq -e '.places_failing == 0' >/dev/null && all_ready; }
wait_until 120 "the place listed in whole again" recovered
pool_arns 3 | diff "$WORK/arns.before" - || fail "resolve names other ARNs after the fix"
one_profile_each 6
stop_daemon
echo PASS
