#!/usr/bin/env bash
# The daemon's systemd protocol: STATUS= progress, READY=1 only after the first full
# sync (every tenant reconciled), WATCHDOG=1 pings, RELOADING=1 on SIGHUP (a config with
# errors is kept out and READY=1 follows), STOPPING=1 and exit 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
start_awsim --faults <(echo '{"rules":[{"service":"bedrock","operation":"CreateInferenceProfile","latency_ms":300}]}')
write_config
for i in 1 2 3; do write_tenant "t$i" "" eng 1; done
"$BTD_BUILD/tests/integration/engine/notify_listen" "$WORK/notify.sock" 60 >"$WORK/notify.log" &
listener=$!
sleep 0.2
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=1000000 start_daemon
wait_until 60 "Ready" all_ready
ready_seen() { grep -q "^READY=1" "$WORK/notify.log"; }
wait_until 10 "READY=1" ready_seen
# READY only after every tenant was reconciled: the STATUS before it says 3/3 or less,
# and no READY precedes the first "3/3 tenants ready"
first_ready=$(grep -n "^READY=1" "$WORK/notify.log" | head -1 | cut -d: -f1)
grep -n "^STATUS=" "$WORK/notify.log" | head -1 | grep -q "first sync" || fail "no first-sync progress: $(cat "$WORK/notify.log")"
[ "$(grep -n "^STATUS=first sync" "$WORK/notify.log" | tail -1 | cut -d: -f1)" -lt "$first_ready" ] ||
	fail "READY=1 came before the first sync ended"
grep -qx "STATUS=3/3 tenants ready" "$WORK/notify.log" || fail "no steady STATUS line: $(grep STATUS "$WORK/notify.log")"
pinged() { [ "$(grep -c "^WATCHDOG=1" "$WORK/notify.log")" -ge 3 ]; }
wait_until 10 "watchdog pings" pinged

cp "$WORK/config.yaml" "$WORK/config.good"
echo "bogus_key: 1" >>"$WORK/config.yaml" # a reload with errors is refused
kill -HUP "$DAEMON_PID"
reloading() { grep -q "^RELOADING=1" "$WORK/notify.log"; }
wait_until 10 "RELOADING=1" reloading
kill -0 "$DAEMON_PID" || fail "a bad configuration stopped the daemon"
grep -q "has errors, not reloading" "$WORK/daemon.log" || fail "the refused reload is not logged"
ready_again() { [ "$(grep -c "^READY=1" "$WORK/notify.log")" -ge 2 ]; }
wait_until 10 "READY=1 after the refused reload" ready_again
mv "$WORK/config.good" "$WORK/config.yaml"

stop_daemon
grep -q "^STOPPING=1" "$WORK/notify.log" || fail "no STOPPING=1"
kill "$listener" 2>/dev/null || true
echo "--- notifications"
sort "$WORK/notify.log" | uniq -c | sort -rn | head
echo PASS
