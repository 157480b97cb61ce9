#!/usr/bin/env bash
# The daemon restarted while one account of its pool refuses its credentials
# (UnrecognizedClientException on every call there): that place is never listed. Its
# tenants wait, Pending with the reason naming the place and the error, and `resolve`
# answers it (503), not that their profiles do not exist; the daemon is ready for the
# rest (before, it stayed "first sync in progress" for good: no READY=1 under systemd,
# its health check failing, because of one account). `plan` exits 1 with the reason.
# Access back: the place is listed by itself, every tenant Ready on its ARNs, nothing
# made or deleted.
. "$(dirname "$0")/lib.sh"
start_pool_tenants 6
in_a1=$(for i in 0 1 2 3 4 5; do [ "$(tenant_json "t$i" | jq -r .place.account)" = a1 ] && echo "t$i" || :; done)
[ -n "$in_a1" ] || fail "no tenant placed in a1"
stop_daemon

awsim_put faults '{"rules": [{"account": "'"$(acct 1)"'", "error_percent": 100, "error": {"status": 403,
	"code": "UnrecognizedClientException", "message": "The security token included in the request is invalid."}}]}'
awsim_put calls/reset
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan exits $rc while a1 cannot be listed, want 1: $(cat "$WORK/plan.out")"
grep -q "a1/us-east-1.*UnrecognizedClientException" "$WORK/plan.out" || fail "plan: $(cat "$WORK/plan.out")"

start_daemon
ready() { status_json | jq -e '.ready and .places_failing == 1' >/dev/null; }
wait_until 60 "the daemon ready without a1's place" ready
why="its place a1/us-east-1 cannot be listed (UnrecognizedClientException"
for id in $in_a1; do
	t=$(tenant_json "$id")
	[ "$(echo "$t" | jq -r .state)" = Pending ] || fail "$id: $(echo "$t" | jq -c '{state, waiting, last_error}')"
	echo "$t" | jq -r '.waiting // ""' | grep -qF "$why" || fail "$id waits without the reason: $(echo "$t" | jq -c .waiting)"
	out=$(ctl resolve "$id" p1 2>&1) && fail "resolve $id answers: $out"
	echo "$out" | grep -qF "$why" || fail "resolve $id: $out"
done
rc=0
ctl status >/dev/null || rc=$?
[ $rc = 1 ] || fail "ctl status exits $rc while a place fails, want 1"

curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
wait_until 120 "every tenant Ready once a1 answers" all_ready
pool_arns 6 | diff "$WORK/arns.before" - || fail "resolve names other ARNs"
mutating=$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .key != "sts:AssumeRole"
	and .key != "ssm:PutParameter") | .value.ok] | add // 0')
[ "$mutating" = 0 ] || fail "mutating calls: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true))')"
one_profile_each 6
stop_daemon
echo PASS
