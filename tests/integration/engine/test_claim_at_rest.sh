#!/usr/bin/env bash
# A daemon displaced while at rest (converged: no call to make) learns it by itself
# within a minute, reading the claim it holds (and at its next resync, which the unit
# tests cover): it then stands by and says so, without a change to make and without a
# mutating call. Paused, a resync that finds the claim
# deleted by hand writes nothing: the daemon says it holds no claim, and writes one
# when resumed.
. "$(dirname "$0")/lib.sh"

CLAIM=$CLAIM_PARAM
start_awsim
write_config
# the default resync interval: no resync during the test unless asked for
sed -i 's/^resync_interval: .*/resync_interval: 10m/' "$WORK/config.yaml"
for t in t1 t2; do write_tenant "$t"; done

# B: another host's copy of the configuration and of the same checkout
mkdir -p "$WORK/b/state"
cp -r "$WORK/tenants" "$WORK/b/tenants"
sed -e "s#^manifests: .*#manifests: $WORK/b/tenants#" -e "s#^state_dir: .*#state_dir: $WORK/b/state#" \
	-e "s#path: $WORK/control.sock#path: $WORK/b/control.sock#" "$WORK/config.yaml" >"$WORK/b/config.yaml"
ctl_b() { "$CTL_BIN" --socket "$WORK/b/control.sock" "$@"; }
claim_of() { "$CTL_BIN" --socket "$1" --json status 2>/dev/null | jq -r .claim.state; }
claim_pid() { awsim_param_value "$CLAIM" | jq -r .pid; }
mutations() {
	awsim_get calls | jq '[to_entries[] | select(.key | test(":(Create|Delete|Put|Tag|Untag|Update|AddTags|RemoveTags)")) | .value.ok] | add // 0'
}

start_daemon
wait_until 60 "A: every tenant Ready" all_ready
[ "$(claim_of "$WORK/control.sock")" = held ] || fail "A does not hold the claim"
"$DAEMON" --config "$WORK/b/config.yaml" --log-stderr >>"$WORK/b/daemon.log" 2>&1 &
PID_B=$!
at_exit "kill -9 $PID_B 2>/dev/null"
wait_until 60 "B's control socket" test -S "$WORK/b/control.sock"
wait_until 60 "B ready" sh -c "$CTL_BIN --socket $WORK/b/control.sock --json status | jq -e .ready"
[ "$(claim_of "$WORK/b/control.sock")" = unclaimed ] || fail "B claimed with nothing to do"
ctl_b resume >/dev/null # B takes the instance now (a host taking it over)
wait_eq 30 "B to hold the claim" "$PID_B" claim_pid

# A is at rest, and nothing is asked of it: its own reading of the claim, once a
# minute, tells it
before=$(mutations)
wait_eq 75 "A to stand by within a minute at rest, with no resync" standby claim_of "$WORK/control.sock"
grep -q "claim $CLAIM names another daemon" "$WORK/daemon.log" || fail "A did not log the stand-by"
[ "$(mutations)" = "$before" ] || fail "a mutating call at rest: $before before, $(mutations) after"
[ "$(claim_pid)" = "$PID_B" ] || fail "the claim no longer names B: $(awsim_param_value "$CLAIM")"

# B paused, the claim deleted by hand: B's resync reads it gone and writes nothing
ctl_b pause >/dev/null
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / "{\"Name\":\"$CLAIM\"}" >/dev/null
sleep 11
ctl_b resync >/dev/null
wait_eq 30 "B to hold no claim" unclaimed claim_of "$WORK/b/control.sock"
sleep 1
[ "$(awsim_param_value "$CLAIM")" = none ] || fail "B wrote the claim while paused: $(awsim_param_value "$CLAIM")"
ctl_b resume >/dev/null
wait_eq 30 "B to write its claim once resumed" "$PID_B" claim_pid
kill -TERM "$PID_B"
wait_gone 30 "B to exit" "$PID_B"
stop_daemon
echo PASS
