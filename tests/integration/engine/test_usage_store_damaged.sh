#!/usr/bin/env bash
# A damaged usage store (usage.db not a database: a disk fault, a file written over)
# does not stop the daemon: usage is derived from the logs in S3, so the file is moved
# aside (usage.db.corrupt-<time>, for a post-mortem), a fresh store is made and the
# logs are read again from the start, as the state store does with state.db.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's request counted" 1 acme_requests
stop_daemon
head -c 8192 /dev/urandom >"$WORK/state/usage.db"
rm -f "$WORK/state/usage.db-wal" "$WORK/state/usage.db-shm"
start_daemon
wait_until 60 "acme Ready after the restart" all_ready
wait_eq 60 "acme's request counted again from the logs" 1 acme_requests
ls "$WORK/state"/usage.db.corrupt-* >/dev/null 2>&1 || fail "the damaged file was not kept: $(ls "$WORK/state")"
grep -q "usage: .*usage.db is damaged.*moved aside to .*usage.db.corrupt-" "$WORK/daemon.log" ||
	fail "the log does not say the store was moved aside"
converse "$ARN"
wait_eq 60 "a new request counted" 2 acme_requests
stop_daemon
echo PASS
