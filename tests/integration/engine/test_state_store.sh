#!/usr/bin/env bash
# The state directory serves one daemon: a second one on it exits non-zero and names the
# directory and the holder's pid. A damaged store (pages overwritten in a checkpointed
# file, then garbage over the whole file) does not stop the daemon: it moves the file
# aside, says so loudly and in status, and converges again from the AWS listings
# without a duplicate.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for i in $(seq 1 8); do write_tenant "t$i" "" eng 2; done
EXPECT=16
start_daemon
wait_until 60 "Ready" all_ready

# a second daemon on the same state directory (its own socket)
sed "s#$WORK/control.sock#$WORK/second.sock#" "$WORK/config.yaml" >"$WORK/second.yaml"
rc=0
timeout 20 "$DAEMON" --config "$WORK/second.yaml" --log-stderr 2>"$WORK/second.log" || rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a second daemon on the same state directory exited with $rc"
grep -q "state directory $WORK/state is in use by another bedrock-tenantd (pid $DAEMON_PID" "$WORK/second.log" ||
	fail "the second daemon does not say why: $(cat "$WORK/second.log")"
[ ! -S "$WORK/second.sock" ] || fail "the second daemon opened its socket"

no_duplicates() {
	local n
	n=$(awsim_get state | jq "$PROFILES"' | map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) |
		group_by(.tag["bedrock-tenantd:tenant"] + "/" + .tag["bedrock-tenantd:profile"]) | map(length) | max')
	[ "$n" = 1 ] || fail "$1: a profile key has $n profiles"
	n=$(awsim_get state | jq "$PROFILES | length")
	[ "$n" = "$EXPECT" ] || fail "$1: $n profiles, not $EXPECT"
}

damage_and_restart() { # $1: how
	stop_daemon # a clean stop: the write-ahead log is checkpointed into state.db
	[ ! -s "$WORK/state/state.db-wal" ] || fail "the store was not checkpointed"
	case $1 in
	pages) dd if=/dev/urandom of="$WORK/state/state.db" bs=4096 seek=1 count=3 conv=notrunc status=none ;;
	garbage) head -c 65536 /dev/urandom >"$WORK/state/state.db" ;;
	esac
	write_tenant "new$2" "" eng 2 # a change while the daemon is away
	EXPECT=$((EXPECT + 2))
	: >"$WORK/daemon.log"
	start_daemon
	wait_until 60 "Ready after the $1 damage" all_ready
	grep -q "state store $WORK/state/state.db is damaged (.*): moved aside to $WORK/state/state.db.corrupt-" \
		"$WORK/daemon.log" || fail "the daemon does not say what it did: $(head -5 "$WORK/daemon.log")"
	status_json | jq -e '.state_store.moved_aside | startswith("'"$WORK"'/state/state.db.corrupt-")' >/dev/null ||
		fail "status does not show the store was moved aside"
	{ ctl status || true; } | grep -q "^state store .*moved aside to $WORK/state/state.db.corrupt-" ||
		fail "bedrock-tenantctl status does not show the store was moved aside"
	ls "$WORK/state/" | grep -q "^state.db.corrupt-" || fail "the damaged file is gone"
	no_duplicates "after the $1 damage"
}
damage_and_restart pages 1
sleep 1 # a distinct name for the second damaged file
damage_and_restart garbage 2
[ "$(ls "$WORK/state/" | grep -c '^state.db.corrupt-[0-9TZ]*$')" = 2 ] || fail "two damaged files expected"
stop_daemon
echo PASS
