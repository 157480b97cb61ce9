#!/usr/bin/env bash
# Floods and slow clients on the control socket. 200 clients reconnecting as fast as
# they can against the 64-connection cap: the daemon's memory stays bounded (less
# than 100 MB of growth) and /v1/health answers within 1 s throughout. Then 64
# clients that send a request head one byte a second (each byte used to restart the
# idle timer, locking the socket out for as long as they kept at it): a fresh client
# is served within 1.5 s while they hold every slot (the slowest gives way), and the
# request deadline closes them all.
. "$(dirname "$0")/lib.sh"
STRESS=$BTD_BUILD/tests/integration/engine/sockstress
# the sanitizer build keeps freed memory in quarantine (256 MB by default): what is
# measured here is the daemon's own memory
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
start_awsim
write_config
for i in 1 2 3; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready

out=$("$STRESS" "$WORK/control.sock" flood 200 8 "$DAEMON_PID") || fail "health probes failed or were slow under the flood: $out"
echo "flood: $out"
read -r _ probes _ failed _ slow _ max_ms _ rss0 _ rss_max <<<"$out"
[ "$probes" -ge 20 ] || fail "too few health probes ran: $out"
[ $((rss_max - rss0)) -lt 102400 ] || fail "the daemon grew by $(((rss_max - rss0) / 1024)) MB under the flood"
kill -0 "$DAEMON_PID" || fail "the daemon died under the flood"

out=$("$STRESS" "$WORK/control.sock" trickle 64 1000 30) || fail "a fresh client got no answer while slow clients held the socket: $out"
echo "$out"
echo "$out" | grep -q "closed by the server: 64 of 64" || fail "slow clients were not all cut: $out"
waited=$(echo "$out" | sed -n 's/^fresh client: answered after \([0-9.]*\) s$/\1/p')
[ -n "$waited" ] && awk -v w="$waited" 'BEGIN { exit !(w < 1.5) }' ||
	fail "a fresh client waited ${waited:-forever} s for an answer while slow clients held the socket"
last=$(echo "$out" | sed -n 's/.*the last after \([0-9]*\)\..*/\1/p')
[ "$last" -lt 15 ] || fail "slow clients were cut only after ${last}s"
"$STRESS" "$WORK/control.sock" probe 2000 || fail "no answer after the slow clients"
ctl status >/dev/null || fail "ctl status fails after the floods"
stop_daemon
echo PASS
