#!/usr/bin/env bash
# The usage series of /metrics: today's totals, the unattributed usage and, with
# usage.metrics_tenants, only the top tenants by estimated cost. They are summed when
# usage is ingested (and at start), so a scrape runs no SQL on the daemon's loop.
# With usage.cost_explorer, Cost Explorer's figures too (every tenant's tag, untagged,
# and each top tenant's), as its last refresh summed them: a scrape calls nothing.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay 1
make_bucket usage-logs
write_config "usage:
  places:
    - region: us-east-1
      bucket: usage-logs
  invocation_logging: manage
  poll_interval: 1s
  path_style: true
  metrics_tenants: 1
  cost_explorer: {refresh: 5s, days: 3}
prices:
  $MODEL: {input: 0.001, output: 0.005}
cost_allocation_tags:
  mode: manage
  check_interval: 5s"
write_budget_tenant acme 100 "" # a budget: its tag key is one cost_allocation_tags activates
write_tenant other "$MODEL"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready"
wait_until 60 "tenants Ready" all_ready

for _ in 1 2 3; do converse "$(ctl resolve acme p1 | tail -n1)"; done
converse "$(ctl resolve other p1 | tail -n1)"
converse "$MODEL" # unattributed

scrape() { curl -sf --max-time 20 --unix-socket "$WORK/control.sock" http://localhost/metrics; }
value() { awk -v n="$1" '$1 == n {print $2}' <<<"$M"; }
# scraped NAME: a fresh scrape's value of NAME (M is set in wait_eq's subshell only)
scraped() {
	M=$(scrape)
	value "$1"
}
wait_eq 60 "the 5 requests in the metrics" 5 scraped bedrock_tenantd_usage_today_requests
check() {
	[ "$(value bedrock_tenantd_usage_today_requests)" = 5 ] || fail "total: $M"
	[ "$(value bedrock_tenantd_usage_unattributed_today_requests)" = 1 ] || fail "unattributed: $M"
	[ "$(value bedrock_tenantd_usage_tenants_today)" = 2 ] || fail "tenants: $M"
	# metrics_tenants: 1, the highest estimated cost only
	[ "$(value 'bedrock_tenantd_usage_tenant_today_requests{tenant="acme"}')" = 3 ] || fail "top tenant: $M"
	! grep -q 'tenant="other"' <<<"$M" || fail "a series beyond metrics_tenants: $M"
}
M=$(scrape)
check

# Cost Explorer (awsim's, at its own prices: 0.000192 USD a call of these 16 bytes):
# acme's tag 3 calls, other's 1, the call by model id untagged; acme alone per tenant.
# A refresh (every 5 s) may come between the calls: wait for one that saw the last of
# them (the untagged call), then every figure is of that refresh.
wait_eq 90 "Cost Explorer's untagged figure in the metrics" 0.000192 \
	scraped bedrock_tenantd_usage_cost_explorer_untagged_usd
M=$(scrape)
[ "$(value 'bedrock_tenantd_usage_tenant_cost_explorer_usd{tenant="acme"}')" = 0.000576 ] ||
	fail "Cost Explorer, acme: $(grep cost_explorer <<<"$M")"
[ "$(value bedrock_tenantd_usage_cost_explorer_usd)" = 0.000768 ] ||
	fail "Cost Explorer, every tenant: $(grep cost_explorer <<<"$M")"
[ "$(value bedrock_tenantd_usage_cost_explorer_days)" = 3 ] || fail "Cost Explorer's days: $M"
at=$(value bedrock_tenantd_usage_cost_explorer_fetched_timestamp_seconds)
[ $(($(date +%s) - at)) -ge 0 ] && [ $(($(date +%s) - at)) -le 60 ] || fail "Cost Explorer fetched at $at: $M"
grep -q '^# TYPE bedrock_tenantd_usage_tenant_cost_explorer_usd gauge$' <<<"$M" || fail "no TYPE line: $M"
[ "$(ctl --json usage acme | jq -r '.cost_explorer.usd * 1000000 | round')" = 576 ] ||
	fail "the metrics and /v1/tenants/acme/usage disagree: $(ctl --json usage acme | jq -c .cost_explorer)"
! grep -q 'tenant="other"' <<<"$M" || fail "a Cost Explorer series beyond metrics_tenants: $M"
# a scrape reads the last refresh: ten scrapes are not ten calls to Cost Explorer
ce_calls=$(calls ce:GetCostAndUsage)
for _ in $(seq 10); do scrape >/dev/null; done
[ $(($(calls ce:GetCostAndUsage) - ce_calls)) -lt 5 ] || fail "scrapes call Cost Explorer"
check

# A scrape runs no SQL: rows deleted behind the daemon's back (another process on
# usage.db) do not show in a scrape, only in the sums the next ingestion makes.
python3 - "$WORK/state/usage.db" <<'PY' || fail "could not edit usage.db"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
c.execute("DELETE FROM usage WHERE tenant = 'other'")
c.commit()
PY
M=$(scrape)
check
converse "$(ctl resolve acme p1 | tail -n1)"
wait_eq 60 "acme's 4th request in the metrics" 4 scraped 'bedrock_tenantd_usage_tenant_today_requests{tenant="acme"}'
M=$(scrape)
[ "$(value bedrock_tenantd_usage_tenants_today)" = 1 ] || fail "the next ingestion did not sum again: $M"
[ "$(value bedrock_tenantd_usage_today_requests)" = 5 ] || fail "total after: $M"
stop_daemon
echo "ok"
