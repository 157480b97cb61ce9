#!/usr/bin/env bash
# Another process holds usage.db's write lock: an object cannot be recorded, and the
# place shows the usage store's problem until a commit succeeds. The logging checks
# that pass meanwhile (each poll) do not declare it solved; once the lock is gone the
# object is counted and the problem solved.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

store_problem() { ctl --json status | jq -e '.usage[0].problem // "" | startswith("the usage store cannot record")' >/dev/null; }
logging_checks() { calls bedrock:GetModelInvocationLoggingConfiguration; }
checks_past() { [ "$(logging_checks)" -ge "$1" ]; }

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests
# the lock is held until $WORK/unlock exists
python3 -c "
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('BEGIN IMMEDIATE')
open(sys.argv[2], 'w').close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
db.execute('ROLLBACK')" "$WORK/state/usage.db" "$WORK/locked" "$WORK/unlock" &
LOCKER=$!
at_exit "touch $WORK/unlock"
wait_until 30 "usage.db locked" test -e "$WORK/locked"
printf '{"timestamp":"%s","modelId":"%s","input":{"inputTokenCount":1}}\n' "$(date -u +%FT%TZ)" "$ARN" | gzip >"$WORK/rec.gz"
s3_call -X PUT --data-binary @"$WORK/rec.gz" "/usage-logs/$(last_log_key)1" >/dev/null || fail "PutObject"

wait_until 60 "the usage store's problem shown" store_problem
n=$(logging_checks)
wait_until 60 "two more logging checks" checks_past $((n + 2))
! grep -q "solved: the usage store cannot record" "$WORK/daemon.log" ||
	fail "the usage store's problem was declared solved while usage.db was locked"
store_problem || fail "the usage store's problem is not shown while usage.db is locked"
[ "$(acme_requests)" = 1 ] || fail "counted while usage.db was locked"

touch "$WORK/unlock"
wait "$LOCKER"
wait_eq 60 "counted once usage.db is unlocked" 2 acme_requests
wait_until 30 "the problem solved" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -e '.usage[0].problem == null'"
grep -q "usage default/us-east-1: solved: the usage store cannot record" "$WORK/daemon.log" ||
	fail "no notice that the usage store's problem is solved"
stop_daemon
echo PASS
