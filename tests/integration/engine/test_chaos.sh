#!/usr/bin/env bash
# Chaos, bounded: the daemon reconciles 40 tenants against an unreliable AWS (lost
# answers, throttling, 5xx, listings that lag) while it is killed with SIGKILL, reloaded
# with SIGHUP, and its control socket is attacked by clients that reset early, flood and
# trickle. Meanwhile profiles are deleted and retagged by hand in AWS and 12 tenants are
# removed in three batches (more than the prune gate allows). Throughout, the daemon
# never dies unasked and answers /v1/health within 1 s. At the end: no duplicate, no
# orphan, no parameter naming a missing profile, the hand-made drift repaired, and no
# deletion beyond the gate until an operator approves.
. "$(dirname "$0")/lib.sh"
STRESS=$BTD_BUILD/tests/integration/engine/sockstress
N=40
REMOVED=$(seq -f %03g 29 40)
cat >"$WORK/faults.json" <<'JSON'
{"seed": 11, "eventual_consistency_ms": 700, "rules": [
  {"service": "bedrock", "operation": "CreateInferenceProfile", "lost_percent": 15},
  {"service": "bedrock", "operation": "DeleteInferenceProfile", "lost_percent": 15},
  {"service": "ssm", "operation": "PutParameter", "lost_percent": 15},
  {"service": "budgets", "operation": "CreateBudget", "lost_percent": 15},
  {"service": "iam", "operation": "PutRolePolicy", "lost_percent": 15},
  {"service": "bedrock", "throttle_percent": 15, "error_503_percent": 3},
  {"service": "tagging", "throttle_percent": 10},
  {"service": "ssm", "throttle_percent": 10}
]}
JSON
start_awsim --faults "$WORK/faults.json"
GRACE=8s DRAIN=1s write_config

