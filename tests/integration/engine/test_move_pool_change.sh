#!/usr/bin/env bash
# A manifest that names another pool moves its tenant there, as one naming another
# Region does (a create-before-delete replacement across places): `bedrock-tenantd plan`
# shows the move, the new set is built in the new pool's place, resolve switches, the
# old set goes after the drain. A pool that holds the tenant's place already keeps it
# there (nothing moves), and a tenant whose pool loses its place from the configuration
# stays (a configuration change moves nobody).
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 2 "us-east-1"
sed -i 's/^    accounts: \[a0, a1\]$/    accounts: [a0]\n  big:\n    accounts: [a1]\n  both:\n    accounts: [a1, a0]/' "$WORK/config.yaml"
grep -q "^  big:" "$WORK/config.yaml" || fail "pools not written: $(cat "$WORK/config.yaml")"
write_tenant beta
write_tenant gamma
start_daemon
wait_until 60 "every tenant Ready" all_ready
place_of() { tenant_json "$1" | jq -r '"\(.place.account)/\(.place.region)"'; }
[ "$(place_of beta)" = a0/us-east-1 ] || fail "beta placed in $(place_of beta), pool default is a0"
old=$(ctl resolve beta p1)

# gamma to pool both, which holds a0: it stays
sed -i 's/^spec:$/spec:\n  pool: both/' "$WORK/tenants/gamma.yaml"
sleep 2
[ "$(place_of gamma)" = a0/us-east-1 ] || fail "gamma moved to $(place_of gamma): pool both holds its place"

# beta to pool big (a1 only): plan shows the move, then it moves
stop_daemon
sed -i 's/^spec:$/spec:\n  pool: big/' "$WORK/tenants/beta.yaml"
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "plan exits $rc, want 2: $(cat "$WORK/plan.out")"
grep -q "moves from a0/us-east-1" "$WORK/plan.out" || fail "plan shows no move: $(cat "$WORK/plan.out")"
start_daemon
moved() { [ "$(place_of beta)" = a1/us-east-1 ] && state_is beta Ready && ctl resolve beta p1 | grep -q ":$(acct 1):"; }
wait_until 60 "beta moved to a1 (pool big)" moved
[ "$(ctl resolve beta p1)" != "$old" ] || fail "resolve names the old ARN"
wait_until 30 "the old set gone after the drain" eval '[ "$(awsim_profiles_of beta)" = 1 ]'
[ "$(place_of gamma)" = a0/us-east-1 ] || fail "gamma moved to $(place_of gamma)"
one_profile_each 2

# pool big loses a1 from its configuration (a restart): beta stays
stop_daemon
sed -i 's/^    accounts: \[a1\]$/    accounts: [a0]/' "$WORK/config.yaml"
start_daemon
wait_until 60 "every tenant Ready after the restart" all_ready
sleep 2
[ "$(place_of beta)" = a1/us-east-1 ] || fail "beta moved to $(place_of beta) by a configuration change"
one_profile_each 2
stop_daemon
echo PASS
