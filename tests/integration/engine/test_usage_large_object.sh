#!/usr/bin/env bash
# A large invocation log object never stops a place's usage. One of 9 MB (gzip'd; more
# than an AWS answer's default bound of 8 MiB) is read whole and counted, within
# usage.max_object_size (32 MiB by default). With the bound set below its size it is
# passed over unread, logged and counted as passed over, and the objects after it are
# read: before, such an object failed at every poll and nothing after it was counted.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_usage_acme
converse "$ARN"
wait_eq 60 "acme's first request counted" 1 acme_requests

# big KEY N: an object of N of acme's records (its first log line as a template), each
# with 400 KB of random text (30 of them: about 9 MB once gzip'd), written after the cursor
template=$(log_line)
[ -n "$template" ] || fail "no log line to copy"
big() {
	local i
	for ((i = 0; i < $2; i++)); do
		head -c 300000 /dev/urandom | base64 -w0 >"$WORK/pad"
		jq -c --rawfile pad "$WORK/pad" '. + {pad: $pad}' <<<"$template"
	done | gzip -1 >"$WORK/big.gz"
	[ "$(stat -c %s "$WORK/big.gz")" -gt $((8 << 20)) ] || fail "the object is not over 8 MiB: $(stat -c %s "$WORK/big.gz")"
	s3_call -X PUT --data-binary @"$WORK/big.gz" "/usage-logs/$1" >/dev/null || fail "PutObject $1"
}

# 1. within the bound: read and counted, and what follows it too
big "$(last_log_key)0" 30
converse "$ARN"
wait_eq 90 "the large object's 30 records and the next request counted" 32 acme_requests

# 2. over the bound (a restart takes usage settings): passed over, the next one read
stop_daemon
write_usage_config "max_object_size: 4MiB"
start_daemon
wait_until 60 "acme Ready" all_ready
big "$(last_log_key)0" 30
converse "$ARN"
wait_eq 90 "the request after the passed object counted" 33 acme_requests
grep -q "usage 111122223333/us-east-1 s3://usage-logs/.*bytes, over usage.max_object_size (4194304): passed over unread" \
	"$WORK/daemon.log" || fail "no warning for the object passed over"
passed() { ctl --json status | jq -r '[.usage[]?.passed_over] | add // "none"'; }
[ "$(passed)" = 1 ] || fail "status does not count the object passed over: $(ctl --json status | jq -c .usage)"

# a bound that is not a size is refused with its place
write_usage_config "max_object_size: 32"
rc=0
out=$("$DAEMON" validate --config "$WORK/config.yaml" 2>&1) || rc=$?
[ $rc -ne 0 ] && grep -q "config.yaml:.*max_object_size.*a size needs a unit" <<<"$out" ||
	fail "max_object_size: 32 was not refused with its place (exit $rc): $out"
stop_daemon
echo PASS
