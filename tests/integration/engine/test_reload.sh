#!/usr/bin/env bash
# Configuration reloads (SIGHUP): status never shows freed or stale values; the mode
# a reload sets is the one shown and applied; keys only a restart applies (here the
# endpoints) keep their running values and are named in the log and in status; a
# reload during the first sync does not announce readiness early. Run on the
# sanitizer build, any use of freed memory ends the daemon with a report.
. "$(dirname "$0")/lib.sh"

# --- part 1: reloads on a running daemon ---
start_awsim
write_config
for t in alpha beta; do write_tenant "$t" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready

hup() { # hup WHAT: send SIGHUP and wait until the daemon has handled it
	local before
	before=$(grep -c "configuration reloaded\|not reloading" "$WORK/daemon.log" || true)
	kill -HUP "$DAEMON_PID"
	handled() { [ "$(grep -c "configuration reloaded\|not reloading" "$WORK/daemon.log" || true)" -gt "$before" ]; }
	wait_until 20 "the reload ($1) handled" handled
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died after the reload ($1)"
}
dir_intact() {
	local got
	got=$(status_json | jq -r .manifests.directory)
	[ "$got" = "$WORK/tenants" ] || fail "after $1: manifests.directory is '$got', want '$WORK/tenants'"
}

hup "unchanged"
for _ in 1 2 3; do
	dir_intact "a valid reload"
	ctl status >/dev/null || fail "ctl status exits $? after a valid reload"
done

cp "$WORK/config.yaml" "$WORK/config.good"
echo "bogus_key: 1" >>"$WORK/config.yaml"
hup "invalid"
dir_intact "an invalid reload"
grep -q "has errors, not reloading" "$WORK/daemon.log" || fail "the refused reload is not logged"
mv "$WORK/config.good" "$WORK/config.yaml"

write_config "mode: report"
hup "mode report"
dir_intact "a reload to report"
[ "$(status_json | jq -r .mode)" = report ] || fail "status shows mode $(status_json | jq -r .mode) after a reload to report"
# the engine applies it: a changed manifest is reported as drift, AWS is left alone
write_tenant alpha "" finance 1
wait_until 30 "alpha Drifted" state_is alpha Drifted
tag=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "alpha")) | .[0].tag.CostCenter')
[ "$tag" = eng ] || fail "report mode changed AWS: CostCenter is $tag"

# a changed endpoint needs a restart: the running one stays in use and status says so
sed -i "s|default: http://127.0.0.1:$PORT|default: http://127.0.0.1:9|" "$WORK/config.yaml"
sed -i 's/^mode: report$/mode: enforce/' "$WORK/config.yaml"
hup "endpoint changed"
dir_intact "a reload with a changed endpoint"
[ "$(status_json | jq -c .restart_required)" = '["endpoints"]' ] ||
	fail "restart_required is $(status_json | jq -c .restart_required), want [\"endpoints\"]"
[ "$(status_json | jq -r .mode)" = enforce ] || fail "the mode did not go back to enforce"
grep -q "endpoints changed: a restart applies it" "$WORK/daemon.log" || fail "the restart-only key is not logged"
rc=0
ctl status >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "ctl status exits $rc while a key waits for a restart, want 1"
# the running endpoint (awsim) still serves: alpha converges to its new tag
wait_until 30 "alpha Ready in enforce mode" state_is alpha Ready
tag=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "alpha")) | .[0].tag.CostCenter')
[ "$tag" = finance ] || fail "after the reload to enforce CostCenter is $tag"
# the file agrees with what runs again: nothing waits for a restart
sed -i "s|default: http://127.0.0.1:9$|default: http://127.0.0.1:$PORT|" "$WORK/config.yaml"
hup "endpoint restored"
[ "$(status_json | jq -c .restart_required)" = '[]' ] || fail "restart_required stays $(status_json | jq -c .restart_required)"
dir_intact "the last reload"
stop_daemon
if grep -q "AddressSanitizer\|runtime error:" "$WORK/daemon.log"; then
	fail "sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error:" "$WORK/daemon.log")"
fi

# --- part 2: a reload during the first sync ---
{
	kill -9 "$AWSIM_PID"
	wait "$AWSIM_PID"
} 2>/dev/null || true
rm -rf "$WORK/state" "$WORK/tenants"/*.yaml
start_awsim --faults <(echo '{"rules":[{"service":"bedrock","operation":"CreateInferenceProfile","latency_ms":3000}]}')
write_config
for i in 1 2 3 4; do write_tenant "s$i" "" eng 1; done
"$BTD_BUILD/tests/integration/engine/notify_listen" "$WORK/notify.sock" 90 >"$WORK/notify.log" &
listener=$!
sleep 0.2
NOTIFY_SOCKET=$WORK/notify.sock start_daemon
syncing() { grep -q "^STATUS=first sync" "$WORK/notify.log"; }
wait_until 20 "the first sync begins" syncing
hup "during the first sync"
status_json | jq -e '.ready == false' >/dev/null || fail "the first sync ended too soon for this test"
sleep 0.5
! grep -q "^READY=1" "$WORK/notify.log" || fail "READY=1 during the first sync, after a reload: $(cat "$WORK/notify.log")"
wait_until 60 "Ready" all_ready
ready_seen() { grep -q "^READY=1" "$WORK/notify.log"; }
wait_until 10 "READY=1 at the end of the first sync" ready_seen
first_ready=$(grep -n "^READY=1" "$WORK/notify.log" | head -1 | cut -d: -f1)
[ "$(grep -n "^STATUS=first sync" "$WORK/notify.log" | tail -1 | cut -d: -f1)" -lt "$first_ready" ] ||
	fail "READY=1 came before the first sync ended: $(cat "$WORK/notify.log")"
stop_daemon
kill "$listener" 2>/dev/null || true
if grep -q "AddressSanitizer\|runtime error:" "$WORK/daemon.log"; then
	fail "sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error:" "$WORK/daemon.log")"
fi
echo PASS
