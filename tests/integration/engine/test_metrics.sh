#!/usr/bin/env bash
# GET /metrics on the TCP listener (metrics.listen): the document passes
# `promtool check metrics`, holds every family docs/metrics.md promises (build,
# process, reconcile and AWS latency histograms, AWS errors by code, drift repairs,
# manifest problems, paused, mode, credential expiry), equals the control socket's
# families, serves nothing but /metrics, and every expression of the Grafana dashboard
# names only families it exports. Idle and slow connections are bounded. A listen
# address another process holds stops the daemon with a message naming it; a reload
# keeps the listener where it is.
. "$(dirname "$0")/lib.sh"
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
[ -n "$PROMTOOL" ] || fail "promtool is not installed (Debian: apt-get install prometheus; .ci/setup does)"
DASHBOARD=$(dirname "$0")/../../../docs/grafana/bedrock-tenantd.json
cat >"$WORK/faults.json" <<'JSON'
{"seed": 5, "rules": [{"service": "ssm", "throttle_percent": 100, "times": 2}]}
JSON
start_awsim --faults "$WORK/faults.json"
write_config 'metrics:
  listen: "127.0.0.1:0"'
# an account whose credentials come from AssumeRole, so they expire
sed -i 's|^    id: "111122223333"$|&\n  lab:\n    id: "111122223333"\n    role_arn: arn:aws:iam::111122223333:role/bedrock-tenantd|' \
	"$WORK/config.yaml"
write_tenant acme "" eng 1
write_tenant beta "" eng 1
sed -i 's/^spec:$/spec:\n  account: lab/' "$WORK/tenants/beta.yaml"
echo 'not: [valid' >"$WORK/tenants/broken.yaml"
start_daemon
wait_until 60 "the metrics listener" grep -q "metrics on http://127.0.0.1:[0-9]*/metrics" "$WORK/daemon.log"
MPORT=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$WORK/daemon.log" | head -1)
[ "$MPORT" -gt 0 ] || fail "no port in the log line"
scrape() { curl -sf "http://127.0.0.1:$MPORT/metrics"; }
wait_until 90 "Ready" all_ready

# drift: a tag edited by hand is set back and counted
arn=$(ctl resolve acme p1)
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn"'","tags":[{"key":"CostCenter","value":"hacked"}]}' >/dev/null
ctl resync >/dev/null
wait_until 30 "the drift repair counted" sh -c "[ \"\$(curl -sf http://127.0.0.1:$MPORT/metrics | awk '\$1 == \"bedrock_tenantd_drift_repairs_total\" {print \$2}')\" -ge 1 ]"
ctl pause >/dev/null

scrape >"$WORK/metrics.txt"
curl -sf -D "$WORK/headers.txt" -o /dev/null "http://127.0.0.1:$MPORT/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/headers.txt" || fail "content type: $(cat "$WORK/headers.txt")"
if ! "$PROMTOOL" check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1; then
	cat "$WORK/promtool.out"
	fail "promtool check metrics found problems"
fi
[ ! -s "$WORK/promtool.out" ] || fail "promtool check metrics: $(cat "$WORK/promtool.out")"

has() { grep -Eq "$1" "$WORK/metrics.txt" || fail "no line matching '$1' in /metrics"; }
has '^bedrock_tenantd_build_info\{version="[^"]+",.*\} 1$'
for f in process_resident_memory_bytes process_cpu_seconds_total process_open_fds process_max_fds \
	process_start_time_seconds; do
	has "^$f [0-9.e+]+$"
done
[ "$(awk '$1 == "process_resident_memory_bytes" {print ($2 > 0)}' "$WORK/metrics.txt")" = 1 ] || fail "no resident memory"
start=$(awk '$1 == "process_start_time_seconds" {print int($2)}' "$WORK/metrics.txt")
[ $((start - $(date +%s))) -le 5 ] && [ $(($(date +%s) - start)) -le 600 ] || fail "start time $start is not now"
has '^bedrock_tenantd_reconcile_duration_seconds_bucket\{le="\+Inf"\} [1-9]'
has '^bedrock_tenantd_reconcile_duration_seconds_count [1-9]'
has '^bedrock_tenantd_aws_request_duration_seconds_bucket\{service="bedrock",operation="CreateInferenceProfile",le="\+Inf"\} [1-9]'
has '^bedrock_tenantd_aws_request_duration_seconds_count\{service="ssm",operation="[A-Za-z]+"\} [1-9]'
has '^bedrock_tenantd_aws_errors_total\{service="ssm",code="ThrottlingException"\} [1-9]'
has '^bedrock_tenantd_drift_repairs_total [1-9]'
has '^bedrock_tenantd_manifest_problems 1$'
has '^bedrock_tenantd_paused 1$'
has '^bedrock_tenantd_mode\{mode="enforce"\} 1$'
has '^bedrock_tenantd_mode\{mode="report"\} 0$'
# the notifications' families are there without notifications configured, at zero
has '^bedrock_tenantd_notification_events_total\{event="drift_repaired"\} 0$'
has '^bedrock_tenantd_notification_events_coalesced_total\{event="tenant_stalled"\} 0$'
has '^bedrock_tenantd_notifications_sent_total\{destination="webhook",event="deletions_held"\} 0$'
has '^bedrock_tenantd_notifications_failed_total\{destination="sns",event="drift_repaired"\} 0$'
has '^bedrock_tenantd_notifications_dropped_total\{destination="sns",event="tenant_stalled"\} 0$'
has '^bedrock_tenantd_notifications_queued\{destination="webhook"\} 0$'
has '^# TYPE bedrock_tenantd_aws_credentials_expiry_seconds gauge$'
has '^bedrock_tenantd_aws_credentials_expiry_seconds\{account="lab"\} [0-9]+$'
exp=$(awk '$1 == "bedrock_tenantd_aws_credentials_expiry_seconds{account=\"lab\"}" {print $2}' "$WORK/metrics.txt")
[ "$exp" -gt "$(date +%s)" ] || fail "the assumed role's credentials expire in the past: $exp"
# no label names a tenant: the label sets do not grow with the tenants
! grep -E 'acme|beta' "$WORK/metrics.txt" || fail "a tenant's name is in a label"

