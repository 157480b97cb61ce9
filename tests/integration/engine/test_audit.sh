#!/usr/bin/env bash
# The audit trail: a manifest edit leaves one record per AWS change, in the log (here
# log_format: json, every line an object) with the request id awsim answered, and in
# the tenant's history, which survives a restart; a failed change is recorded too; a
# profile taken out of the manifest goes as a prune, not as a repair of drift.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config "log_format: json"
write_tenant acme "" eng 1
start_daemon
wait_until 60 "Ready" all_ready

# every line the daemon wrote is one JSON object
log_is_json() { jq -e -s 'all(type == "object" and has("MESSAGE") and has("TIMESTAMP"))' "$WORK/daemon.log"; }
log_is_json >/dev/null || fail "a log line is not a JSON object: $(grep -v '^{' "$WORK/daemon.log" | head -3)"

# the creates are in the log with the request ids awsim gave them
changes() { jq -c -s --arg a "$1" '[.[] | select(.MESSAGE_ID == "2b2c2f5b0b6a4f0e9a9f5e1f3c7d8a06" and .ACTION == $a)]' "$WORK/daemon.log"; }
[ "$(changes create-profile | jq 'length')" = 1 ] || fail "one create-profile record: $(changes create-profile)"
rec=$(changes create-profile | jq -c '.[0]')
[ "$(jq -r .TENANT <<<"$rec")" = acme ] || fail "TENANT: $rec"
[ "$(jq -r .OUTCOME <<<"$rec")" = ok ] || fail "OUTCOME: $rec"
[ "$(jq -r .CAUSE <<<"$rec")" = manifest ] || fail "CAUSE: $rec"
jq -e '.RESOURCE | startswith("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/")' <<<"$rec" \
	>/dev/null || fail "RESOURCE is the new profile's ARN: $rec"
jq -e '.REVISION | length > 0' <<<"$rec" >/dev/null || fail "REVISION: $rec"
rid=$(jq -r .AWS_REQUEST_ID <<<"$rec")
awsim_ids() { awsim_get requests | jq -r --arg op "$1" '.[] | select(.operation == $op) | .request_id'; }
awsim_ids bedrock:CreateInferenceProfile | grep -qx "$rid" ||
	fail "the create's request id $rid is not awsim's ($(awsim_ids bedrock:CreateInferenceProfile))"

# a manifest edit: the tag changes, each once, with awsim's request ids
write_tenant acme "" finance 1
wait_until 30 "the profile retagged" bash -c "[ \"\$(jq -c -s '[.[] | select(.ACTION == \"tag-profile\")] | length' '$WORK/daemon.log')\" = 1 ]"
wait_until 30 "the parameter retagged" bash -c "[ \"\$(jq -c -s '[.[] | select(.ACTION == \"tag-parameter\")] | length' '$WORK/daemon.log')\" = 1 ]"
wait_until 30 "Ready" all_ready
for pair in tag-profile:bedrock:TagResource tag-parameter:ssm:AddTagsToResource; do
	action=${pair%%:*} op=${pair#*:}
	rec=$(changes "$action" | jq -c '.[0]')
	jq -e '.CHANGES | contains("CostCenter: \"eng\" -> \"finance\"")' <<<"$rec" >/dev/null ||
		fail "$action CHANGES names the tag: $rec"
	[ "$(jq -r .CAUSE <<<"$rec")" = manifest ] || fail "$action CAUSE: $rec"
	rid=$(jq -r .AWS_REQUEST_ID <<<"$rec")
	[ -n "$rid" ] && awsim_ids "$op" | grep -qx "$rid" || fail "$action request id '$rid' is not one of awsim's $op"
done

# a change that fails is recorded once, with the error and the request id of the answer
awsim_put faults '{"rules":[{"service":"bedrock","operation":"TagResource","error_percent":100,"times":1,
	"error":{"status":400,"code":"ValidationException","message":"refused for the test"}}]}'
