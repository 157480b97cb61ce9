#!/usr/bin/env bash
# One account of a pool of three loses its access mid-run (its session refused:
# UnrecognizedClientException on every call, as when the role's credentials are
# revoked or the account's access is cut). Its tenants stay where they are, with their
# ARNs; the place shows failing; new tenants of the pool go to the other accounts, not
# into the one whose listings fail (before, the place kept its last listing's room and
# took its share of them, whose creates then failed: Stalled). A pool with no other
# room left waits, saying which place is out and why. A tenant naming the account is
# refused there (Stalled). Access back: the place is listed again by itself and every
# tenant is Ready, nothing moved, the refused one too (before, it stayed Stalled until
# `bedrock-tenantctl reconcile`).
. "$(dirname "$0")/lib.sh"
start_pool_tenants 6
grep -q ":$(acct 1):" "$WORK/arns.before" || fail "no tenant placed in a1: $(cat "$WORK/arns.before")"

awsim_put faults '{"rules": [{"account": "'"$(acct 1)"'", "error_percent": 100, "error": {"status": 403,
	"code": "UnrecognizedClientException", "message": "The security token included in the request is invalid."}}]}'
kill -HUP "$DAEMON_PID" # a resync: the place's listing fails
wait_until 60 "a1's place failing" one_place_failing
rc=0
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc while a place fails, want 1"
grep -q "UnrecognizedClientException" "$WORK/places.out" || fail "places: $(cat "$WORK/places.out")"

# a tenant that names the account is made there whatever its state: its create is
# refused, and it is tried again by itself once the place is listed again
write_tenant fixed
spec_set fixed "region: us-east-1"
spec_set fixed "account: a1"
refused() { tenant_json fixed | jq -r '.last_error // ""' | grep -q UnrecognizedClientException; }
wait_until 60 "the tenant naming a1 refused" refused

for i in 0 1 2; do write_tenant "n$i"; done
placed() { state_is "$1" Ready || state_is "$1" Stalled || state_is "$1" Error; }
for i in 0 1 2; do wait_until 60 "n$i reconciled" placed "n$i"; done
for i in 0 1 2; do
	t=$(tenant_json "n$i")
	[ "$(echo "$t" | jq -r .state)" = Ready ] || X
	[ "$(echo "$t" | jq -r .place.account)" != a1 ] || fail "n$i placed in a1, whose listings fail"
done
pool_arns 6 | diff "$WORK/arns.before" - || fail "resolve names other ARNs"

# no room left but in the failing place: the next tenant waits, with the reason
awsim_put quotas '{"quotas": {"L-40EC9882": 3}, "account": "'"$(acct 0)"'"}'
awsim_put quotas '{"quotas": {"L-40EC9882": 3}, "account": "'"$(acct 2)"'"}'
kill -HUP "$DAEMON_PID" # a resync reads the quotas
write_tenant w0
why="a1/us-east-1 takes no new tenant while it cannot be listed (UnrecognizedClientException"
waits() { tenant_json w0 | jq -r '.waiting // ""' | grep -qF "$why"; }
wait_until 60 "w0 waiting with the reason" waits
[ "$(awsim_profiles_of w0)" = 0 ] || fail "w0 made somewhere"

curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
wait_until 120 "every tenant Ready once a1 answers again, with no command" all_ready
[ "$(tenant_json w0 | jq -r .place.account)" = a1 ] || fail "w0: $(tenant_json w0 | jq -c .place)"
pool_arns 6 | diff "$WORK/arns.before" - || fail "resolve names other ARNs after the fix"
one_profile_each 11
stop_daemon
echo PASS
