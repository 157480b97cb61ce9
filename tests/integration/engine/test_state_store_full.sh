#!/usr/bin/env bash
# A full disk under the state store: no create is sent without its intent on disk (the
# tenants whose intent cannot be written wait, saying why; the odd small commit that
# still fits, in pages a failed commit left and the daemon's log cut gave back, is
# written, and its create rightly sent: checked against the store itself), the store's errors are logged at most once a minute each
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

# The disk is filled to the last byte with the store's log (state.db-wal) empty. Any
# page the log holds is space a small commit could use on a full disk (and its create
# be sent, rightly: the intent is then on disk): after a checkpoint SQLite writes the
# log again from its start, and once idle the daemon cuts the log's file back, which
# frees pages for the next commit. So the log is cut to nothing (a checkpoint of this
# test's) and the disk filled, again until the daemon wrote nothing in between: with
# the log empty and the disk full, no write can get through.
log_size() { stat -c %s "$WAL" 2>/dev/null || echo 0; }
WAL=$WORK/state/state.db-wal
filled=0
for attempt in $(seq 1 20); do
	rm -f "$WORK/state/filler"* # room for the checkpoint to copy the log into the database
	sqlite3 -cmd ".timeout 5000" "$WORK/state/state.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	dd if=/dev/zero of="$WORK/state/filler" bs=64k status=none 2>/dev/null || true
	dd if=/dev/zero of="$WORK/state/filler.tail" bs=512 status=none 2>/dev/null || true
	if [ "$(log_size)" = 0 ]; then
		filled=1
		break
	fi
	sleep 0.2
done
[ "$filled" = 1 ] || fail "the store's log could not be emptied on a full disk: $(log_size) bytes"
creates=$(calls bedrock:CreateInferenceProfile)
: >"$WORK/daemon.log"
for i in $(seq 1 40); do write_tenant "n$i" "" eng 1; done
wait_eq 30 "40 new tenants known" 43 sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq .tenants.total"
# W: the first of the new tenants that waits for its intent
waiting() {
	local i
	for i in $(seq 1 40); do
		if tenant_json "n$i" | jq -r .last_error | grep -q "cannot record a create intent"; then
			W=n$i
			return 0
		fi
	done
	return 1
}
wait_until 30 "a new tenant waits for its intent" waiting
status_json | jq -e '.state_store.ok == false and (.state_store.error | test("full"))' >/dev/null ||
	fail "status does not show the store failing: $(status_json | jq -c .state_store)"
if ctl status >/dev/null; then fail "ctl status must exit 1 while the state store fails"; fi
# the lines of the tenant's history the store could not keep (a write or its loop
# turn's commit failed) stay with the daemon, and are shown
lines_kept() {
	tenant_json "$W" | jq -e 'any(.history[].event; test("-> Error: .*cannot record a create intent"))' >/dev/null
}
wait_until 30 "$W's history kept in memory" lines_kept
sleep 8
# every create sent on the full disk has its intent in the store's file (no listing
# ran meanwhile, which would have cleared it); most tenants could not write theirs
sent=$(sed -n 's/.* tenant=\(n[0-9]*\) request-id=[^ ]* create-profile .*/\1/p' "$WORK/daemon.log" | sort -u)
durable=$(sqlite3 -readonly -cmd ".timeout 5000" "$WORK/state/state.db" "SELECT DISTINCT tenant FROM intents" | sort -u)
missing=$(comm -23 <(printf '%s\n' $sent) <(printf '%s\n' $durable) | grep . || true)
[ -z "$missing" ] || fail "creates sent without a durable intent: $missing"
n_sent=$(printf '%s\n' $sent | grep -c . || true)
[ "$(($(calls bedrock:CreateInferenceProfile) - creates))" = "$n_sent" ] || fail "creates not in the daemon's log"
[ "$n_sent" -le 20 ] || fail "$n_sent of 40 creates sent on a full disk"
echo "on the full disk: $n_sent create(s) sent, each with its intent in the store; the others waited"
lines=$(grep -c "state store" "$WORK/daemon.log" || true)
[ "$lines" -le 6 ] || fail "$lines state store lines in about 10 s: $(grep "state store" "$WORK/daemon.log" | head -5)"

rm -f "$WORK/state/filler"*
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
