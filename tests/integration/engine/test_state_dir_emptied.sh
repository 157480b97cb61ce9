#!/usr/bin/env bash
# The state directory emptied by hand while the daemon runs (`rm -rf` of its files).
# SQLite keeps writing to files no longer there, which a restart would not find: the
# store reports failing, `status` says so, and a create waits (its intent could not
# be kept); the tenants made before stay Ready, nothing of theirs is touched. After a
# restart on the empty directory the daemon learns from AWS again: the waiting tenant
# is made, once, and no other profile is made twice.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for t in alpha beta; do write_tenant "$t"; done
start_daemon
wait_until 60 "Ready" all_ready
rm -rf "${WORK:?}/state/"*
write_tenant gamma
failing() { status_json | jq -e '.state_store.ok == false and (.state_store.error | test("No such file"))' >/dev/null; }
wait_until 30 "the state store reported failing" failing
sleep 2
[ "$(awsim_profiles_of gamma)" = 0 ] || fail "gamma was created without its intent kept"
for t in alpha beta; do state_is "$t" Ready || fail "$t is $(tenant_state "$t")"; done
[ "$(awsim_get state | jq "$PROFILES | length")" = 2 ] || fail "profiles changed while the store failed"

stop_daemon
start_daemon
wait_until 60 "every tenant Ready after the restart" all_ready
for t in alpha beta gamma; do
	[ "$(awsim_profiles_of "$t")" = 1 ] || fail "$t has $(awsim_profiles_of "$t") profiles"
done
stop_daemon
echo "ok: the store failing said so, the create waited; after a restart every tenant once"
