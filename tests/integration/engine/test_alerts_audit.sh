#!/usr/bin/env bash
# The paced audit of budget notifications: a notification changed by hand (its
# threshold) and a subscriber removed by hand are repaired within one
# watch.alerts_audit_interval although the manifest did not change, and the audit
# reads at its pace (each budget about once per interval), not at every diff.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
sed -i 's/^  settle: 100ms$/  settle: 100ms\n  alerts_audit_interval: 3s/' "$WORK/config.yaml"
grep -q "alerts_audit_interval: 3s" "$WORK/config.yaml" || fail "the configuration was not edited"
write_budget_tenant acme 100 "80:actual:ops@example.com"
write_budget_tenant beta 100 "90:actual:fin@example.com"
start_daemon
wait_until 60 "Ready" all_ready

budgets_call() {
	curl -s --aws-sigv4 "aws:amz:us-east-1:budgets" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -X POST \
		-H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: AWSBudgetServiceGateway.$1" \
		--data "$2" "http://127.0.0.1:$PORT/" >"$WORK/budgets.out" || fail "budgets $1: no answer"
	jq -e 'has("__type") | not' "$WORK/budgets.out" >/dev/null || fail "budgets $1: $(cat "$WORK/budgets.out")"
}
note='{"NotificationType":"ACTUAL","ComparisonOperator":"GREATER_THAN","Threshold":80,"ThresholdType":"PERCENTAGE"}'
moved='{"NotificationType":"ACTUAL","ComparisonOperator":"GREATER_THAN","Threshold":55,"ThresholdType":"PERCENTAGE"}'
budgets_call UpdateNotification "{\"AccountId\":\"111122223333\",\"BudgetName\":\"bedrock-tenant-acme\",\"OldNotification\":$note,\"NewNotification\":$moved}"
thresholds() { budget bedrock-tenant-acme | jq -c '[.notifications[].notification.Threshold] | sort'; }
[ "$(thresholds)" = "[55]" ] || fail "the hand change did not happen: $(thresholds)"
note_b='{"NotificationType":"ACTUAL","ComparisonOperator":"GREATER_THAN","Threshold":90,"ThresholdType":"PERCENTAGE"}'
budgets_call UpdateSubscriber "{\"AccountId\":\"111122223333\",\"BudgetName\":\"bedrock-tenant-beta\",\"Notification\":$note_b,\"OldSubscriber\":{\"SubscriptionType\":\"EMAIL\",\"Address\":\"fin@example.com\"},\"NewSubscriber\":{\"SubscriptionType\":\"EMAIL\",\"Address\":\"someone@example.com\"}}"
subs_b() { budget bedrock-tenant-beta | jq -c '[.notifications[].subscribers[].Address]'; }
[ "$(subs_b)" = '["someone@example.com"]' ] || fail "the subscriber was not changed by hand: $(subs_b)"

awsim_put calls/reset
wait_eq 30 "the hand-changed threshold repaired" "[80]" thresholds
wait_eq 30 "the changed subscriber put back" '["fin@example.com"]' subs_b
[ "$(calls budgets:UpdateBudget)" = 0 ] || fail "the budget itself was rewritten"

# the pace: two budgets over 9 s at one audit each per 3 s is about 6 audits (each a
# DescribeNotificationsForBudget); never one per diff or per turn
awsim_put calls/reset
sleep 9
n=$(calls budgets:DescribeNotificationsForBudget)
echo "$n notification reads in 9 s"
[ "$n" -ge 2 ] && [ "$n" -le 12 ] || fail "$n DescribeNotificationsForBudget in 9 s, want about 6"
stop_daemon
echo PASS
