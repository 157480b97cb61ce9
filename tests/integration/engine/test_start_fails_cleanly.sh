#!/usr/bin/env bash
# A start that fails ends cleanly: exit status 1, the reason logged, nothing else. A
# state directory that is a file, one on a read-only file system, one another daemon
# holds, and no AWS credentials: each used to end the daemon, after its message, on
# a null pointer while it freed what it had not made yet (the audit trail: SIGSEGV,
# or a sanitizer report and status 1 in the sanitizer build).
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant t1

# start_fails NAME EXPECTED [COMMAND PREFIX...]: the daemon exits 1, says EXPECTED,
# and no sanitizer speaks.
start_fails() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout 30 "$@" "$DAEMON" --config "$WORK/config.yaml" --log-stderr >"$WORK/$name.log" 2>&1 || rc=$?
	[ $rc -eq 1 ] || fail "$name: the daemon exited with $rc, want 1: $(cat "$WORK/$name.log")"
	grep -qF "$want" "$WORK/$name.log" || fail "$name: the log does not say '$want': $(cat "$WORK/$name.log")"
	! grep -q "runtime error\|Sanitizer" "$WORK/$name.log" || fail "$name: $(cat "$WORK/$name.log")"
}

echo x >"$WORK/state"
start_fails state-file "cannot open its lock file $WORK/state/lock: Not a directory"
rm "$WORK/state"

start_fails no-credentials "no AWS credentials found" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$WORK/nohome" AWS_EC2_METADATA_DISABLED=true

mkdir -p "$WORK/state"
if mount -t tmpfs -o size=1m,ro tmpfs "$WORK/state" 2>/dev/null; then
	at_exit 'umount -l "$WORK/state" 2>/dev/null'
	start_fails read-only "Read-only file system"
	umount "$WORK/state"
else
	echo "cannot mount a tmpfs: the read-only state directory is not tried"
fi

start_daemon
sed -i "s#$WORK/control.sock#$WORK/second.sock#" "$WORK/config.yaml"
start_fails in-use "is in use by another bedrock-tenantd (pid $DAEMON_PID"
stop_daemon
echo PASS
