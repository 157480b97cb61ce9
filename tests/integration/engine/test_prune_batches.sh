#!/usr/bin/env bash
# The prune gate counts every deletion still pending, held ones included, whatever the
# batches the removals arrive in: 30 of 41 tenants removed one at a time 0.4 s apart,
# then in three batches one second apart, are all held and nothing is deleted. An
# approval survives a kill -9 and covers exactly the tenants it released: a removal
# that follows it is held again, since the approved deletions still pending push the
# count over max(10, 5 %).
. "$(dirname "$0")/lib.sh"
GRACE=12s
start_awsim
write_config
for i in $(seq -w 1 41); do write_tenant "t$i" "" eng 1; done
start_daemon
wait_until 90 "Ready" all_ready

held_count() { status_json | jq '.held_deletions | length'; }
all_present() {
	local n
	n=$(awsim_get state | jq "$PROFILES"' | map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) | length')
	[ "$n" = 41 ] || fail "$1: only $n of 41 profiles are left"
}

# One at a time, 0.4 s apart: the 11th pending removal holds the first ten, and every
# later one joins them.
mkdir "$WORK/saved"
start=$(date +%s)
for i in $(seq -w 1 30); do
	mv "$WORK/tenants/t$i.yaml" "$WORK/saved/"
	sleep 0.4
done
wait_eq 30 "30 deletions held (one at a time)" 30 held_count
# past the grace period of every removal: what was not held would be gone now
left=$((start + 12 + 12 + 2 - $(date +%s)))
[ "$left" -le 0 ] || sleep "$left"
all_present "removed one at a time"
[ "$(held_count)" = 30 ] || fail "held deletions changed: $(held_count)"

mv "$WORK/saved/"*.yaml "$WORK/tenants/"
wait_eq 30 "nothing held once the files are back" 0 held_count
wait_until 60 "Ready again" all_ready

# Three batches of ten, one second apart.
for b in 0 1 2; do
	for i in $(seq -w $((b * 10 + 1)) $((b * 10 + 10))); do mv "$WORK/tenants/t$i.yaml" "$WORK/saved/"; done
	sleep 1
done
wait_eq 30 "30 deletions held (batches)" 30 held_count
ctl approve-prune | grep -q "30 tenant" || fail "approve-prune"

# The approval is durable: after a kill -9 the approved deletions still go, and a
# removal that follows is held again.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
start_daemon
mv "$WORK/tenants/t31.yaml" "$WORK/saved/"
for i in $(seq -w 1 30); do wait_eq 60 "t$i deleted after the approval" 0 awsim_profiles_of "t$i"; done
wait_eq 20 "t31 held" '["t31"]' sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -c .held_deletions"
[ "$(tenant_state t31)" = Held ] || fail "t31 is $(tenant_state t31), not Held"
for i in $(seq -w 31 41); do [ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i deleted without approval"; done
stop_daemon

# after a clean restart the hold is still there (and the approval is not reused)
start_daemon
wait_eq 30 "t31 still held after a restart" Held tenant_state t31
[ "$(awsim_profiles_of t31)" = 1 ] || fail "t31 deleted without approval"
stop_daemon
echo PASS
