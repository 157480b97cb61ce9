#!/usr/bin/env bash
# Cost Explorer's figure beside the estimate (usage.cost_explorer): the daemon reads
# GetCostAndUsage grouped by the tenant tag in the payer account, once per refresh for
# every tenant, and shows it in /v1/tenants/{id}/usage, /v1/usage and
# `bedrock-tenantctl usage`. While the tag key is Inactive the figure is 0 and says
# why; once it is Active it agrees with awsim's Cost Explorer and with the estimate
# (awsim counts spend from the same tokens, at the same prices). A failing Cost
# Explorer is a problem in the answer, the last figure stays, and the daemon goes on.
# The profile-to-tenant map is exported for the same attribution in Athena.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0
TODAY=$(date -u +%F)

start_awsim --invocation-log-delay 1
make_bucket usage-logs

# awsim's default prices (0.003 and 0.015 USD per 1,000 tokens) for the estimate too
usage_config() {
	write_config "usage:
  places:
    - region: us-east-1
      bucket: usage-logs
  invocation_logging: manage
  poll_interval: 1s
  path_style: true
  cost_explorer: {refresh: 5s, days: 3}
prices:
  $MODEL: {input: 0.003, output: 0.015}
cost_allocation_tags:
  mode: $1
  check_interval: 5s"
}
usage_config observe
write_budget_tenant acme 100 ""
write_tenant other "$MODEL"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_until 60 "tenants Ready" all_ready
ARN=$(ctl resolve acme p1 | tail -n1)

# awsim's own Cost Explorer: today's UnblendedCost of acme's tag, in micro-dollars
awsim_ce_micro() {
	TARGET=AWSInsightsIndexService.GetCostAndUsage sign_call ce POST / "$(jq -cn --arg s "$TODAY" \
		--arg e "$(date -u -d tomorrow +%F)" '{TimePeriod: {Start: $s, End: $e}, Granularity: "DAILY",
		Metrics: ["UnblendedCost"], GroupBy: [{Type: "TAG", Key: "bedrock-tenantd:tenant"}]}')" |
		jq -r '[.ResultsByTime[].Groups[] | select(.Keys[0] == "bedrock-tenantd:tenant$acme") |
			.Metrics.UnblendedCost.Amount | tonumber] | add // 0 | . * 1000000 | round'
}
ce_of() { ctl --json usage acme --since 1d | jq -c .cost_explorer; }
ce_fetched_after() { [ "$(ce_of | jq -r '.fetched_at // ""')" \> "$1" ]; }

# 16 bytes: 4 input and 12 output tokens a call, 0.000192 USD
for _ in 1 2 3; do converse "$ARN" "0123456789abcdef"; done
acme_requests() { ctl --json usage acme | jq -r .total.requests; }
wait_eq 60 "acme's 3 requests counted" 3 acme_requests

# Inactive key: the figure is 0, explained; the spend is in Cost Explorer's untagged
key_inactive() { [ "$(ce_of | jq -r .tag_status)" = Inactive ]; }
wait_until 30 "the tag key seen Inactive" key_inactive
t0=$(date -u +%FT%TZ)
wait_until 30 "a refresh after that" ce_fetched_after "$t0"
c=$(ce_of)
[ "$(jq -r .usd <<<"$c")" = 0 ] || fail "an inactive key gave a figure: $c"
jq -r .note <<<"$c" | grep -q 'bedrock-tenantd:tenant is Inactive as a cost-allocation tag' || fail "no note: $c"
[ "$(jq -r .problem <<<"$c")" = null ] || fail "a problem: $c"
[ "$(jq -r '.fetched_until' <<<"$c")" = "$TODAY" ] || fail "fetched_until: $c"
r=$(ctl --json usage --since 1d)
[ "$(jq -r '.cost_explorer.untagged_usd * 1000000 | round' <<<"$r")" = 576 ] || fail "untagged spend: $r"
[ "$(jq -r '.tenants[0].cost_explorer_usd' <<<"$r")" = 0 ] || fail "ranking: $r"
grep -q '^  note: the tag key bedrock-tenantd:tenant is Inactive' <<<"$(ctl usage acme --since 1d)" ||
	fail "ctl does not explain the 0: $(ctl usage acme --since 1d)"

