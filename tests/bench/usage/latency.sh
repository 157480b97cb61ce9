#!/usr/bin/env bash
# latency.sh: from an invocation to its tokens in `bedrock-tenantctl usage`. awsim
# delivers invocation logs DELAY seconds after a batch's first record
# (--invocation-log-delay, as AWS delivers in batches); the daemon polls every POLL
# (usage.poll_interval, 30s by default). Each sample makes one Converse call through a
# tenant's profile at a random moment of the poll cycle and times how long until the
# daemon counts it. Prints each latency, the largest, and the largest minus DELAY,
# which the target (docs/PERFORMANCE.md, "usage") wants within 60 s.
#
# usage: BTD_BUILD=build-asan tests/bench/usage/latency.sh [DELAY [SAMPLES [POLL]]]
set -euo pipefail
DELAY=${1:-60}
SAMPLES=${2:-3}
POLL=${3:-30s}
. "$(cd "$(dirname "$0")" && pwd)/../../integration/engine/lib.sh"
SIGN=$BTD_BUILD/tests/integration/engine/sign_headers
MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay "$((DELAY * 1000))" # milliseconds
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
	-X PUT "http://127.0.0.1:$PORT/usage-logs" >/dev/null || fail "CreateBucket"
write_config "usage:
  places:
    - region: us-east-1
      bucket: usage-logs
  invocation_logging: manage
  poll_interval: $POLL
  path_style: true
  cost_explorer: {mode: off}"
write_tenant acme "$MODEL"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_until 60 "acme Ready" all_ready
ARN=$(ctl resolve acme p1 | tail -n1)
enc=$(jq -rn --arg s "$ARN" '$s|@uri')
body='{"messages":[{"role":"user","content":[{"text":"0123456789abcdef"}]}]}'
requests() { ctl --json usage acme --since 1d 2>/dev/null | jq -r '.total.requests // 0'; }

worst=0
for i in $(seq "$SAMPLES"); do
	sleep "$((RANDOM % ${POLL%s})).$((RANDOM % 10))" # anywhere in the poll cycle
	before=$(requests)
	case "$before" in '' | *[!0-9]*) fail "usage did not answer: '$before'" ;; esac
	"$SIGN" bedrock POST "http://127.0.0.1:$PORT/model/$enc/converse" "$body" >"$WORK/hdr"
	t0=$(date +%s.%N)
	curl -sf -H @"$WORK/hdr" --data "$body" "http://127.0.0.1:$PORT/model/$enc/converse" >/dev/null ||
		fail "Converse"
	# exactly one more (a failed query, empty, is not an answer)
	while [ "$(requests)" != "$((before + 1))" ]; do sleep 0.2; done
	lat=$(echo "$(date +%s.%N) - $t0" | bc)
	echo "sample $i: ${lat} s"
	worst=$(echo "if ($lat > $worst) $lat else $worst" | bc)
done
echo "delay=${DELAY}s poll=$POLL samples=$SAMPLES worst=${worst}s worst_minus_delay=$(echo "$worst - $DELAY" | bc)s"
stop_daemon
