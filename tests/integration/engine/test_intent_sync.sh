#!/usr/bin/env bash
# A create intent is made durable off the loop: the create is sent only after a sync of
# the state store that began after the intent was written, and the control socket
# answers while such a sync takes seconds. A sync that fails means no create at all:
# the tenants wait, saying why, and go on once syncs work again.
# The daemon runs with sync_shim (LD_PRELOAD), which makes syncs of the store's
# write-ahead log slow or failing on demand.
. "$(dirname "$0")/lib.sh"
use_sync_shim

health_ms() {
	curl -s -o /dev/null -w '%{time_total}' --max-time 20 --unix-socket "$WORK/control.sock" \
		http://localhost/v1/health | awk '{ printf "%d", $1 * 1000 }'
}
syncs_begun() { grep -c '^begin' "$WORK/sync.log" 2>/dev/null || true; }
syncs_ended() { grep -c '^end' "$WORK/sync.log" 2>/dev/null || true; }
creates() { calls bedrock:CreateInferenceProfile; }

start_awsim
write_config
for i in 1 2; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready

# 1. slow syncs: 3 s each. A create waits for its sync; the socket does not.
echo "slow 3000" >"$WORK/sync.ctl"
: >"$WORK/sync.log"
before=$(creates)
t0=$(date +%s%N)
for i in 1 2 3; do write_tenant "s$i"; done
wait_until 30 "a sync of the log begins" sh -c "[ \"\$(grep -c '^begin' '$WORK/sync.log')\" -gt \"\$(grep -c '^end' '$WORK/sync.log')\" ]"
worst=0
for _ in 1 2 3 4 5; do
	ms=$(health_ms)
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.2
done
[ "$worst" -lt 1000 ] || fail "the control socket took ${worst} ms to answer during a 3 s sync of the store"
wait_eq 60 "three profiles created" $((before + 3)) creates
t1=$(date +%s%N)
elapsed=$(((t1 - t0) / 1000000))
[ "$elapsed" -ge 2900 ] || fail "creates were sent ${elapsed} ms after the manifests, before a 3 s sync could end"
first_end=$(awk '/^end/ { print $2; exit }' "$WORK/sync.log")
[ -n "$first_end" ] || fail "no sync ended before the creates: $(cat "$WORK/sync.log")"
wait_until 60 "Ready after slow syncs" all_ready

# 2. failing syncs: no create reaches AWS; the tenants and status say why.
echo fail >"$WORK/sync.ctl"
before=$(creates)
for i in 1 2 3 4 5; do write_tenant "f$i"; done
waiting() { tenant_json f1 | jq -r .last_error | grep -q "cannot record a create intent: syncing it to disk"; }
wait_until 30 "f1 waits for a durable intent" waiting
status_json | jq -e '.state_store.ok == false and (.state_store.error | test("syncing"))' >/dev/null ||
	fail "status does not show the failing sync: $(status_json | jq -c .state_store)"
sleep 5
[ "$(creates)" = "$before" ] || fail "$(($(creates) - before)) create(s) sent although no intent could be synced"
grep -q "state store: syncing" "$WORK/daemon.log" || fail "the failing sync was not logged"

# 3. syncs work again: every tenant goes on, with one profile each.
: >"$WORK/sync.ctl"
wait_until 60 "Ready once syncs work" all_ready
status_json | jq -e '.state_store.ok' >/dev/null || fail "status still shows the store failing"
grep -q "state store: synced to disk again" "$WORK/daemon.log" || fail "the recovery was not logged"
for i in 1 2 3 4 5; do [ "$(awsim_profiles_of "f$i")" = 1 ] || fail "f$i has no single profile"; done
for i in 1 2 3; do [ "$(awsim_profiles_of "s$i")" = 1 ] || fail "s$i has no single profile"; done
stop_daemon
echo PASS
