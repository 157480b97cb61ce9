#!/usr/bin/env bash
# A full disk under the state store: no create is sent without its intent on disk (the
# tenants wait, saying why), the store's errors are logged at most once a minute each
# instead of once per write, and the daemon recovers by itself when space returns.
# The state directory is a small tmpfs; without the right to mount one, the test says
# so and passes.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/state"
if ! mount -t tmpfs -o size=4m,mode=0750 tmpfs "$WORK/state" 2>"$WORK/mount.err"; then
	echo "SKIP: cannot mount a tmpfs for the state directory: $(cat "$WORK/mount.err")"
	exit 0
fi
at_exit 'umount -l "$WORK/state" 2>/dev/null'

start_awsim
write_config
for i in $(seq 1 3); do write_tenant "t$i" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready

# The store's log (state.db-wal) is cut to nothing first: after a checkpoint, SQLite
# writes the log again from its start in the file's pages already allocated, so on a
# full disk a small commit could still succeed (and its create be sent, rightly: the
# intent is then on disk). Here no write must get through.
truncated() {
	[ "$(sqlite3 -cmd ".timeout 5000" "$WORK/state/state.db" "PRAGMA wal_checkpoint(TRUNCATE)")" = "0|0|0" ]
}
wait_until 30 "the store's log cut to nothing" truncated
# fill the file system to the last byte
dd if=/dev/zero of="$WORK/state/filler" bs=64k status=none 2>/dev/null || true
dd if=/dev/zero of="$WORK/state/filler2" bs=512 status=none 2>/dev/null || true
creates=$(calls bedrock:CreateInferenceProfile)
: >"$WORK/daemon.log"
for i in $(seq 1 40); do write_tenant "n$i" "" eng 1; done
wait_eq 30 "40 new tenants known" 43 sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.total"
waiting() {
	tenant_json n1 | jq -r .last_error | grep -q "cannot record a create intent"
}
wait_until 30 "n1 waits for its intent" waiting
status_json | jq -e '.state_store.ok == false and (.state_store.error | test("full"))' >/dev/null ||
	fail "status does not show the store failing: $(status_json | jq -c .state_store)"
if ctl status >/dev/null; then fail "ctl status must exit 1 while the state store fails"; fi
# the lines of the tenant's history the store could not keep (a write or its loop
# turn's commit failed) stay with the daemon, and are shown
lines_kept() {
	tenant_json n1 | jq -e 'any(.history[].event; test("-> Error: .*cannot record a create intent"))' >/dev/null
}
wait_until 30 "n1's history kept in memory" lines_kept
sleep 8
[ "$(calls bedrock:CreateInferenceProfile)" = "$creates" ] || fail "a create was sent without a durable intent"
lines=$(grep -c "state store" "$WORK/daemon.log" || true)
[ "$lines" -le 6 ] || fail "$lines state store lines in about 10 s: $(grep "state store" "$WORK/daemon.log" | head -5)"

rm -f "$WORK/state/filler" "$WORK/state/filler2"
wait_until 90 "Ready once space is back" all_ready
wait_until 30 "the recovery logged" grep -q "state store: writable again" "$WORK/daemon.log"
status_json | jq -e '.state_store.ok' >/dev/null || fail "status still shows the store failing"
for i in $(seq 1 40); do [ "$(awsim_profiles_of "n$i")" = 1 ] || fail "n$i has no single profile"; done

# what was written from memory is what a restart finds: nothing is created again
stop_daemon
creates=$(calls bedrock:CreateInferenceProfile)
start_daemon
wait_until 60 "Ready after a restart" all_ready
[ "$(calls bedrock:CreateInferenceProfile)" = "$creates" ] || fail "creates after the restart"
stop_daemon
echo PASS
