#!/usr/bin/env bash
# A same-named profile that someone else owns is a conflict: reported, left alone,
# never adopted.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config "mode: report"
write_tenant acme "" eng 1
start_daemon # report mode: learn the desired name without creating anything
acme_known() { tenant_json acme | jq -e '.desired.profiles[0].name'; }
wait_until 30 "acme known" acme_known
name=$(tenant_json acme | jq -r '.desired.profiles[0].name')
stop_daemon
[ "$(calls bedrock:CreateInferenceProfile)" = 0 ] || fail "report mode created something"

sign_call bedrock POST /inference-profiles \
	"{\"inferenceProfileName\":\"$name\",\"modelSource\":{\"copyFrom\":\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0\"},\"tags\":[{\"key\":\"owner\",\"value\":\"someone-else\"}]}" >/dev/null ||
	fail "could not create the foreign profile"
write_config
start_daemon
wait_until 30 "acme Stalled" state_is acme Stalled
tenant_json acme | jq -e '.conflict_details[0].message | test("not managed by bedrock-tenantd")' >/dev/null ||
	fail "the conflict is not reported"
awsim_get state | jq -e "$PROFILES"' | map(select(.name == "'"$name"'")) |
	length == 1 and .[0].tag.owner == "someone-else" and (.[0].tag | has("bedrock-tenantd:managed-by") | not)' >/dev/null ||
	fail "the foreign profile was touched"
[ "$(awsim_get state | jq "$PARAMS | length")" = 0 ] || fail "a parameter was published for a profile we do not own"
stop_daemon
echo PASS
