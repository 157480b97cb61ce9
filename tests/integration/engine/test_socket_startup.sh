#!/usr/bin/env bash
# Start-up errors of the control socket name their real cause: a missing directory
# (libuv says "Permission denied"), a path longer than a socket address holds (it used
# to be shortened silently, then "No such file or directory"), a socket.group that does
# not exist ("No such file or directory") or that the daemon is not a member of. Run
# as an unprivileged user, the daemon starts on the example configuration (which named
# a group nothing creates) and is not dumpable (its /proc files belong to root).
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t1

# start_fails SOCKET_PATH GROUP EXPECTED [RUNNER...]: the daemon exits at start and its
# log says EXPECTED.
start_fails() {
	local path=$1 group=$2 expected=$3 rc=0
	shift 3
	sed -e "s|^  path: .*|  path: $path|" "$WORK/config.yaml" >"$WORK/bad.yaml"
	[ -z "$group" ] || sed -i "s|^  mode: .*|&\n  group: $group|" "$WORK/bad.yaml"
	: >"$WORK/bad.log"
	timeout 60 "$@" "$DAEMON" --config "$WORK/bad.yaml" --log-stderr 2>"$WORK/bad.log" || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "the daemon did not fail at start ($rc) for $path $group"
	grep -qF -- "$expected" "$WORK/bad.log" || fail "no '$expected' in: $(cat "$WORK/bad.log")"
	! grep -q "Permission denied\|No such file or directory" "$WORK/bad.log" ||
		fail "a misleading reason in: $(grep "control socket" "$WORK/bad.log")"
	grep "control socket" "$WORK/bad.log"
}

start_fails "$WORK/no/such/dir/control.sock" "" "control socket $WORK/no/such/dir/control.sock: directory $WORK/no/such/dir does not exist"
long=$WORK/$(printf 'd%.0s' $(seq 120))/control.sock
start_fails "$long" "" "the path is ${#long} bytes long; a UNIX socket path holds at most 107"
start_fails "$WORK/control.sock" btd-no-such-group "group 'btd-no-such-group' (socket.group) does not exist"
[ ! -e "$WORK/control.sock" ] || fail "a failed start left its socket behind"

# await_socket PATH: the daemon started as DAEMON_PID listens on PATH.
await_socket() {
	for _ in $(seq 300); do
		[ -S "$1" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start: $(grep error "$WORK/daemon.log")"
		sleep 0.1
	done
	fail "no control socket at $1"
}

# an unprivileged daemon: the example configuration starts as it is (paths aside), the
# daemon is not dumpable, a group of its own works and another is refused with the reason
chmod 755 "$WORK"
mkdir -m 1777 "$WORK/run"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
sed -e "s|^manifests: .*|manifests: $WORK/tenants|" -e "s|^state_dir: .*|state_dir: $WORK/run/state|" \
	-e "s|^  path: .*control.sock|  path: $WORK/run/control.sock|" -e "s|^# endpoints:|endpoints:|" \
	-e "s|^#   default: .*|  default: http://127.0.0.1:$PORT|" \
	"$(dirname "$0")/../../../docs/examples/config.yaml" >"$WORK/example.yaml"
"${as_nobody[@]}" "$DAEMON" --config "$WORK/example.yaml" --log-stderr 2>>"$WORK/daemon.log" &
DAEMON_PID=$!
await_socket "$WORK/run/control.sock"
[ "$(awk '/^Uid:/ {print $2}' "/proc/$DAEMON_PID/status")" = 65534 ] || fail "the daemon does not run as nobody"
[ "$(stat -c %u "/proc/$DAEMON_PID/environ")" = 0 ] || fail "the daemon is dumpable (its /proc files belong to its user)"
"$BTD_BUILD/tests/integration/engine/sockstress" "$WORK/run/control.sock" probe 5000 ||
	fail "the daemon on the example configuration does not answer"
stop_daemon

sed -i -e "s|^state_dir: .*|state_dir: $WORK/run/state|" -e "s|^  path: .*|  path: $WORK/run/control.sock|" "$WORK/config.yaml"
start_fails "$WORK/run/control.sock" root "the daemon (uid 65534) is not a member of group 'root'" "${as_nobody[@]}"
sed -i "s|^  mode: .*|&\n  group: $(getent group 65534 | cut -d: -f1)|" "$WORK/config.yaml"
"${as_nobody[@]}" "$DAEMON" --config "$WORK/config.yaml" --log-stderr 2>>"$WORK/daemon.log" &
DAEMON_PID=$!
await_socket "$WORK/run/control.sock"
[ "$(stat -c %g "$WORK/run/control.sock")" = 65534 ] || fail "the socket is not in socket.group"
"$BTD_BUILD/tests/integration/engine/sockstress" "$WORK/run/control.sock" probe 5000 ||
	fail "the unprivileged daemon does not answer"
stop_daemon
echo PASS
