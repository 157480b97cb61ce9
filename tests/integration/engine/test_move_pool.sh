#!/usr/bin/env bash
# A tenant placed by a pool moves when its manifest now names a Region other than its
# place's: it is placed again in that Region of its pool. Without room there it waits
# (Pending with the pool's reason) and its old set keeps serving; once the quota is
# raised and the place listed again, the set is built there, resolve switches, and the
# old place is emptied after the drain. plan shows a move's new place and its old one.
. "$(dirname "$0")/lib.sh"
DRAIN=${DRAIN:-2s}
A=111122223333
start_awsim
write_config
printf 'pools:\n  default:\n    accounts: [prod]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
# write_beta [REGION]
write_beta() {
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: beta\nspec:\n%s  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"${1:+  region: $1
}" >"$WORK/tenants/beta.yaml.tmp"
	mv "$WORK/tenants/beta.yaml.tmp" "$WORK/tenants/beta.yaml"
}
in_region() {
	awsim_get state | jq -r --arg r "$1" '[.accounts[] | .regions[] | select(.name == $r)] as $x |
		"\([$x[].profiles[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == "beta"))] | length) \([$x[].parameters[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == "beta"))] | length)"'
}
write_beta
start_daemon
wait_until 60 "beta Ready" state_is beta Ready
[ "$(in_region us-east-1)" = "1 1" ] || fail "beta is not in us-east-1 (the pool's first place): $(in_region us-east-1), us-west-2: $(in_region us-west-2)"
old=$(ctl resolve beta p1)

awsim_put quotas '{"quotas": {"L-40EC9882": 0}, "account": "'$A'", "region": "us-west-2"}'
ctl resync >/dev/null
sleep 1
write_beta us-west-2
waits() { tenant_json beta | jq -e '.state == "Pending" and (.waiting // "" | test("pool default: no account-region in us-west-2"))' >/dev/null; }
wait_until 60 "beta waits for room in us-west-2" waits
[ "$(ctl resolve beta p1)" = "$old" ] || fail "resolve left the old set while the move waits: $(ctl resolve beta p1)"
[ "$(in_region us-east-1)" = "1 1" ] || fail "the old set must serve while the move waits"
[ "$(in_region us-west-2)" = "0 0" ] || fail "something was created in a place without room"

awsim_put quotas '{"quotas": {"L-40EC9882": null}, "account": "'$A'", "region": "us-west-2"}'
ctl resync >/dev/null
moved() { case $(ctl resolve beta p1 2>/dev/null) in *:us-west-2:*) return 0 ;; esac; return 1; }
wait_until 60 "resolve answers beta's profile in us-west-2" moved
wait_eq 60 "nothing of beta left in us-east-1" "0 0" in_region us-east-1
[ "$(in_region us-west-2)" = "1 1" ] || fail "beta in us-west-2: $(in_region us-west-2)"
wait_until 30 "beta Ready" state_is beta Ready
tenant_json beta | jq -e '.place.region == "us-west-2" and (.moving_from | length == 0)' >/dev/null ||
	fail "beta's place: $(tenant_json beta | jq -c '{place, moving_from}')"
stop_daemon
# plan shows the next move: the place the pool would choose in the Region now named,
# its creates there, and where it moves from
write_beta us-east-1
rc=0
json=$("$DAEMON" plan --config "$WORK/config.yaml" --json 2>/dev/null) || rc=$?
[ $rc = 2 ] || fail "plan of a move exited $rc, not 2: $json"
echo "$json" | jq -e '.tenants[] | select(.id == "beta") | .place == "prod/us-east-1" and
	(.placement | test("chosen now in pool default.*moves from prod/us-west-2")) and
	([.actions[] | select(.kind == "create-profile")] | length == 1)' >/dev/null ||
	fail "plan does not show beta's move: $json"
echo PASS
