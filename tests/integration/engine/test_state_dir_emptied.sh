#!/usr/bin/env bash
# The state directory emptied by hand while the daemon runs (`rm -rf` of its files).
# SQLite would go on writing to files no start finds. The daemon sees its files gone
# (a sync of the log that fails, or its look every 10 s), says so in the log, and a
# create waits meanwhile; then it opens its store again at the same path, writes it
# from memory and locks the directory again: the waiting tenant is made, once,
# without a restart. The records are in the new files: a second daemon cannot take
# the directory, and a restart (kill -9) finds every tenant and makes nothing.
# Emptied again with no write to make, its look every 10 s finds it; a status asked
# just after a removal says so, and looks at once. Removed whole,
# the directory is made again (mode 0750, as a start makes it) and written.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for t in alpha beta; do write_tenant "$t"; done
start_daemon
wait_until 60 "Ready" all_ready
creates() { awsim_get calls | jq '.["bedrock:CreateInferenceProfile"].ok // 0'; }
rm -rf "${WORK:?}/state/"*
write_tenant gamma
wait_until 30 "the removal logged" grep -q "its files were removed or replaced" "$WORK/daemon.log"
wait_until 30 "the store opened again" grep -q "state store: opened .*state.db again" "$WORK/daemon.log"
wait_until 30 "the lock taken again" grep -q "lock file .* was removed or replaced; locked again" "$WORK/daemon.log"
wait_until 60 "every tenant Ready, gamma included" all_ready
status_json | jq -e '.state_store.ok == true' >/dev/null || fail "the store is not reported whole: $(status_json | jq -c .state_store)"
for t in alpha beta gamma; do
	[ "$(awsim_profiles_of "$t")" = 1 ] || fail "$t has $(awsim_profiles_of "$t") profiles"
done
[ -s "$WORK/state/state.db" ] && [ -e "$WORK/state/lock" ] || fail "the state directory holds: $(ls "$WORK/state")"
[ "$(cat "$WORK/state/lock")" = "$DAEMON_PID" ] || fail "the new lock file names $(cat "$WORK/state/lock")"
# alpha and beta were written before the removal: their rows are the rewrite's
sleep 1 # the turn's commit
rows=$(python3 -c 'import sqlite3, sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT tenant FROM tenants ORDER BY tenant")))' "$WORK/state/state.db")
[ "$rows" = "alpha beta gamma" ] || fail "the new store's tenants: '$rows'"

# a second daemon on the directory is refused: the new lock is held
"$DAEMON" --config "$WORK/config.yaml" --log-stderr >"$WORK/second.log" 2>&1 && fail "a second daemon started"
grep -q "is in use by another bedrock-tenantd" "$WORK/second.log" || fail "second daemon: $(cat "$WORK/second.log")"

# what the daemon knows is in the new files: a start after kill -9 makes nothing
before=$(creates)
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
start_daemon
wait_until 60 "every tenant Ready after the restart" all_ready
sleep 2
[ "$(creates)" = "$before" ] || fail "the restart created profiles: $before -> $(creates)"
for t in alpha beta gamma; do
	[ "$(awsim_profiles_of "$t")" = 1 ] || fail "$t has $(awsim_profiles_of "$t") profiles"
done

# emptied again with nothing to write: its look every 10 s (STORE_WATCH_MS) finds it
reopened() { [ "$(grep -c "state store: opened .*state.db again" "$WORK/daemon.log")" -ge 2 ]; }
rm -rf "${WORK:?}/state/"*
wait_until 30 "the store opened again by its periodic look" reopened
sleep 1 # the turn's commit
rows=$(python3 -c 'import sqlite3, sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT tenant FROM tenants ORDER BY tenant")))' "$WORK/state/state.db")
[ "$rows" = "alpha beta gamma" ] || fail "the store made again holds: '$rows'"

# emptied again, status asked at once: it says the files are gone (not "ok" until the
# next look), and the asking opens the store again without waiting for that look
rm -rf "${WORK:?}/state/"*
status_json | jq -e '.state_store.ok == false and (.state_store.error | test("its files were removed or replaced"))' >/dev/null ||
	fail "status just after the removal: $(status_json | jq -c .state_store)"
reopened3() { [ "$(grep -c "state store: opened .*state.db again" "$WORK/daemon.log")" -ge 3 ]; }
wait_until 5 "the store opened again once status asked" reopened3
store_ok() { status_json | jq -e '.state_store.ok' >/dev/null; }
wait_until 10 "the store reported whole again" store_ok

# the directory removed whole: made again, written, locked; delta made once
rm -rf "${WORK:?}/state"
write_tenant delta
wait_until 60 "delta Ready" state_is delta Ready
wait_until 30 "the directory made again, the lock taken again" test -e "$WORK/state/lock"
[ "$(stat -c %a "$WORK/state")" = 750 ] || fail "the state directory made again with mode $(stat -c %a "$WORK/state")"
[ "$(cat "$WORK/state/lock" 2>/dev/null)" = "$DAEMON_PID" ] || fail "the directory made again holds: $(ls "$WORK/state")"
[ "$(awsim_profiles_of delta)" = 1 ] || fail "delta has $(awsim_profiles_of delta) profiles"
sleep 1 # the turn's commit
rows=$(python3 -c 'import sqlite3, sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT tenant FROM tenants ORDER BY tenant")))' "$WORK/state/state.db")
[ "$rows" = "alpha beta delta gamma" ] || fail "the directory made again holds: '$rows'"
stop_daemon
echo "ok: the store made again from memory, the lock taken again; gamma once; nothing made after a restart; the directory made again"
