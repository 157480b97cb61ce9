#!/usr/bin/env bash
# A move waits for room in its new place while its old set's profile is deleted by
# hand: the old set serves until the switch and is not made again, but its SSM
# parameter, which names the deleted profile, goes at once (SSM never names a profile
# that is not live). Both ways of waiting: a pool tenant with no place of its pool free
# in its new Region (beta: it has no place meanwhile), and a tenant whose account is
# written, whose create in the new Region AWS refuses for a quota (gamma); and a pool
# tenant waiting so when the state store is lost (delta: nothing recorded says where
# it lives, its resources' tags do). Once there is room, all are built in the new
# Region and nothing of them is left in the old. A deletion in the old place that
# fails does not hold the new set back (epsilon).
. "$(dirname "$0")/lib.sh"
A=111122223333
start_awsim
write_config
printf 'pools:\n  default:\n    accounts: [prod]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
# write_one ID SPEC_LINES: a tenant with one profile p1
write_one() {
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n%s  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$1" "$2" >"$WORK/tenants/$1.yaml.tmp"
	mv "$WORK/tenants/$1.yaml.tmp" "$WORK/tenants/$1.yaml"
}
# in_region REGION TENANT: "PROFILES PARAMETERS" of the tenant there
in_region() {
	awsim_get state | jq -r --arg r "$1" --arg t "$2" '[.accounts[] | .regions[] | select(.name == $r)] as $x |
		"\([$x[].profiles[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == $t))] | length) \([$x[].parameters[]? | select((.tags // []) | any(.key == "bedrock-tenantd:tenant" and .value == $t))] | length)"'
}
write_one beta ""
write_one gamma $'  account: prod\n  region: us-east-1\n'
write_one delta $'  region: us-east-1\n'
write_one epsilon $'  account: prod\n  region: us-east-1\n'
# no room in us-west-2 from the start: beta, free to go to either Region, goes to
# us-east-1 (the pool takes the place with the most free profiles, and the others
# placed in us-east-1 first would send it to us-west-2)
awsim_put quotas '{"quotas": {"L-40EC9882": 0}, "account": "'$A'", "region": "us-west-2"}'
start_daemon
for t in beta gamma delta epsilon; do wait_until 60 "$t Ready" state_is $t Ready; done
old_beta=$(ctl resolve beta p1)
old_gamma=$(ctl resolve gamma p1)
old_delta=$(ctl resolve delta p1)
case "$old_beta $old_gamma $old_delta" in *:us-east-1:*:us-east-1:*:us-east-1:*) ;; *) fail "not all in us-east-1: $old_beta $old_gamma $old_delta" ;; esac

write_one beta $'  region: us-west-2\n'
write_one gamma $'  account: prod\n  region: us-west-2\n'
write_one delta $'  region: us-west-2\n'
beta_waits() { tenant_json beta | jq -e '.state == "Pending" and (.waiting // "" | test("pool default: no account-region in us-west-2"))' >/dev/null; }
gamma_waits() { tenant_json gamma | jq -e '.state == "Pending" and (.waiting // "" | test("quota of profiles reached"))' >/dev/null; }
wait_until 60 "beta waits for room in us-west-2" beta_waits
wait_until 60 "gamma waits for room in us-west-2" gamma_waits
consistent || fail "a parameter names a missing profile before anything was deleted"

# the old profiles deleted by hand while both wait
sign_call bedrock DELETE "/inference-profiles/${old_beta##*/}" >/dev/null || fail "could not delete beta's profile"
sign_call bedrock DELETE "/inference-profiles/${old_gamma##*/}" >/dev/null || fail "could not delete gamma's profile"
# plan, before the daemon's next listing, shows the deletion each old place owes now:
# beta still waits for a place, gamma waits for room in the one it has
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" --json >"$WORK/plan.json" 2>"$WORK/plan.err" || rc=$?
[ $rc = 2 ] || fail "plan exits $rc: $(cat "$WORK/plan.err")"
for t in beta gamma; do
	jq -e --arg t $t '.tenants[] | select(.id == $t) | (.moving_out_of | length == 1) and .moving_out_of[0] as $old |
		[.actions[] | select(.place == $old and .kind == "delete-parameter" and (.after_switch | not))] | length == 1' \
		"$WORK/plan.json" >/dev/null ||
		fail "plan does not show $t's parameter deletion in its old place: $(jq -c --arg t $t '.tenants[] | select(.id == $t)' "$WORK/plan.json")"
done
jq -e '.tenants[] | select(.id == "beta") | .waiting != null and .place == null' "$WORK/plan.json" >/dev/null ||
	fail "plan does not show beta waiting: $(jq -c '.tenants[] | select(.id == "beta")' "$WORK/plan.json")"
