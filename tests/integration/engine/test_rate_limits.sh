#!/usr/bin/env bash
# Each rate_limits key changes what the daemon sends, counted in awsim: a burst lets
# that many calls go at once, requests_per_second paces the rest, an operation's limit
# (rate_limits.bedrock.operations) paces that operation alone. The bounds below are
# what a token bucket allows (burst + rate x elapsed), so the test waits for counts and
# never needs a fast machine.
. "$(dirname "$0")/lib.sh"
N=30

# bedrock_calls: every Bedrock call awsim has seen (listings, creates, read-backs).
bedrock_calls() {
	awsim_get calls | jq '[to_entries[] | select(.key | startswith("bedrock:")) |
		.value.ok + .value.throttled + .value.failed + .value.dropped] | add // 0'
}
creates() { awsim_get calls | jq '.["bedrock:CreateInferenceProfile"].ok // 0'; }

# run_phase BEDROCK_LIMIT: a fresh awsim and state, N tenants, the daemon with the given
# limits for bedrock (the other services as lib.sh sets them). T0 is taken before the
# daemon starts, so no bucket is older than now - T0.
run_phase() {
	[ -z "$DAEMON_PID" ] || { kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=; }
	[ -z "$AWSIM_PID" ] || { kill -9 "$AWSIM_PID"; wait "$AWSIM_PID" 2>/dev/null || true; AWSIM_PID=; }
	rm -rf "$WORK/state" "$WORK/control.sock"
	start_awsim
	write_config
	sed -i "s|^  bedrock: .*|  bedrock: $1|" "$WORK/config.yaml"
	grep -q "^  bedrock: $1\$" "$WORK/config.yaml" || fail "could not set the bedrock limits"
	T0=$EPOCHREALTIME
	start_daemon
}

elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
# at_most BURST RATE COUNT: COUNT <= BURST + RATE x elapsed since T0.
at_most() { awk -v b="$1" -v r="$2" -v n="$3" -v t="$(elapsed)" 'BEGIN { exit !(n <= b + r * t) }'; }

for i in $(seq -w 1 $N); do
	write_tenant "t$i"
done

# 1. burst: 15 at 0.5/s. The first 15 Bedrock calls go at once; with the burst ignored
#    (the built-in 10), the 15th would come 10 s after the 10th.
run_phase "{requests_per_second: 0.5, burst: 15}"
deadline=$(($(date +%s) + 60))
until [ "$(creates)" -ge 1 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "no CreateInferenceProfile after 60 s"
	sleep 0.05
done
t_first=$EPOCHREALTIME
until [ "$(bedrock_calls)" -ge 15 ]; do
	waited=$(awk -v a="$t_first" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	awk -v w="$waited" 'BEGIN { exit !(w < 4) }' ||
		fail "burst 15: only $(bedrock_calls) Bedrock calls ${waited} s after the first create"
	sleep 0.05
done
# and the rate holds the rest back
for _ in $(seq 30); do
	n=$(bedrock_calls)
	at_most 15 0.5 "$n" || fail "burst 15 at 0.5/s: $n Bedrock calls $(elapsed) s after the start"
	sleep 0.1
done
echo "burst 15 at 0.5/s: $(bedrock_calls) Bedrock calls $(elapsed) s after the start"

# 2. requests_per_second: 20 with a burst of 1. Every create and read-back (2 x N, plus
#    the listing) goes within a few seconds, never faster than the rate allows.
run_phase "{requests_per_second: 20, burst: 1}"
want=$((2 * N + 1))
deadline=$(($(date +%s) + 60))
while :; do
	n=$(bedrock_calls)
	at_most 1 20 "$n" || fail "20/s with burst 1: $n Bedrock calls $(elapsed) s after the start"
	[ "$n" -lt "$want" ] || break
	[ "$(date +%s)" -lt "$deadline" ] || fail "20/s: only $n of $want Bedrock calls after 60 s"
	sleep 0.05
done
echo "20/s, burst 1: $n Bedrock calls $(elapsed) s after the start"
wait_until 60 "every tenant Ready" all_ready

# 3. an operation's own limit: CreateInferenceProfile at 2/s with a burst of 3, the
#    service at 100/s. The creates keep to their bucket; the other Bedrock calls
#    (the read-back of each create) are not held to its rate. While creates wait, the
#    status shows the operation's limiter with its own ceiling.
run_phase "{requests_per_second: 100, burst: 100, operations: {CreateInferenceProfile: {requests_per_second: 2, burst: 3}}}"
reads() { awsim_get calls | jq '.["bedrock:GetInferenceProfile"].ok // 0'; }
all_read() { [ "$(reads)" -ge "$N" ]; }
shown=
deadline=$(($(date +%s) + 90))
while :; do
	n=$(creates)
	at_most 3 2 "$n" || fail "CreateInferenceProfile at 2/s, burst 3: $n creates $(elapsed) s after the start"
	[ "$n" -lt "$N" ] || break
	[ "$(date +%s)" -lt "$deadline" ] || fail "2/s: only $n of $N creates after 90 s"
	# (the status exits 1 until the first full sync is done)
	[ -n "$shown" ] || ! { ctl --json status 2>/dev/null || true; } | jq -e '[.aws.rate_limiters[] |
		select(.operation == "CreateInferenceProfile" and .service == "bedrock" and .max_rate == 2)] |
		length > 0' >/dev/null || shown=1
	sleep 0.05
done
echo "CreateInferenceProfile 2/s, burst 3: $n creates $(elapsed) s after the start"
[ -n "$shown" ] || fail "the status never showed the CreateInferenceProfile limiter while creates waited"
wait_until 30 "every create read back" all_read
wait_until 60 "every tenant Ready" all_ready
stop_daemon
echo PASS