# the same families as the control socket's /metrics (one renderer)
families() { grep '^# TYPE ' | awk '{print $3}' | sort; }
diff <(families <"$WORK/metrics.txt") \
	<(curl -sf --unix-socket "$WORK/control.sock" http://localhost/metrics | families) ||
	fail "the control socket's /metrics has other families"

# nothing but /metrics
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$MPORT/v1/status")" = 404 ] || fail "another path is served"
[ "$(code "http://127.0.0.1:$MPORT/")" = 404 ] || fail "/ is served"
[ "$(code -X POST "http://127.0.0.1:$MPORT/metrics")" = 405 ] || fail "POST /metrics is not 405"
[ "$(code -I "http://127.0.0.1:$MPORT/metrics")" = 200 ] || fail "HEAD /metrics is not 200"

# bounded like the control socket: idle connections beyond the limit do not lock a
# scraper out, and a request that does not arrive in time is answered 408
fds=()
for _ in $(seq 24); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$MPORT"
	fds+=("$fd")
done
[ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")" = 200 ] ||
	fail "24 idle connections lock the scraper out"
closed=0
for fd in "${fds[@]}"; do
	rc=0
	read -r -t 0.3 -u "$fd" _ || rc=$?
	[ $rc != 1 ] || closed=$((closed + 1)) # 1: end of file; above 128: nothing came
done
[ "$closed" -ge 8 ] || fail "only $closed of 24 idle connections were closed for newer ones (the limit is 16)"
for fd in "${fds[@]}"; do exec {fd}>&-; done
exec {slow}<>"/dev/tcp/127.0.0.1/$MPORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&"$slow"
answer=$(timeout 30 head -c 12 <&"$slow" || true)
exec {slow}>&-
[ "$answer" = "HTTP/1.1 408" ] || fail "a request head that never ends got '$answer', not 408"

# the dashboard: every expression names only families the daemon exports
families <"$WORK/metrics.txt" >"$WORK/families.txt"
jq -r '.. | objects | select(has("expr")) | .expr' "$DASHBOARD" >"$WORK/exprs.txt"
[ "$(wc -l <"$WORK/exprs.txt")" -ge 10 ] || fail "the dashboard has fewer expressions than expected"
while IFS= read -r expr; do
	names=$(grep -oE '\b(bedrock_tenantd|process)_[a-z_]+' <<<"$expr" | sort -u)
	[ -n "$names" ] || fail "a dashboard expression names no metric: $expr"
	for n in $names; do
		fam=$(sed -E 's/_(bucket|sum|count)$//' <<<"$n")
		grep -qx "$n" "$WORK/families.txt" || grep -qx "$fam" "$WORK/families.txt" ||
			fail "the dashboard names $n, which the daemon does not export: $expr"
	done
done <"$WORK/exprs.txt"

# a listen address in use: a second daemon says so and does not start
sed -e "s|$WORK/control.sock|$WORK/control2.sock|" -e "s|state_dir: .*|state_dir: $WORK/state2|" \
	-e "s|listen: \"127.0.0.1:0\"|listen: \"127.0.0.1:$MPORT\"|" "$WORK/config.yaml" >"$WORK/config2.yaml"
rc=0
timeout 60 "$DAEMON" --config "$WORK/config2.yaml" --log-stderr 2>"$WORK/daemon2.log" || rc=$?
[ $rc = 1 ] || fail "the second daemon exited with $rc, not 1"
grep -q "metrics.listen 127.0.0.1:$MPORT: the address is in use" "$WORK/daemon2.log" ||
	fail "no clear message: $(cat "$WORK/daemon2.log")"

# a reload does not move the listener: the key waits for a restart
sed -i 's|listen: "127.0.0.1:0"|listen: "127.0.0.1:1"|' "$WORK/config.yaml"
kill -HUP "$DAEMON_PID"
wait_until 30 "metrics in restart_required" sh -c "'$CTL_BIN' --socket '$WORK/control.sock' --json status | jq -e '.restart_required | index(\"metrics\")'"
scrape | grep '^bedrock_tenantd_restart_required 1$' >/dev/null || fail "the metric does not count the key waiting for a restart: $(scrape | grep restart_required; status_json | jq -c .restart_required)"
ctl resume >/dev/null
stop_daemon
echo "ok"
