#!/usr/bin/env bash
# Under 50 % throttling plus 10 % 5xx every tenant converges, with no duplicate.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/faults.json" <<'JSON'
{"seed": 11, "rules": [
  {"throttle_percent": 50},
  {"error_500_percent": 5, "error_503_percent": 5}
]}
JSON
start_awsim --faults "$WORK/faults.json"
write_config
for i in $(seq -w 1 20); do write_tenant "t$i" "" eng 1; done
start_daemon
wait_until 240 "every tenant Ready under faults" all_ready
for i in $(seq -w 1 20); do
	n=$(awsim_profiles_of "t$i")
	[ "$n" = 1 ] || fail "t$i has $n profiles"
done
consistent || fail "a parameter names a missing profile"
awsim_get calls | jq -e '[.[] | .throttled] | add > 0' >/dev/null || fail "the fault plan throttled nothing"
stop_daemon
echo PASS
