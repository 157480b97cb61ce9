#!/usr/bin/env bash
# Two daemons with one instance (two hosts: two state directories, two checkouts that
# disagree) against one AWS: the last started holds the instance's claim and acts; the
# other stands by, making no mutating call (neither its manifest change nor the prune
# of the tenant it lacks reaches AWS), says so in its status (exit 1) and metrics, and
# acts again only once `resume` claims it back, whereupon the first stands by in turn;
# the one holding the claim stops, and the one standing by takes the instance over.
. "$(dirname "$0")/lib.sh"

CLAIM=$CLAIM_PARAM
HAIKU=anthropic.claude-3-5-haiku-20241022-v1:0
NOVA=amazon.nova-lite-v1:0

start_awsim
write_config
for t in t1 t2 t3; do write_tenant "$t"; done

# B: another host's copy of the configuration, with a checkout of its own
mkdir -p "$WORK/b/tenants" "$WORK/b/state"
sed -e "s#^manifests: .*#manifests: $WORK/b/tenants#" -e "s#^state_dir: .*#state_dir: $WORK/b/state#" \
	-e "s#path: $WORK/control.sock#path: $WORK/b/control.sock#" "$WORK/config.yaml" >"$WORK/b/config.yaml"
ctl_b() { "$CTL_BIN" --socket "$WORK/b/control.sock" "$@"; }
status_b() { ctl_b --json status 2>/dev/null || true; }
claim_value() { awsim_param_value "$CLAIM"; }
model_of() { # the model of TENANT's live profile
	awsim_get state | jq -r --arg t "$1" "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) |
		map(.models[0].modelArn // .modelSource.copyFrom // "") | .[0] // "none"'
}
profile_count() { awsim_profiles_of "$1"; }

start_daemon
wait_until 60 "A: every tenant Ready" all_ready
[ "$(status_json | jq -r .claim.state)" = held ] || fail "A does not hold the claim: $(status_json | jq -c .claim)"
[ "$(claim_value | jq -r .pid)" = "$DAEMON_PID" ] || fail "the claim does not name A: $(claim_value)"
status_json | jq -e '.claim.parameter == "'$CLAIM'" and .claim.holder == null and .claim.error == null and
	(.claim.confirmed_at | test("^[0-9-]+T[0-9:]+Z$"))' >/dev/null ||
	fail "A's claim in its status: $(status_json | jq -c .claim)"

# B's checkout: t1 and t2 as A's, t3 missing (to be pruned), t4 new
cp "$WORK/tenants/t1.yaml" "$WORK/tenants/t2.yaml" "$WORK/b/tenants/"
WORK_A=$WORK
WORK=$WORK/b write_tenant t4
WORK=$WORK_A
"$DAEMON" --config "$WORK/b/config.yaml" --log-stderr >>"$WORK/b/daemon.log" 2>&1 &
PID_B=$!
at_exit "kill -9 $PID_B 2>/dev/null"
wait_eq 60 "B to claim the instance" "$PID_B" sh -c "curl -sf --max-time 30 http://127.0.0.1:$PORT/_awsim/state |
	jq -r '[.accounts[].regions[].parameters[] | select(.name == \"$CLAIM\")][0].value | fromjson | .pid'"
wait_eq 60 "t4 made by B" 1 profile_count t4
wait_eq 60 "t3 pruned by B" 0 profile_count t3

# A's manifest change: A reads the claim before its first call (its last reading is
# older than the 10 s a reading lets calls go) and stands by
sleep 11
write_tenant t1 "$NOVA"
wait_eq 30 "A to stand by" standby sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -r .claim.state"
status_json | jq -e --arg pid "$PID_B" '.claim.holder.pid == ($pid | tonumber) and .claim.holder.state_dir == "'"$WORK/b/state"'"' \
	>/dev/null || fail "A's status does not name B: $(status_json | jq -c .claim)"
rc=0
ctl status >"$WORK/status.txt" 2>&1 || rc=$?
[ $rc = 1 ] || fail "status exits $rc while standing by"
grep -q "STANDBY: $CLAIM names another daemon (host .*, pid $PID_B" "$WORK/status.txt" ||
	fail "status does not say it stands by: $(cat "$WORK/status.txt")"
metrics=$(curl -sf --max-time 10 --unix-socket "$WORK/control.sock" http://d/metrics)
grep -qx "bedrock_tenantd_standby 1" <<<"$metrics" || fail "no standby gauge"
grep -q "claim $CLAIM names another daemon" "$WORK/daemon.log" || fail "A did not log the stand-by"
rc=0
ctl resolve t2 p1 >"$WORK/resolve.txt" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "stands by" "$WORK/resolve.txt" || fail "resolve while standing by: exit $rc, $(cat "$WORK/resolve.txt")"
# A's listings still run: a resync sees t4 (no manifest in A's checkout) and t1 unchanged
ctl resync >/dev/null
sleep 4 # the prune grace (2 s) passes: A would delete t4 now
[ "$(model_of t1)" != "none" ] && [ "$(model_of t1)" = "$(model_of t2)" ] || fail "t1's model changed: $(model_of t1)"
[ "$(profile_count t4)" = 1 ] || fail "A deleted t4 while standing by"
[ "$(profile_count t3)" = 0 ] || fail "A made t3 again while standing by"
[ "$(tenant_state t1)" = Drifted ] || fail "t1 is $(tenant_state t1) in A, want Drifted (changes not made, as when paused)"

# resume: A claims it back and acts; B stands by at its next change
ctl resume >/dev/null
wait_eq 30 "A to hold the claim again" "$DAEMON_PID" sh -c "curl -sf --max-time 30 http://127.0.0.1:$PORT/_awsim/state |
	jq -r '[.accounts[].regions[].parameters[] | select(.name == \"$CLAIM\")][0].value | fromjson | .pid'"
wait_until 60 "t1 on Nova, made by A" sh -c "curl -sf --max-time 30 http://127.0.0.1:$PORT/_awsim/state | grep -q nova-lite"
wait_eq 60 "t3 made again by A" 1 profile_count t3
WORK=$WORK/b write_tenant t2 "$NOVA"
wait_eq 30 "B to stand by" standby sh -c "$CTL_BIN --socket $WORK/b/control.sock --json status | jq -r .claim.state"
status_b | jq -e --arg pid "$DAEMON_PID" '.claim.holder.pid == ($pid | tonumber)' >/dev/null ||
	fail "B's status does not name A: $(status_b | jq -c .claim)"
wait_until 60 "A: every tenant Ready" all_ready
sleep 3 # B's prune grace for t3 passes too
[ "$(profile_count t3)" = 1 ] || fail "B deleted t3 while standing by"
[ "$(profile_count t4)" = 0 ] || fail "t4 still there: A should have pruned it"
one_profile_each 3

# the claim deleted by hand: the daemon holding it writes it again at its next work
TARGET=AmazonSSM.DeleteParameter sign_call ssm POST / "{\"Name\":\"$CLAIM\"}" >/dev/null
sleep 11
write_tenant t2 "$NOVA"
wait_eq 30 "the claim written again by A" "$DAEMON_PID" sh -c "curl -sf --max-time 30 http://127.0.0.1:$PORT/_awsim/state |
	jq -r '[.accounts[].regions[].parameters[] | select(.name == \"$CLAIM\")][0].value | fromjson | .pid'"
wait_until 60 "A: every tenant Ready" all_ready
[ "$(status_json | jq -r .claim.state)" = held ] || fail "A: $(status_json | jq -c .claim)"
[ "$(status_b | jq -r .claim.state)" = standby ] || fail "B: $(status_b | jq -c .claim)"

# A stops: it marks the claim released, and B, standing by, takes the instance over
# at its next reading of the claim (every 10 s) and acts on its own checkout (t4)
PID_A=$DAEMON_PID
stop_daemon
claim_value | jq -e --arg pid "$PID_A" '.released == true and .pid == ($pid | tonumber)' >/dev/null ||
	fail "A did not release the claim: $(claim_value)"
claim_pid() { claim_value | jq -r 'if .released then "released" else .pid end'; }
wait_eq 30 "B to take the released claim" "$PID_B" claim_pid
grep -q "claim $CLAIM released by the daemon that held it" "$WORK/b/daemon.log" || fail "B did not log the take-over"
wait_eq 60 "t4 made again by B" 1 profile_count t4
[ "$(status_b | jq -r .claim.state)" = held ] || fail "B: $(status_b | jq -c .claim)"
kill -TERM "$PID_B"
wait_gone 30 "B to exit" "$PID_B"
[ "$(claim_pid)" = released ] || fail "B did not release the claim: $(claim_value)"
echo PASS