with_budget() { [ $((10#$1 % 8)) = 0 ]; }
for i in $(seq -f %03g 1 $N); do
	if with_budget "$i"; then
		create_role "role-t$i"
		write_budget_tenant "t$i" 100 "80:actual:t$i@example.com" "[role-t$i]"
	else
		write_tenant "t$i" "" eng 1
	fi
done

# Every daemon started here is watched: a probe asks /v1/health every 0.2 s (one line
# per probe: its time in ms, or "failed"), and a death we did not cause fails the test.
PROBE_PID=
LAT=$WORK/health.txt
: >"$LAT"
probe_loop() {
	while :; do
		echo "$("$STRESS" "$WORK/control.sock" probe 1000 2>&1) at $(date +%T.%N)" >>"$LAT"
		sleep 0.2
	done
}
up() { # the socket of a killed daemon stays behind: wait for the new one's
	rm -f "$WORK/control.sock"
	start_daemon
	probe_loop &
	PROBE_PID=$!
}
assert_alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died unasked ($1)"; }
down_hard() {
	assert_alive "before kill -9"
	kill "$PROBE_PID" 2>/dev/null || true
	wait "$PROBE_PID" 2>/dev/null || true
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}
HOSTILE_PIDS=()
hostile() { # in the background: early resets, 200 clients reconnecting, trickling heads
	"$STRESS" "$WORK/control.sock" early-close 200 >/dev/null 2>&1 &
	HOSTILE_PIDS+=($!)
	"$STRESS" "$WORK/control.sock" flood 200 3 "$DAEMON_PID" >/dev/null 2>&1 &
	HOSTILE_PIDS+=($!)
	"$STRESS" "$WORK/control.sock" trickle 64 1000 8 >/dev/null 2>&1 &
	HOSTILE_PIDS+=($!)
}
hostile_wait() { # they end by themselves
	local pid
	for pid in "${HOSTILE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	HOSTILE_PIDS=()
}
# CHAOS_LOG=FILE keeps a copy of the daemon's whole log (for looking into a failure);
# the probe and the hostile clients are jobs, which lib.sh's cleanup kills.
at_exit '[ -z "${CHAOS_LOG:-}" ] || cp "$WORK/daemon.log" "$CHAOS_LOG"'
awsim_alive() { kill -0 "$AWSIM_PID" 2>/dev/null || fail "awsim died"; }

# 1. Convergence under kill -9, SIGHUP and hostile clients.
for round in $(seq 6); do
	up
	[ $((round % 2)) = 0 ] && hostile
	sleep "0.$((RANDOM % 9 + 1))"
	[ $((round % 3)) = 0 ] && kill -HUP "$DAEMON_PID"
	sleep "0.$((RANDOM % 9 + 1))"
	down_hard
done
up
hostile
kill -HUP "$DAEMON_PID"
wait_until 240 "every tenant Ready after the kills" all_ready
hostile_wait
assert_alive "after convergence"

# 2. Drift made by hand in AWS: a profile deleted, another retagged.
profile_of() { awsim_get state | jq -r --arg t "$1" "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) | .[0].arn // ""'; }
deleted=$(profile_of t005)
retagged=$(profile_of t006)
[ -n "$deleted" ] && [ -n "$retagged" ] || fail "no profile for t005 or t006"
is_live() { awsim_get state | jq -e --arg a "$1" "$PROFILES"' | any(.arn == $a)' >/dev/null; }
for try in $(seq 30); do # the answer may be lost (the fault plan): the deletion still happened
	sign_call bedrock DELETE "/inference-profiles/${deleted##*/}" >/dev/null || true
	is_live "$deleted" || break
	[ "$try" -lt 30 ] || fail "could not delete t005's profile by hand"
	sleep 0.2
done
for try in $(seq 30); do
	sign_call bedrock POST /tagResource \
		"{\"resourceARN\":\"$retagged\",\"tags\":[{\"key\":\"CostCenter\",\"value\":\"hacked\"}]}" >/dev/null && break
	[ "$try" -lt 30 ] || fail "could not retag t006's profile by hand"
	sleep 0.2
done

# 3. Twelve tenants removed in three batches a second apart, a kill -9 in between,
# hostile clients and a reload: more than max(10, 5 %), so every deletion is held.
set -- $REMOVED
hostile
for batch in 1 2 3; do
	for k in 1 2 3 4; do
		rm "$WORK/tenants/t$1.yaml"
		shift
	done
	[ "$batch" = 2 ] && down_hard && up
	[ "$batch" = 3 ] && kill -HUP "$DAEMON_PID"
	sleep 1
done
ctl resync >/dev/null || true
hostile_wait

# 4. The daemon repairs the drift and holds the deletions.
t005_live() { [ "$(awsim_profiles_of t005)" = 1 ] && resolved_live t005; }
resolved_live() { # the ARN resolve gives is live in AWS
	local arn
	arn=$(ctl --json resolve "$1" p1 2>/dev/null | jq -r '.arn // empty')
	[ -n "$arn" ] && is_live "$arn"
}
t006_tag() { awsim_get state | jq -r --arg a "$retagged" "$PROFILES"' | map(select(.arn == $a)) | .[0].tag.CostCenter'; }
wait_until 120 "t005's profile re-created and resolved" t005_live
wait_eq 120 "t006's tag repaired" eng t006_tag
repair_told() {
	tenant_json t006 | jq -e '[.history[].event] | any(test("tag CostCenter: hacked -> eng"))' >/dev/null &&
		grep -q "tenant=t006 .*drift repaired: .*tag CostCenter: hacked -> eng" "$WORK/daemon.log"
}
wait_until 30 "the repair of t006's tag in its history and the log" repair_told
wait_until 120 "parameters name live profiles" consistent
sleep 9 # past the grace period (8 s): nothing removed may go without approval
for i in $REMOVED; do
	[ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i was deleted without approval"
done
held() { status_json | jq '.held_deletions | length'; }
wait_eq 60 "12 deletions held" 12 held

# 5. An operator approves; the removed tenants go, nothing else does.
down_hard
up
wait_eq 60 "12 deletions still held after a restart" 12 held
ctl approve-prune >/dev/null
for i in $REMOVED; do wait_eq 120 "t$i deleted after approval" 0 awsim_profiles_of "t$i"; done
wait_until 120 "every tenant Ready at the end" all_ready
ctl resync >/dev/null
wait_until 60 "Ready after a resync" all_ready

one_profile_each 28
budgets=$(awsim_get state | jq '[.accounts[].budgets[]] | length')
[ "$budgets" = 3 ] || fail "$budgets budgets, want 3 (t008, t016, t024)"
for i in 008 016 024; do
	live=$(awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "t'"$i"'")) | map(.arn) | sort')
	granted=$(role_policy "role-t$i" "bedrock-tenantd-t$i" | jq -c '.Statement[0].Resource | sort')
	[ "$live" = "$granted" ] || fail "role-t$i grants $granted, the live profiles are $live"
done
[ "$(role_policy role-t032 bedrock-tenantd-t032)" = "" ] || fail "t032's role policy outlived the tenant"

awsim_alive
assert_alive "at the end"
kill "$PROBE_PID" 2>/dev/null || true
wait "$PROBE_PID" 2>/dev/null || true
grep -q failed "$LAT" &&
	fail "/v1/health did not answer within 1 s $(grep -c failed "$LAT") times of $(wc -l <"$LAT"): $(grep failed "$LAT" | head -3)"
slow=$(awk '$1 >= 1000' "$LAT" | wc -l)
[ "$slow" = 0 ] || fail "/v1/health took 1 s or more $slow times"
echo "health probes: $(wc -l <"$LAT"), slowest $(awk '{print $1}' "$LAT" | sort -n | tail -1) ms"
stop_daemon
echo PASS
