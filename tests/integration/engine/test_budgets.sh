#!/usr/bin/env bash
# Budgets: created with the tag filter (set back when changed by hand), notifications
# and subscribers; a changed limit and changed alerts are applied by value; the spend
# AWS reports is shown; the budget goes after the grace period when the manifest
# drops it.
. "$(dirname "$0")/lib.sh"
GRACE=2s
start_awsim
write_config
write_budget_tenant acme 1000 "80:actual:ops@example.com 100:forecasted:cfo@example.com"
start_daemon
wait_until 60 "Ready" all_ready

b=$(budget bedrock-tenant-acme)
[ "$b" != null ] || fail "no budget"
echo "$b" | jq -e '.budget.BudgetType == "COST" and .budget.BudgetLimit.Amount == "1000" and .budget.TimeUnit == "MONTHLY"' >/dev/null ||
	fail "wrong budget: $b"
echo "$b" | jq -e '.budget.FilterExpression.Tags.Key == "bedrock-tenantd:tenant" and .budget.FilterExpression.Tags.Values == ["acme"]' >/dev/null ||
	fail "the budget is not filtered on the tenant tag: $b"
echo "$b" | jq -e '.budget.Metrics == ["UnblendedCost"] and (.budget | has("CostFilters") | not)' >/dev/null ||
	fail "FilterExpression + Metrics expected, not CostFilters"
echo "$b" | jq -e '[.notifications[].notification.Threshold] | sort == [80, 100]' >/dev/null || fail "notifications: $b"
echo "$b" | jq -e '.tags | map({(.Key // .key): (.Value // .value)}) | add | .["bedrock-tenantd:managed-by"] == "bedrock-tenantd"' >/dev/null ||
	fail "the budget does not carry the ownership tags"

# the limit and the alerts change: an update, then notifications by value
awsim_put calls/reset
write_budget_tenant acme 2500 "90:actual:ops@example.com,sec@example.com 100:forecasted:cfo@example.com"
limit() { budget bedrock-tenant-acme | jq -r '.budget.BudgetLimit.Amount'; }
thresholds() { budget bedrock-tenant-acme | jq -c '[.notifications[].notification.Threshold] | sort'; }
subs90() { budget bedrock-tenant-acme | jq -c '[.notifications[] | select(.notification.Threshold == 90) | .subscribers[].Address] | sort'; }
wait_eq 30 "the new limit" 2500 limit
wait_eq 30 "the 80 % alert moved to 90 %" '[90,100]' thresholds
wait_eq 30 "a second subscriber" '["ops@example.com","sec@example.com"]' subs90
[ "$(calls budgets:CreateBudget)" = 0 ] && [ "$(calls budgets:DeleteBudget)" = 0 ] || fail "the budget was recreated"
[ "$(calls budgets:UpdateNotification)" = 1 ] || fail "the alert should be updated, not replaced: $(awsim_get calls | jq -c .)"

# the spend as AWS reports it
awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"812.4","forecasted":"1040"}'
ctl resync >/dev/null
spend() { tenant_json acme | jq -r '.observed.budgets[0] | "\(.actual_spend_usd)/\(.forecasted_spend_usd)"'; }
wait_eq 30 "the spend on /v1/tenants/acme" "812.4/1040" spend
# as listed (the spend comes only from a listing): its ARN, the account's and its name's
budget_arn=$(tenant_json acme | jq -r '.observed.budgets[0] | select(.listed) | .arn')
[ "$budget_arn" = "arn:aws:budgets::111122223333:budget/bedrock-tenant-acme" ] || fail "the listed budget's ARN: $budget_arn"
wait_until 30 "Ready" all_ready

# steady: no notification is read while the alerts do not change
awsim_put calls/reset
ctl resync >/dev/null
wait_until 30 "a listing" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/calls | jq '.[\"budgets:DescribeBudgets\"].ok // 0') -ge 1 ]"
wait_until 30 "Ready" all_ready
sleep 1
[ "$(calls budgets:DescribeNotificationsForBudget)" = 0 ] || fail "steady state read notifications"
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "steady state made mutating calls: $(awsim_get calls | jq -c .)"

# its filter changed by hand to another tenant's tag value: set back to acme's
b=$(budget bedrock-tenant-acme)
TARGET=AWSBudgetServiceGateway.UpdateBudget sign_call budgets POST / "$(jq -c '{AccountId: "111122223333",
	NewBudget: (.budget | .FilterExpression.Tags.Values = ["globex"])}' <<<"$b")" >/dev/null || fail "UpdateBudget by hand"
[ "$(budget bedrock-tenant-acme | jq -c .budget.FilterExpression.Tags.Values)" = '["globex"]' ] ||
	fail "the filter was not changed by hand: $(budget bedrock-tenant-acme | jq -c .budget.FilterExpression)"
ctl resync >/dev/null
filter_values() { budget bedrock-tenant-acme | jq -c .budget.FilterExpression.Tags.Values; }
wait_eq 30 "the filter set back to acme's" '["acme"]' filter_values
wait_until 30 "Ready" all_ready

# the budget leaves the manifest: deleted after the grace period
{ grep -v "^  budget:\|^    limit_usd\|^    period\|^    alerts\|^      - \|^        " "$WORK/tenants/acme.yaml"; } >"$WORK/acme.yaml"
mv "$WORK/acme.yaml" "$WORK/tenants/acme.yaml"
gone_budget() { [ "$(budget bedrock-tenant-acme)" = null ]; }
wait_until 30 "the budget deleted after the grace period" gone_budget
state_is acme Ready || fail "acme should be Ready without a budget"
stop_daemon
echo PASS
