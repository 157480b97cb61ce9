#!/usr/bin/env bash
# Hostile and unlucky reloads, at 200 tenants over a pool of two accounts in two
# Regions: a storm of SIGHUPs (100 in about a second) while the daemon converges; then
# a storm on a configuration file with errors: the daemon keeps running on its last
# good configuration, status shows the file's errors (config_errors, and `ctl status`
# exits 1: a restart with that file would fail) until a reload succeeds, and the log
# gives each error once, not once per SIGHUP (it used to give every error again on each
# one: 100 SIGHUPs, 400 lines); other errors are logged as they come. SIGTERM during
# the first sync and during a resync ends the daemon cleanly, and a restart creates
# nothing again.
. "$(dirname "$0")/lib.sh"
N=200
start_awsim
write_config
add_pool_accounts 2 "us-east-1, us-west-2"
sed -i 's/requests_per_second: 400, burst: 400/requests_per_second: 2000, burst: 2000/' "$WORK/config.yaml"
for i in $(seq -w 1 "$N"); do
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%s\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$i" >"$WORK/tenants/t$i.yaml"
done
cp "$WORK/config.yaml" "$WORK/config.good"
storm() { # storm: 100 SIGHUPs about 10 ms apart; the daemon survives them
	for _ in $(seq 100); do
		kill -HUP "$DAEMON_PID"
		sleep 0.01
	done
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died in a SIGHUP storm"
}
count() { grep -c -- "$1" "$WORK/daemon.log" || true; }

# 0. SIGTERM at three moments of the first sync: a clean exit each time (the sanitizer
# build reports any memory error or leak as a failure)
for delay in 0.3 1 2; do
	start_daemon
	sleep "$delay"
	stop_daemon
done

# 1. a storm while converging, on a good file
start_daemon
storm
wait_until 80 "Ready after a storm of reloads while converging" all_ready
ctl status >/dev/null || fail "ctl status exits $? once converged"

# 2. a storm on a file with three errors
printf 'resync_interval: banana\npolicy: {x: 1}\nbogus_key: 1\n' >>"$WORK/config.yaml"
storm
refused() { [ "$(count "has errors, not reloading")" -ge 50 ]; }
wait_until 20 "the storm's reloads handled" refused
errors=$(status_json | jq -c .config_errors)
[ "$(echo "$errors" | jq 'length')" = 3 ] && echo "$errors" | jq -e 'any(test("duplicate key .resync_interval."))' >/dev/null ||
	fail "status does not show the configuration file's errors: $errors"
rc=0
ctl status >"$WORK/ctl.out" || rc=$?
[ $rc = 1 ] || fail "ctl status exits $rc while the configuration file has errors"
grep -q "^config .*duplicate key 'resync_interval'" "$WORK/ctl.out" || fail "ctl status does not show the errors: $(cat "$WORK/ctl.out")"
[ "$(count "duplicate key 'resync_interval'")" = 1 ] ||
	fail "an error of the file was logged $(count "duplicate key 'resync_interval'") times in a storm of reloads"
status_json | jq -e '.ready and .mode == "enforce" and .tenants.total == '$N >/dev/null || fail "the refused reloads changed the running daemon"

# other errors are logged at once, and shown instead
cp "$WORK/config.good" "$WORK/config.yaml"
echo "mode: sideways" >>"$WORK/config.yaml"
kill -HUP "$DAEMON_PID"
wait_until 20 "the new error logged" grep -q "mode.*sideways" "$WORK/daemon.log"
wait_eq 20 "status shows the new error alone" 1 sh -c "'$CTL_BIN' --socket '$WORK/control.sock' --json status | jq '.config_errors | length'"

# a good file again: nothing is shown any more
cp "$WORK/config.good" "$WORK/config.yaml"
kill -HUP "$DAEMON_PID"
wait_eq 20 "no configuration errors after a good reload" '[]' sh -c "'$CTL_BIN' --socket '$WORK/control.sock' --json status | jq -c .config_errors"
wait_until 60 "Ready after the good reload" all_ready
ctl status >/dev/null || fail "ctl status exits $? after a good reload"

# 3. SIGTERM during a resync, then a restart: nothing is created again
ctl resync >/dev/null
sleep 0.3
stop_daemon
one_profile_each $N
creates=$(calls bedrock:CreateInferenceProfile)
start_daemon
wait_until 80 "Ready after the restart" all_ready
[ "$(calls bedrock:CreateInferenceProfile)" = "$creates" ] || fail "profiles were created again after a stop during a resync"
stop_daemon
echo PASS
