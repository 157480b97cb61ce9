#!/usr/bin/env bash
# lib.sh's own promise: a failing test ends at its failure and leaves nothing running.
# A test that fails with awsim, the daemon and a sampler loop of its own running, and
# with a failing exit step, ends at once: every process it started is gone (none keeps
# ctest's output pipe open), its other exit steps ran, its scratch directory is gone.
# A daemon that ignores SIGTERM fails stop_daemon at its deadline instead of hanging
# the test until ctest's timeout.
. "$(dirname "$0")/lib.sh"
LIB=$(cd "$(dirname "$0")" && pwd)/lib.sh
OUT=$WORK/out
mkdir -p "$OUT"
# every process a child test starts inherits the mark: what survives it is found by it
MARK=btd-lib-cleanup-$$-$RANDOM
survivors() { grep -lszx "BTD_TEST_MARK=$MARK" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/\([0-9]*\)/.*|\1|' || true; }
survivors_kill() { for pid in $(survivors); do kill -9 "$pid" 2>/dev/null; done; }
at_exit survivors_kill

# run_child NAME: runs $WORK/NAME.sh as ctest does (its output on a pipe) and sets
# CHILD_RC, PIPE_RC (124: something held the pipe 30 s after the child ended).
run_child() {
	set +e
	BTD_TEST_MARK=$MARK timeout 90 bash "$WORK/$1.sh" 2>&1 | timeout 30 cat >"$OUT/$1.log"
	CHILD_RC=${PIPESTATUS[0]} PIPE_RC=${PIPESTATUS[1]}
	set -e
}
check_nothing_left() {
	local left
	left=$(survivors)
	[ -z "$left" ] || fail "$1 left processes behind: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
	[ "$PIPE_RC" = 0 ] || fail "$1: its output pipe stayed open after it ended (as a ctest run would wait)"
}

# 1. a failure with everything running, and a failing exit step
cat >"$WORK/failing.sh" <<CHILD
. "$LIB"
echo "\$WORK" >"$OUT/failing.work"
at_exit 'touch "$OUT/failing.step"'
at_exit 'false'
start_awsim
write_config
write_tenant acme
start_daemon
(while :; do sleep 0.2; done) &
environ_ok=\$(tr '\0' '\n' <"/proc/\$DAEMON_PID/environ" | grep -c "^BTD_TEST_MARK=")
[ "\$environ_ok" = 1 ] || echo "the mark is not inherited"
fail "on purpose"
CHILD
t0=$(date +%s)
run_child failing
[ "$CHILD_RC" = 1 ] || fail "the failing test exited $CHILD_RC: $(cat "$OUT/failing.log")"
grep -q "^FAIL: on purpose$" "$OUT/failing.log" || fail "no failure message: $(cat "$OUT/failing.log")"
! grep -q "the mark is not inherited" "$OUT/failing.log" || fail "the check cannot see the child's processes"
check_nothing_left "a failing test"
[ -e "$OUT/failing.step" ] || fail "an exit step did not run after another one failed"
[ ! -e "$(cat "$OUT/failing.work")" ] || fail "the failing test's scratch directory is left: $(cat "$OUT/failing.work")"
[ $(($(date +%s) - t0)) -le 40 ] || fail "the failing test took $(($(date +%s) - t0)) s to end"

# 2. a daemon deaf to SIGTERM: stop_daemon fails at its deadline
cat >"$WORK/deaf.sh" <<CHILD
. "$LIB"
bash -c 'trap "" TERM; while :; do sleep 0.2; done' &
DAEMON_PID=\$!
sleep 0.5
stop_daemon 2
echo "stop_daemon returned"
CHILD
t0=$(date +%s)
run_child deaf
[ "$CHILD_RC" = 1 ] || fail "stop_daemon of a daemon deaf to SIGTERM: exit $CHILD_RC: $(cat "$OUT/deaf.log")"
grep -q "timed out after 2s waiting for: the daemon to exit after SIGTERM" "$OUT/deaf.log" ||
	fail "no deadline message: $(cat "$OUT/deaf.log")"
check_nothing_left "a test whose daemon ignores SIGTERM"
[ $(($(date +%s) - t0)) -le 40 ] || fail "stop_daemon took $(($(date +%s) - t0)) s to give up"
echo PASS
