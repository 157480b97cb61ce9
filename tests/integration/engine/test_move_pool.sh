#!/usr/bin/env bash
# A tenant placed by a pool moves when its manifest now names a Region other than its
# place's: it is placed again in that Region of its pool. Without room there it waits
# (Pending with the pool's reason) and its old set keeps serving; once the quota is
# raised and the place listed again, the set is built there, resolve switches, and the
# old place is emptied after the drain, even though the state store is lost in the
# middle (found again by the resources' tags). plan shows a move's new place and its
# old one.
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
for _ in $(seq 600); do state_is beta Ready && break; sleep 0.1; done
state_is beta Ready || { echo "FAIL: beta not Ready at first"; tenant_json beta | jq -c '{state, waiting, last_error, place, history}'; ctl --json places; grep -v "^20.*info" "$WORK/daemon.log" | tail -15 | cut -c1-300; exit 1; }
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
# the state store lost once the new profile exists (kill -9, state.db removed): the
# place is found again by the tags in the Region named, the old one by its tags too
new_there() { case $(in_region us-west-2) in 1*) return 0 ;; esac; return 1; }
wait_until 60 "beta's new profile in us-west-2" new_there
new_arn=$(awsim_get state | jq -r '[.accounts[].regions[] | select(.name == "us-west-2") | .profiles[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == "beta")) | .arn][0]')
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
rm -f "$WORK/state/state.db" "$WORK/state/state.db-wal" "$WORK/state/state.db-shm"
start_daemon
sleep 1
ctl resync >/dev/null 2>&1 || true # the old place listed once the manifests are read
moved() { case $(ctl resolve beta p1 2>/dev/null) in *:us-west-2:*) return 0 ;; esac; return 1; }
wait_until 60 "resolve answers beta's profile in us-west-2" moved
wait_eq 60 "nothing of beta left in us-east-1" "0 0" in_region us-east-1
[ "$(in_region us-west-2)" = "1 1" ] || fail "beta in us-west-2: $(in_region us-west-2)"
[ "$(ctl resolve beta p1)" = "$new_arn" ] || fail "the new set was replaced after the lost store: $(ctl resolve beta p1), was $new_arn"
for _ in $(seq 600); do state_is beta Ready && break; sleep 0.1; done
state_is beta Ready || { echo "FAIL: beta not Ready"; tenant_json beta | jq -c '{state, waiting, last_error, place, moving_from, history}'; grep -v "^20.*info" "$WORK/daemon.log" | tail -15 | cut -c1-300; exit 1; }
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
# and what follows in the old place: nothing now (its set serves), then, once the new
# set is Ready, the drain, the parameter and the profile; the budget and the role's
# policy stay (the same account)
echo "$json" | jq -e '.tenants[] | select(.id == "beta") | .moving_out_of == ["prod/us-west-2"] and
	([.actions[] | select(.place == "prod/us-west-2")] as $old |
	 ($old | length > 0) and ($old | all(.after_switch)) and
	 ([$old[] | .kind] | index("delete-parameter") < index("delete-profile")) and
	 ($old | map(select(.kind == "delete-budget" or .kind == "delete-policy")) | length == 0)) and
	([.actions[] | select(.place == "prod/us-east-1")] | all(.after_switch | not))' >/dev/null ||
	fail "plan does not show the end of beta's move in its old place: $json"
text=$("$DAEMON" plan --config "$WORK/config.yaml" 2>/dev/null) || true
echo "$text" | grep -q "in prod/us-west-2:" && echo "$text" | grep -q "delete-profile .* (once the new set is Ready and the drain has passed)" ||
	fail "plan's text does not show the old place: $text"
echo "$text" | sed -n '/^beta/,/^[a-z]/p'
echo PASS