write_tenant acme "" ops 1
failed() { jq -c -s '[.[] | select(.ACTION == "tag-profile" and .OUTCOME == "failed")]' "$WORK/daemon.log"; }
wait_until 30 "the failed retag recorded" bash -c "[ \"\$(jq -c -s '[.[] | select(.ACTION == \"tag-profile\" and .OUTCOME == \"failed\")] | length' '$WORK/daemon.log')\" = 1 ]"
rec=$(failed | jq -c '.[0]')
[ "$(jq -r .AWS_ERROR_CODE <<<"$rec")" = ValidationException ] || fail "AWS_ERROR_CODE: $rec"
jq -e '.AWS_REQUEST_ID | length > 0' <<<"$rec" >/dev/null || fail "a failed change keeps its request id: $rec"
log_is_json >/dev/null || fail "a log line is not a JSON object"
write_tenant acme "" ops2 1 # the refusal was terminal: a new revision goes on

# the history: newest first, the changes with their request ids, and it survives a restart
hist() { ctl --json history acme | jq -c '[.history[] | select(.kind == "change") | {a: .detail.action, r: .detail.request_id, o: .detail.outcome}]'; }
wait_until 30 "the history has the failed retag" bash -c "'$CTL_BIN' --socket '$WORK/control.sock' --json history acme | jq -e '[.history[] | select(.detail.outcome == \"failed\")] | length == 1'"
before=$(hist)
[ "$(jq 'map(select(.a == "create-profile")) | length' <<<"$before")" = 1 ] || fail "history: $before"
wait_until 60 "Ready" all_ready
# the engine's own lines (a manifest changed, reconciled) are kept as notes, with the changes
notes() { ctl --json history acme | jq -c '[.history[] | select(.kind == "note") | .text]'; }
notes_before=$(notes)
[ "$(jq 'map(select(. == "manifest changed")) | length' <<<"$notes_before")" -ge 3 ] ||
	fail "the manifest edits are not in the history: $notes_before"
jq -e 'index("reconciled") != null' <<<"$notes_before" >/dev/null || fail "no note of a reconciled revision: $notes_before"
stop_daemon
start_daemon
wait_until 60 "Ready after the restart" all_ready
after=$(hist)
# the notes survive the restart; one that found its revision reconciled before adds none
[ "$(notes)" = "$notes_before" ] || fail "the notes changed over a restart: $notes_before vs $(notes)"
ctl history acme | grep -Eq ' note +manifest changed$' || fail "ctl history shows no note: $(ctl history acme)"
[ "$(jq -c '.[-1]' <<<"$after")" = "$(jq -c '.[-1]' <<<"$before")" ] || fail "the history was lost: $before vs $after"
jq -e --argjson b "$before" '(. | length) >= ($b | length)' <<<"$after" >/dev/null || fail "history shrank"
ctl history acme | grep -q 'create-profile' || fail "ctl history shows the create"
ctl history | grep -q 'acme' || fail "ctl history (every tenant) shows acme"
curl -sf --unix-socket "$WORK/control.sock" 'http://localhost/v1/history?limit=2' | jq -e '.history | length == 2' >/dev/null ||
	fail "/v1/history?limit=2"
[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$WORK/control.sock" 'http://localhost/v1/history?limit=0')" = 400 ] ||
	fail "limit=0 is refused"

# a profile taken out of the manifest goes after the grace period, the tenant Ready at
# its new revision all the while: a prune, not a repair of drift
write_tenant acme "" ops2 2
wait_until 60 "p2 made" bash -c "[ \"\$(jq -c -s '[.[] | select(.ACTION == \"create-profile\" and .OUTCOME == \"ok\")] | length' '$WORK/daemon.log')\" = 2 ]"
wait_until 60 "Ready with p2" all_ready
write_tenant acme "" ops2 1
wait_until 60 "p2's profile deleted" bash -c "[ \"\$(jq -c -s '[.[] | select(.ACTION == \"delete-profile\" and .OUTCOME == \"ok\")] | length' '$WORK/daemon.log')\" = 1 ]"
for action in delete-parameter delete-profile; do
	rec=$(changes "$action" | jq -c '.[0]')
	[ "$(jq -r .CAUSE <<<"$rec")" = prune ] || fail "$action CAUSE: $rec"
done
! jq -e -s 'any(.[]; (.MESSAGE // "") | test("drift repaired"))' "$WORK/daemon.log" >/dev/null ||
	fail "a line claims a repair of drift: $(jq -c -s '[.[] | select((.MESSAGE // "") | test("drift repaired"))]' "$WORK/daemon.log")"
stop_daemon
echo PASS
