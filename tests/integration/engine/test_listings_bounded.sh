#!/usr/bin/env bash
# Listings in flight are bounded by max_in_flight (here 2), and the places of one account
# still share its reading: 36 tenants over 6 accounts x 2 Regions, each with a budget.
# A steady resync (its listings slowed by awsim) lists all 12 places with at most 3 in
# flight at any moment (the bound, and an account's second place starting with its
# first), the others shown waiting in /v1/places, and reads each account's
# IAM roles and budgets once (6 GetAccountAuthorizationDetails, 6 DescribeBudgets), not
# once per place. A Region whose listings fail is shown failing by status and places
# (exit 1) until a listing succeeds. Then resyncs asked for in a flood, a SIGHUP among them and a kill -9
# in the middle of one: after a restart every tenant is Ready with one profile, and no
# listing is left waiting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../bench/watch/steady_lib.sh"
ACCOUNTS=6
REGIONS=(us-east-1 us-west-2)
PER_PLACE=3
PLACES=$((ACCOUNTS * ${#REGIONS[@]}))
N=$((PLACES * PER_PLACE))
start_awsim
write_config "max_in_flight: 2"
add_role_accounts "$ACCOUNTS"
sed -i 's/^resync_interval: .*/resync_interval: 10m/' "$WORK/config.yaml"
account_of() { [ "$1" = 0 ] && echo prod || echo "a$1"; }
for i in $(seq 0 $((N - 1))); do
	{
		printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%d\nspec:\n' "$i"
		printf '  account: %s\n  region: %s\n' "$(account_of $((i % ACCOUNTS)))" "${REGIONS[$(((i / ACCOUNTS) % 2))]}"
		printf '  tags:\n    CostCenter: eng\n'
		printf '  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n'
		printf '  budget:\n    limit_usd: 100\n    period: monthly\n'
	} >"$WORK/tenants/t$i.yaml"
done
start_daemon
wait_until 120 "$N tenants Ready" all_ready
wait_until 120 "the calls settle" calls_settled

# places in flight, as /v1/places tells while the resync runs (each place's listing
# made to last 300 ms or more)
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "latency_ms": 300}]}'
in_flight() { ctl --json places | jq '[.places[] | select(.listing == "in_flight")] | length'; }
most=0 waited=0
n0=$(calls bedrock:ListInferenceProfiles)
gaad0=$(calls iam:GetAccountAuthorizationDetails)
budgets0=$(calls budgets:DescribeBudgets)
ctl resync >/dev/null
while ! listings_past $((n0 + PLACES - 1)); do
	j=$(ctl --json places)
	k=$(echo "$j" | jq '[.places[] | select(.listing == "in_flight")] | length')
	w=$(echo "$j" | jq '[.places[] | select(.listing == "waiting")] | length')
	[ "$k" -le "$most" ] || most=$k
	[ "$w" -le "$waited" ] || waited=$w
	sleep 0.02
done
wait_until 60 "the resync's calls settle" calls_settled
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
echo "resync: at most $most listings in flight, at most $waited waiting (as sampled)"
[ "$most" -le 3 ] || fail "$most listings in flight at once (max_in_flight 2: at most 3)"
[ "$most" -ge 2 ] && [ "$waited" -ge 1 ] || fail "no listing seen in flight or waiting while the resync ran"
[ "$(calls bedrock:ListInferenceProfiles)" = $((n0 + PLACES)) ] || fail "not every place listed once"
gaad=$(($(calls iam:GetAccountAuthorizationDetails) - gaad0))
budgets=$(($(calls budgets:DescribeBudgets) - budgets0))
[ "$gaad" = "$ACCOUNTS" ] || fail "$gaad GetAccountAuthorizationDetails for $ACCOUNTS accounts: the places of an account did not share"
[ "$budgets" = "$ACCOUNTS" ] || fail "$budgets DescribeBudgets for $ACCOUNTS accounts: the places of an account did not share"

# a Region whose listings fail: status and places say so (exit 1) until one succeeds
awsim_put faults '{"rules": [{"operation": "ListInferenceProfiles", "region": "us-west-2", "error_percent": 100,
	"error": {"status": 403, "code": "AccessDeniedException", "message": "not authorized"}}]}'
ctl resync >/dev/null
failing() { [ "$(status_json | jq .places_failing)" = "$1" ]; }
wait_until 60 "the us-west-2 places failing" failing "$ACCOUNTS"
rc=0
ctl status >"$WORK/status.out" || rc=$?
[ $rc = 1 ] || fail "ctl status exits $rc while listings fail, want 1"
grep -q "^listings .*$ACCOUNTS of $PLACES place(s) failing" "$WORK/status.out" || fail "status: $(cat "$WORK/status.out")"
rc=0
curl -sf --unix-socket "$WORK/control.sock" http://localhost/metrics >"$WORK/metrics.txt"
grep -qx "bedrock_tenantd_places_failing $ACCOUNTS" "$WORK/metrics.txt" || fail "metrics: $(grep places "$WORK/metrics.txt")"
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc while listings fail, want 1"
grep -q "listing failing since .*AccessDeniedException: .*not authorized" "$WORK/places.out" || fail "places: $(cat "$WORK/places.out")"
[ "$(ctl --json places | jq '[.places[] | select(.list_error != null and .list_failing_since != null)] | map(.region) | unique')" = '[
  "us-west-2"
]' ] || fail "places: $(ctl --json places | jq -c '[.places[] | {place, list_error}]')"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
ctl resync >/dev/null
wait_until 60 "no place failing once listings succeed" failing 0
ctl status >/dev/null || fail "ctl status exits $? once every listing succeeds"

# a flood of resyncs, a SIGHUP among them, a kill -9 while the line is long
pids=()
for i in $(seq 1 20); do
	ctl resync >/dev/null &
	pids+=($!)
	[ "$i" != 10 ] || kill -HUP "$DAEMON_PID"
done
wait "${pids[@]}" || true
sleep 0.1
kill -9 "$DAEMON_PID"
wait_gone 10 "the daemon killed" "$DAEMON_PID"
start_daemon
wait_until 120 "Ready after the restart" all_ready
wait_until 60 "the calls settle after the restart" calls_settled
one_profile_each "$N"
[ "$(in_flight)" = 0 ] || fail "listings still in flight once settled: $(ctl --json places | jq -c '[.places[] | select(.listing)]')"
[ "$(ctl --json places | jq '[.places[] | select(.listed)] | length')" = "$PLACES" ] || fail "not every place listed"
stop_daemon
echo PASS
