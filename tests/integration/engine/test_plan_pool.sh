#!/usr/bin/env bash
# bedrock-tenantd plan for tenants placed by a pool: before the daemon ever ran, plan
# shows the place it would choose for each new tenant (most free profiles, then the
# pool's order; tenants in id order, each reserving its set) with the creates there, and
# "waits: no capacity" with the reason for a tenant no place has room for; after the
# daemon placed them, the recorded place. It never mutates anything. Exit 2 while a
# tenant waits.
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=2
write_config
printf '  a0:\n    id: "111100000000"\n    role_arn: arn:aws:iam::111100000000:role/bedrock-tenantd\n  a1:\n    id: "111100000001"\n    role_arn: arn:aws:iam::111100000001:role/bedrock-tenantd\n' >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
printf 'pools:\n  default:\n    accounts: [a0, a1]\n    regions: [us-east-1]\n' >>"$WORK/config.yaml"
for t in t1 t2 t3 t4 t5; do write_tenant "$t"; done
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }

rc=0
json=$(plan --json 2>/dev/null) || rc=$?
[ $rc = 2 ] || fail "plan with new pool tenants exited $rc, not 2: $json"
place_of() { echo "$json" | jq -r --arg t "$1" '.tenants[] | select(.id == $t) | .place'; }
for want in t1:a0 t2:a1 t3:a0 t4:a1; do
	[ "$(place_of "${want%%:*}")" = "${want#*:}/us-east-1" ] ||
		fail "plan places ${want%%:*} in $(place_of "${want%%:*}"), want ${want#*:}/us-east-1: $json"
done
echo "$json" | jq -e '[.tenants[] | select(.id == "t1") | .actions[] | select(.kind == "create-profile")] | length == 1' >/dev/null ||
	fail "plan does not show t1's create in its place: $json"
echo "$json" | jq -e '.tenants[] | select(.id == "t1") | .placement | test("chosen now in pool default")' >/dev/null ||
	fail "plan does not say t1's place is chosen by the pool: $json"
echo "$json" | jq -e '.tenants[] | select(.id == "t5") | .place == null and (.waiting | test("pool default: no account-region with 1 free profile"))' >/dev/null ||
	fail "plan does not show t5 waiting with the reason: $json"
out=$(plan 2>/dev/null) || true
echo "$out" | grep -q "^t5: waits: no capacity: pool default: no account-region with 1 free profile" ||
	fail "plan's text does not show t5 waiting: $out"
echo "$out" | grep -q "placement: chosen now in pool default" || fail "plan's text does not show the placement: $out"
# AssumeRole (credentials for the pool's accounts) counts as mutating in awsim
[ "$(awsim_get calls | jq '[to_entries[] | select(.key != "sts:AssumeRole" and .value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "plan made a mutating call: $(awsim_get calls | jq -c .)"

# the daemon places them; plan then shows each recorded place, and t5 still waiting
start_daemon
settled() { status_json | jq -e '.tenants.by_state.Ready == 4 and .tenants.by_state.Pending == 1 and .queue.reconciles_in_flight == 0' >/dev/null; }
wait_until 60 "4 tenants Ready and 1 waiting" settled
waiting=$(ctl --json places 2>/dev/null | jq -r '.waiting[0].tenant') || true
placed=$(for t in t1 t2 t3 t4 t5; do [ "$t" = "$waiting" ] || echo "$t"; done | head -n 1)
placed_in=$(tenant_json "$placed" | jq -r '"\(.place.account)/\(.place.region)"')
stop_daemon
write_tenant "$placed" "" finance 1 # a change, so that plan shows the tenant
rc=0
json=$(plan --json 2>/dev/null) || rc=$?
[ $rc = 2 ] || fail "plan with a waiting tenant exited $rc, not 2: $json"
echo "$json" | jq -e --arg w "$waiting" '[.tenants[] | select(.waiting)] | map(.id) == [$w]' >/dev/null ||
	fail "plan does not show $waiting (the daemon's waiting tenant) waiting: $json"
echo "$json" | jq -e --arg t "$placed" --arg p "$placed_in" '.tenants[] | select(.id == $t) |
	.place == $p and (.placement | test("recorded in the state store")) and
	([.actions[] | select(.aws_call) | .kind] == ["tag-profile", "tag-parameter"] or
	 [.actions[] | select(.aws_call) | .kind] == ["tag-parameter", "tag-profile"])' >/dev/null ||
	fail "plan does not show $placed in its recorded place $placed_in with only its tag change: $json"
echo PASS