ctl resync >/dev/null
wait_until 30 "no parameter names a deleted profile" consistent
[ "$(in_region us-east-1 beta)" = "0 0" ] || fail "beta in us-east-1: $(in_region us-east-1 beta) (its profile is made again, or its parameter stays)"
[ "$(in_region us-east-1 gamma)" = "0 0" ] || fail "gamma in us-east-1: $(in_region us-east-1 gamma)"
[ "$(in_region us-west-2 beta)" = "0 0" ] || fail "beta has something in a place without room"
[ "$(in_region us-west-2 gamma)" = "0 0" ] || fail "gamma has something in a place without room"
beta_waits || fail "beta left Pending: $(tenant_json beta | jq -c '{state, waiting, last_error}')"
gamma_waits || fail "gamma left Pending: $(tenant_json gamma | jq -c '{state, waiting, last_error}')"
for t in beta gamma; do
	got=$(ctl resolve $t p1 2>"$WORK/resolve.err") && fail "resolve $t p1 answers $got, a profile deleted by hand"
	grep -q "does not exist yet: the tenant waits for capacity" "$WORK/resolve.err" ||
		fail "resolve $t p1 does not say it waits: $(cat "$WORK/resolve.err")"
done
grep -q "tenant=beta.*delete-parameter" "$WORK/daemon.log" || fail "beta's parameter deletion is not logged"

# the state store lost while delta waits: its old set is found by its tags
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
rm -f "$WORK/state/state.db" "$WORK/state/state.db-wal" "$WORK/state/state.db-shm"
start_daemon
delta_waits() { tenant_json delta | jq -e '.state == "Pending" and (.waiting // "" | test("pool default: no account-region in us-west-2"))' >/dev/null; }
wait_until 60 "delta waits for room in us-west-2 after the lost store" delta_waits
[ "$(in_region us-east-1 delta)" = "1 1" ] || fail "delta's old set must serve while it waits: $(in_region us-east-1 delta)"
sign_call bedrock DELETE "/inference-profiles/${old_delta##*/}" >/dev/null || fail "could not delete delta's profile"
ctl resync >/dev/null
wait_until 30 "no parameter names delta's deleted profile" consistent
[ "$(in_region us-east-1 delta)" = "0 0" ] || fail "delta in us-east-1: $(in_region us-east-1 delta)"
delta_waits || fail "delta left Pending: $(tenant_json delta | jq -c '{state, waiting, last_error}')"

# room in us-west-2: both are built there; the old place holds nothing of them
awsim_put quotas '{"quotas": {"L-40EC9882": null}, "account": "'$A'", "region": "us-west-2"}'
ctl resync >/dev/null
wait_until 60 "beta Ready in us-west-2" state_is beta Ready
wait_until 60 "gamma Ready in us-west-2" state_is gamma Ready
wait_until 60 "delta Ready in us-west-2" state_is delta Ready
for t in beta gamma delta; do
	case $(ctl resolve $t p1) in *:us-west-2:*) ;; *) fail "$t resolves to $(ctl resolve $t p1)" ;; esac
	[ "$(in_region us-west-2 $t)" = "1 1" ] || fail "$t in us-west-2: $(in_region us-west-2 $t)"
	wait_eq 30 "nothing of $t left in us-east-1" "0 0" in_region us-east-1 $t
done
consistent || fail "a parameter names a missing profile after the moves"

# epsilon waits to move while SSM refuses every deletion in its old Region: the old
# parameter naming its profile deleted by hand cannot go, and says so, but once there
# is room the new set is built all the same; the old one goes once SSM allows it
awsim_put quotas '{"quotas": {"L-40EC9882": 0}, "account": "'$A'", "region": "us-west-2"}'
ctl resync >/dev/null
sleep 1
old_eps=$(ctl resolve epsilon p1)
write_one epsilon $'  account: prod\n  region: us-west-2\n'
eps_waits() { tenant_json epsilon | jq -e '.state == "Pending" and (.waiting // "" | test("quota of profiles reached"))' >/dev/null; }
wait_until 60 "epsilon waits for room in us-west-2" eps_waits
awsim_put faults '{"rules":[{"service":"ssm","operation":"DeleteParameter","region":"us-east-1","error_percent":100,
	"error":{"status":400,"code":"AccessDeniedException","message":"refused for the test"}}]}'
sign_call bedrock DELETE "/inference-profiles/${old_eps##*/}" >/dev/null || fail "could not delete epsilon's profile"
ctl resync >/dev/null
wait_until 30 "the old place's failure logged" grep -q "tenant=epsilon.*in its old place prod/us-east-1:.*AccessDeniedException" "$WORK/daemon.log"
awsim_put quotas '{"quotas": {"L-40EC9882": null}, "account": "'$A'", "region": "us-west-2"}'
ctl resync >/dev/null
wait_until 60 "epsilon Ready in us-west-2 while its old place refuses" state_is epsilon Ready
case $(ctl resolve epsilon p1) in *:us-west-2:*) ;; *) fail "epsilon resolves to $(ctl resolve epsilon p1)" ;; esac
awsim_put faults '{"rules":[]}'
ctl resync >/dev/null
wait_eq 60 "nothing of epsilon left in us-east-1" "0 0" in_region us-east-1 epsilon
consistent || fail "a parameter names a missing profile at the end"
echo PASS