# manage activates the key (a reload); the next refresh sees the spend under acme's tag
usage_config manage
kill -HUP "$DAEMON_PID"
ce_micro() { ce_of | jq -r '.usd // 0 | . * 1000000 | round'; }
wait_eq 60 "Cost Explorer's figure for acme" 576 ce_micro
[ "$(awsim_ce_micro)" = 576 ] || fail "awsim's Cost Explorer says $(awsim_ce_micro)"
u=$(ctl --json usage acme --since 1d)
[ "$(jq -r '.total.estimated_cost_usd * 1000000 | round' <<<"$u")" = 576 ] || fail "the estimate: $u"
[ "$(jq -r .cost_explorer.note <<<"$u")" = null ] || fail "a note once Active: $u"
[ "$(jq -r .cost_explorer.tag_status <<<"$u")" = Active ] || fail "tag_status: $u"
grep -q '^cost explorer: 0.0006 USD for tag bedrock-tenantd:tenant=acme, fetched ' <<<"$(ctl usage acme --since 1d)" ||
	fail "ctl: $(ctl usage acme --since 1d)"
grep -q 'CE_USD' <<<"$(ctl usage --since 1d)" || fail "no CE_USD column: $(ctl usage --since 1d)"
[ "$(awk '$1 == "acme" {print $NF}' <<<"$(ctl usage --since 1d)")" = 0.0006 ] || fail "ranking row: $(ctl usage --since 1d)"
# a period reaching before the days fetched says so
ctl --json usage acme --since 7d | jq -r .cost_explorer.note | grep -q 'covers only' || fail "no partial note"

# The profile-to-tenant map for Athena (docs/operations.md, "Usage"): CSV, or JSON
m=$(ctl profile-map)
[ "$(head -n1 <<<"$m")" = "profile_arn,tenant,profile,model,place" ] || fail "map header: $m"
grep -qx "$ARN,acme,p1,$MODEL,-/us-east-1" <<<"$m" || fail "no row for acme's profile: $m"
[ "$(wc -l <<<"$m")" = 3 ] || fail "map rows: $m"
[ "$(ctl -o json profile-map | jq -r '.count')" = 2 ] || fail "json map: $(ctl -o json profile-map)"
[ "$(ctl -o json profile-map | jq -r --arg a "$ARN" '.profiles[] | select(.arn == $a) | .tenant')" = acme ] ||
	fail "json map row"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$WORK/control.sock" \
	'http://localhost/v1/profile-map?format=xml')
[ "$code" = 400 ] || fail "format=xml answered $code"

# One grouped call per refresh for every tenant, never one per query
n0=$(calls ce:GetCostAndUsage)
for _ in $(seq 20); do ctl --json usage acme >/dev/null; ctl --json usage other >/dev/null; done
n1=$(calls ce:GetCostAndUsage)
[ $((n1 - n0)) -le 2 ] || fail "queries called Cost Explorer: $n0 -> $n1"

# Cost Explorer refuses: a problem, the last figure stays, the daemon answers
awsim_put faults '{"rules":[{"service":"ce","operation":"GetCostAndUsage","error_percent":100,
	"error":{"status":400,"code":"AccessDeniedException","message":"not allowed"}}]}' || fail "fault plan"
has_problem() { ce_of | jq -r '.problem // ""' | grep -q 'AccessDeniedException'; }
wait_until 30 "the problem shown" has_problem
[ "$(ce_micro)" = 576 ] || fail "the last figure was lost: $(ce_of)"
status_json | jq -r '.usage_cost_explorer.problem' | grep -q AccessDeniedException ||
	fail "status: $(status_json | jq -c .usage_cost_explorer)"
grep -q '^cost explorer GetCostAndUsage in the default account: AccessDeniedException' <<<"$(ctl status)" ||
	fail "ctl status: $(ctl status)"
grep -q '^  problem: GetCostAndUsage in the default account: AccessDeniedException' <<<"$(ctl usage acme)" ||
	fail "ctl: $(ctl usage acme)"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/faults" >/dev/null
no_problem() { [ "$(ce_of | jq -r .problem)" = null ]; }
wait_until 30 "the problem gone" no_problem
ctl health >/dev/null || fail "the daemon stopped answering"
grep -q '^cost explorer' <<<"$(ctl status)" && fail "ctl status still shows the problem"
stop_daemon

# mode: off never calls Cost Explorer and answers null, as before
write_config "usage:
  places:
    - region: us-east-1
      bucket: usage-logs
  poll_interval: 1s
  path_style: true
  cost_explorer: {mode: off}"
n0=$(calls ce:GetCostAndUsage)
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready (off)"
sleep 3
[ "$(ce_of)" = null ] || fail "off: $(ce_of)"
[ "$(calls ce:GetCostAndUsage)" = "$n0" ] || fail "off called Cost Explorer"
grep -q '^cost explorer: off' <<<"$(ctl usage acme)" || fail "ctl off: $(ctl usage acme)"
stop_daemon
echo "ok"
