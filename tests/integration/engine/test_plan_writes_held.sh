#!/usr/bin/env bash
# `bedrock-tenantd plan` when the daemon will make no write at its next start: under
# `mode: report`, and while a pause is kept in the state store. Plan still shows the
# calls (the differences the daemon reports: Drifted), but says at the top and in the
# summary that the daemon makes none of them and why, its JSON has `writes` saying so,
# and it exits 3, not 2 (no AWS change is due). Starting the daemon after plan, awsim
# sees no mutating call. A claim naming another daemon holds nothing at a start (the
# last started wins): plan lists the writes as due now, and the daemon makes them.
. "$(dirname "$0")/lib.sh"

CLAIM=$CLAIM_PARAM
start_awsim
write_config
write_tenant t1
start_daemon
wait_until 60 "t1 Ready" all_ready
stop_daemon
cp "$WORK/tenants/t1.yaml" "$WORK/t1.yaml.saved"
write_tenant t2 # new: a profile, its parameter to create

mutations() { awsim_get calls | jq '[to_entries[] | select(.value.mutating) | .value.ok + .value.failed] | add // 0'; }
# plan_both TAG: --json into plan_TAG.json, text into plan_TAG.txt, both exit PLAN_RC
plan_both() {
	local rc2=0
	PLAN_RC=0
	"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan_$1.json" 2>"$WORK/plan_$1.err" || PLAN_RC=$?
	"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan_$1.txt" 2>>"$WORK/plan_$1.err" || rc2=$?
	[ "$rc2" = "$PLAN_RC" ] || fail "plan text exits $rc2, --json $PLAN_RC"
}
t2_calls() { # the calls plan shows for t2, due now
	jq '[.tenants[] | select(.id == "t2") | .actions[] | select(.aws_call and .after == null)] | length' "$WORK/plan_$1.json"
}
# held_plan TAG WHY: plan shows t2's calls, says the daemon makes none of them (WHY)
held_plan() {
	plan_both "$1"
	[ "$PLAN_RC" = 3 ] || fail "[$1] plan exits $PLAN_RC, not 3: $(tail -n1 "$WORK/plan_$1.txt")"
	[ "$(t2_calls "$1")" -ge 2 ] || fail "[$1] plan does not show t2's calls: $(jq -c .tenants "$WORK/plan_$1.json")"
	jq -e --arg w "none: $2" '.writes | startswith($w)' "$WORK/plan_$1.json" >/dev/null ||
		fail "[$1] writes: $(jq -c .writes "$WORK/plan_$1.json"), want none: $2"
	head -n1 "$WORK/plan_$1.txt" | grep -q "^! the daemon makes none of these writes: $2" ||
		fail "[$1] plan's first line: $(head -n1 "$WORK/plan_$1.txt")"
	tail -n1 "$WORK/plan_$1.txt" | grep -q "AWS call(s) due now.*; the daemon makes none of them: $2" ||
		fail "[$1] plan's summary: $(tail -n1 "$WORK/plan_$1.txt")"
}
# no_writes_at_start: the daemon starts, sees t2 Drifted and writes nothing
no_writes_at_start() {
	awsim_put calls/reset
	start_daemon
	wait_until 30 "t2 Drifted" state_is t2 Drifted
	sleep 2
	[ "$(mutations)" = 0 ] || fail "[$1] the daemon made mutating calls: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating))')"
}

# 1. mode: report
write_config "mode: report"
held_plan report "mode report"
no_writes_at_start report
ctl pause >/dev/null
stop_daemon

# 2. paused (kept in the state store), back in enforce mode
write_config
held_plan paused "paused"
no_writes_at_start paused
ctl resume >/dev/null
wait_until 60 "t2 Ready once resumed" all_ready
stop_daemon

# 3. the claim names another daemon (B, another state directory, holding it): a start
# writes its own claim and acts, so plan lists the writes due now
write_tenant t3
mkdir -p "$WORK/b/tenants" "$WORK/b/state"
cp "$WORK/t1.yaml.saved" "$WORK/b/tenants/t1.yaml"
sed -e "s#^manifests: .*#manifests: $WORK/b/tenants#" -e "s#^state_dir: .*#state_dir: $WORK/b/state#" \
	-e "s#path: $WORK/control.sock#path: $WORK/b/control.sock#" -e "s#^safety:#safety:\n  prune_grace: 1h#" \
	"$WORK/config.yaml" | grep -v "^  prune_grace: ${GRACE:-2s}" >"$WORK/b/config.yaml"
"$DAEMON" --config "$WORK/b/config.yaml" --log-stderr >>"$WORK/b/daemon.log" 2>&1 &
PID_B=$!
at_exit "kill -9 $PID_B 2>/dev/null"
for _ in $(seq 200); do [ -S "$WORK/b/control.sock" ] && break; sleep 0.05; done
"$CTL_BIN" --socket "$WORK/b/control.sock" wait-ready >/dev/null 2>&1 || true
"$CTL_BIN" --socket "$WORK/b/control.sock" resume >/dev/null # B writes its claim at once
wait_eq 30 "B to hold the claim" "$PID_B" sh -c "curl -sf --max-time 30 http://127.0.0.1:$PORT/_awsim/state |
	jq -r '[.accounts[].regions[].parameters[] | select(.name == \"$CLAIM\")][0].value | fromjson | .pid'"
plan_both claim
[ "$PLAN_RC" = 2 ] || fail "[claim] plan exits $PLAN_RC, not 2"
jq -e '.writes == null' "$WORK/plan_claim.json" >/dev/null || fail "[claim] writes: $(jq -c .writes "$WORK/plan_claim.json")"
! grep -q "makes none" "$WORK/plan_claim.txt" || fail "[claim] plan says no write: $(cat "$WORK/plan_claim.txt")"
jq -e '[.tenants[] | select(.id == "t3") | .actions[] | select(.kind == "create-profile" and .after == null)] | length == 1' \
	"$WORK/plan_claim.json" >/dev/null || fail "[claim] plan does not create t3's profile now"
start_daemon
wait_until 60 "t3 made by this daemon, which took the claim" all_ready
[ "$(awsim_profiles_of t3)" = 1 ] || fail "[claim] t3 has $(awsim_profiles_of t3) profiles"
[ "$(awsim_param_value "$CLAIM" | jq -r .pid)" = "$DAEMON_PID" ] || fail "[claim] the claim: $(awsim_param_value "$CLAIM")"
stop_daemon
echo PASS
