#!/usr/bin/env bash
# An account taken out of the configuration while tenants are placed in it (from its
# pool and from accounts:), then a restart: those tenants are not reconciled anywhere
# (an alias the configuration does not name would reach the default credentials'
# account, another one), nothing is made nor deleted, they wait as Pending with the
# reason, its places are shown failing (ctl places exits 1) and the daemon is ready
# for the rest; `bedrock-tenantd plan` says the same. The account put back (and a restart): every tenant Ready where it
# was, one profile each, nothing in the default account.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 3 "us-east-1, us-west-2"
for i in $(seq 0 11); do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
one_profile_each 12
in_a2() { { ctl --json places || true; } | jq -r '.places[] | select(.account == "a2") | .tenants' | paste -sd+ | bc; }
[ "$(in_a2)" -ge 1 ] || fail "no tenant placed in a2: $({ ctl --json places || true; } | jq -c '[.places[] | {place, tenants}]')"
a2_tenants=$(ctl --json tenants | jq -r '.tenants[].id' | while read -r id; do
	if [ "$(tenant_json "$id" | jq -r .place.account)" = a2 ]; then echo "$id"; fi; done | sort | paste -sd' ')
n_a2=$(echo "$a2_tenants" | wc -w)
echo "placed in a2: $a2_tenants"
default_count() { awsim_get state | jq '[.accounts[] | select(.id == "111122223333") | .regions[] | (.profiles // [])[], (.parameters // [])[]] | length'; }
before_default=$(default_count)
cp "$WORK/config.yaml" "$WORK/config.full.yaml"
sed -i 's/accounts: \[a0, a1, a2\]/accounts: [a0, a1]/' "$WORK/config.yaml"
python3 - "$WORK/config.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r'  a2:\n    id: "[0-9]+"\n    role_arn: [^\n]+\n', '', s)
open(p, 'w').write(s)
PY
grep -q "a2" "$WORK/config.yaml" && fail "a2 still in the configuration"
stop_daemon # its claim marked released: a write of the stopping daemon's
awsim_put calls/reset
# plan says the same, and plans nothing for them anywhere
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "plan exits $rc, want 2 (tenants waiting): $(cat "$WORK/plan.out")"
for id in $a2_tenants; do
	grep -q "^$id: waits: placed in a2/us-[a-z0-9-]*, whose account the configuration no longer names" "$WORK/plan.out" ||
		fail "plan for $id: $(cat "$WORK/plan.out")"
done
grep -q "create-profile" "$WORK/plan.out" && fail "plan creates profiles: $(cat "$WORK/plan.out")"
start_daemon
ctl wait-ready 60 >/dev/null || fail "not ready with the tenants of a2 waiting"
waiting_a2() { [ "$({ ctl --json places || true; } | jq '.waiting | length')" = "$n_a2" ]; }
wait_until 30 "the tenants of a2 waiting" waiting_a2
for id in $a2_tenants; do
	state_is "$id" Pending || fail "$id: $(tenant_json "$id" | jq -c '{state, waiting}')"
done
{ ctl --json places || true; } | jq -e '[.waiting[].reason | test("the configuration names no account a2")] | all' >/dev/null ||
	fail "reasons: $({ ctl --json places || true; } | jq -c .waiting)"
rc=0
ctl places >"$WORK/places.out" || rc=$?
[ $rc = 1 ] || fail "ctl places exits $rc, want 1"
grep -q "a2/us-east-1 .*(not listed yet)" "$WORK/places.out" || fail "places: $(cat "$WORK/places.out")"
[ "$(status_json | jq .places_failing)" = 2 ] || fail "places_failing $(status_json | jq .places_failing), want 2"
sleep 2
[ "$(default_count)" = "$before_default" ] || fail "resources made in the default account: $(default_count) (was $before_default)"
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0 and .key != "sts:AssumeRole")] | length')" = 0 ] ||
	fail "mutating calls with a2 gone: $(awsim_get calls | jq -c .)"
one_profile_each 12 # what a2 holds is untouched

# the account back, and a restart: every tenant where it was
cp "$WORK/config.full.yaml" "$WORK/config.yaml"
stop_daemon
start_daemon
wait_until 60 "every tenant Ready again" all_ready
one_profile_each 12
for id in $a2_tenants; do
	[ "$(tenant_json "$id" | jq -r .place.account)" = a2 ] || fail "$id moved: $(tenant_json "$id" | jq -c .place)"
done
[ "$(default_count)" = "$before_default" ] || fail "resources in the default account: $(default_count)"
stop_daemon
echo PASS
