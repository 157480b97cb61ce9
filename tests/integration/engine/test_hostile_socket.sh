#!/usr/bin/env bash
# Hostile clients of the control socket while the daemon converges 300 tenants over a
# pool of three accounts in two Regions, and during a resync: malformed, oversized and
# unknown requests, ids with ../, NUL and 5,000 bytes, 100 requests pipelined on one
# connection, clients that close mid-request and mid-answer (hostile_http.py battery),
# each answered as docs/control-api.md says. Then 1,500 connections opened at once that
# never send a byte: bedrock-tenantctl must still get its answer, waiting its turn (the
# listen backlog held 511 connections, so its connect() failed at once and ctl said
# "cannot reach the daemon"). The daemon never dies, and stops cleanly.
. "$(dirname "$0")/lib.sh"
HTTP="python3 $(dirname "$0")/hostile_http.py"
N=300
start_awsim
write_config
add_pool_accounts 3 "us-east-1, us-west-2"
for i in $(seq -w 1 "$N"); do
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%s\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$i" >"$WORK/tenants/t$i.yaml"
done
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died: $1"; }

start_daemon
# 1. while converging
$HTTP "$WORK/control.sock" battery >"$WORK/battery.out" || fail "while converging: $(grep FAIL "$WORK/battery.out")"
alive "under the battery while converging"

# 2. thousands of idle connections at once: a client waits its turn, never refused
somaxconn=$(cat /proc/sys/net/core/somaxconn)
if [ "$somaxconn" -ge 2048 ]; then
	$HTTP "$WORK/control.sock" hold 1500 40 >"$WORK/hold.out" &
	holder=$!
	wait_until 20 "1,500 connections opened" grep -q queued "$WORK/hold.out"
	echo "idle connections: $(cat "$WORK/hold.out")"
	start=$(date +%s)
	rc=0
	ctl status >"$WORK/ctl.out" 2>&1 || rc=$?
	[ $rc -le 1 ] || fail "ctl status exits $rc behind 1,500 idle connections: $(cat "$WORK/ctl.out")"
	echo "ctl status answered after $(($(date +%s) - start)) s behind them"
	kill "$holder" 2>/dev/null || true
	alive "under 1,500 idle connections"
else
	echo "net.core.somaxconn is $somaxconn: the idle-connections part needs 2048 or more, skipped"
fi

# 3. during a resync
wait_until 80 "Ready" all_ready
ctl resync >/dev/null
$HTTP "$WORK/control.sock" battery >"$WORK/battery.out" || fail "during a resync: $(grep FAIL "$WORK/battery.out")"
alive "under the battery during a resync"
wait_until 60 "Ready after the resync" all_ready
stop_daemon
echo PASS
