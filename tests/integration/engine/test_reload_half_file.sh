#!/usr/bin/env bash
# A SIGHUP while the configuration file is being written (a tool writing it in place,
# a reload triggered by the file's first write): the part written so far can be a
# whole YAML document, every key after it missing. It used to be taken as it was:
# here the file's last line, `mode: report`, not written yet, the daemon went to the
# default mode, enforce, and created what the running `mode: report` only reported,
# the complete file being read at no later time. A file modified less than
# watch.settle ago is now read once it has been left alone that long: the reload
# takes the whole file, the mode stays report and nothing is created. A file that
# never settles is read after 10 s all the same. A file left alone reloads at once, as
# before.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config "mode: report"
for t in alpha beta; do write_tenant "$t"; done
start_daemon
drifted() { status_json | jq -e '.ready and .mode == "report" and .tenants.by_state.Drifted == 2' >/dev/null; }
wait_until 60 "both tenants Drifted in mode report" drifted
cp "$WORK/config.yaml" "$WORK/config.good"
n_reloads() { grep -c "configuration reloaded from" "$WORK/daemon.log" || true; }

# the file written in two steps, 50 ms apart, the SIGHUP between them
for round in 1 2 3; do
	before=$(n_reloads)
	head -n -1 "$WORK/config.good" >"$WORK/config.yaml" # every line but `mode: report`
	kill -HUP "$DAEMON_PID"
	sleep 0.05
	tail -n 1 "$WORK/config.good" >>"$WORK/config.yaml"
	reloaded() { [ "$(n_reloads)" -gt "$before" ]; }
	wait_until 20 "round $round: the reload" reloaded
	sleep 1 # a reconcile's worth of time for anything wrongly enforced to go out
	tail -n 1 "$WORK/daemon.log" | grep -q "mode enforce" && fail "round $round: half a file reloaded: mode enforce"
	status_json | jq -e '.mode == "report"' >/dev/null || fail "round $round: mode $(status_json | jq -r .mode)"
	[ "$(calls bedrock:CreateInferenceProfile)" = 0 ] || fail "round $round: profiles created in mode report"
	grep -q "configuration reloaded from .*: mode report" "$WORK/daemon.log" ||
		fail "round $round: no reload in mode report: $(grep "reloaded" "$WORK/daemon.log" | tail -2)"
done

# a file that never settles (touched every 10 ms, watch.settle 100 ms) is read all the same once the reload
# has waited its longest (RELOAD_SETTLE_MAX_MS, 10 s)
before=$(n_reloads)
timeout 40 sh -c "while :; do touch '$WORK/config.yaml'; sleep 0.01; done" &
toucher=$!
sleep 0.3 # the touching under way
kill -HUP "$DAEMON_PID"
wait_until 30 "the reload of a file that never settles" reloaded
kill "$toucher" 2>/dev/null
wait "$toucher" 2>/dev/null || true
status_json | jq -e '.mode == "report"' >/dev/null || fail "after the unsettled file: mode $(status_json | jq -r .mode)"

# a file left alone reloads at once; mode enforce then applies
sed 's/^mode: report$/mode: enforce/' "$WORK/config.good" >"$WORK/config.yaml"
touch -d '-5 seconds' "$WORK/config.yaml"
before=$(n_reloads)
kill -HUP "$DAEMON_PID"
sleep 0.05
[ "$(n_reloads)" -gt "$before" ] || fail "a file left alone was not reloaded at once"
wait_until 60 "both tenants Ready in mode enforce" all_ready
stop_daemon
echo PASS
