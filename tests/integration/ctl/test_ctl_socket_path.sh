#!/usr/bin/env bash
# bedrock-tenantctl pointed at a path where no daemon answers says what is there: a
# path longer than a socket address holds (libcurl said "Couldn't resolve host name"),
# a regular file and a directory (both were "Connection refused", as for a socket
# nobody listens on), a socket nobody listens on, and nothing at all. Exit status 3
# (cannot reach the daemon) every time.
set -euo pipefail
: "${BTD_BUILD:?the build directory}"
CTL=$BTD_BUILD/daemon/ctl/bedrock-tenantctl
WORK=$(mktemp -d /tmp/btd-ctl-path-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# says PATH EXPECTED: `status` at PATH exits 3 and says EXPECTED.
says() {
	local rc=0 out
	out=$("$CTL" --socket "$1" --request-timeout 2 status 2>&1) || rc=$?
	[ $rc -eq 3 ] || fail "at $1: exit $rc, want 3: $out"
	case "$out" in
	*"$2"*) echo "ok: $out" ;;
	*) fail "at $1: '$out' does not say '$2'" ;;
	esac
}

long=$WORK/$(printf 'a%.0s' $(seq 120))
says "$long" "the path is $((${#long})) bytes long; a UNIX socket path holds at most 107"
: >"$WORK/file.sock"
says "$WORK/file.sock" "it is a regular file, not a socket"
mkdir "$WORK/dir.sock"
says "$WORK/dir.sock" "it is a directory, not a socket"
python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$WORK/dead.sock"
says "$WORK/dead.sock" "nothing listens on the socket"
says "$WORK/none.sock" "No such file or directory"
echo PASS
