#!/usr/bin/env bash
# An account alias of a pool renamed in the configuration (the same id and role), in
# accounts: and in the pool, then a restart: the tenants placed under the old name are
# in the same place in AWS, so they stay there under the new one, Ready, nothing made
# again nor moved. (An alias configured no more is reached by nobody: the tenants
# would wait for it for good.)
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 2 "us-east-1"
for i in 0 1 2 3; do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
one_profile_each 4
placed_a1=
for id in t0 t1 t2 t3; do
	[ "$(tenant_json "$id" | jq -r .place.account)" = a1 ] && placed_a1=$id
done
[ -n "$placed_a1" ] || fail "no tenant placed in a1"
before=$(ctl resolve "$placed_a1" p1)
made=$(calls bedrock:CreateInferenceProfile)
stop_daemon
sed -i 's/^  a1:$/  b1:/; s/accounts: \[a0, a1\]/accounts: [a0, b1]/' "$WORK/config.yaml"
grep -q '^  b1:$' "$WORK/config.yaml" && grep -q 'accounts: \[a0, b1\]' "$WORK/config.yaml" ||
	fail "the alias was not renamed: $(cat "$WORK/config.yaml")"
# plan, before the restart, sees the same place: nothing to do, no tenant waiting
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ $rc = 0 ] || fail "plan exits $rc, want 0 (nothing to do): $(cat "$WORK/plan.out")"
start_daemon
wait_until 60 "every tenant Ready after the rename" all_ready
[ "$(tenant_json "$placed_a1" | jq -r .place.account)" = b1 ] ||
	fail "$placed_a1 is in $(tenant_json "$placed_a1" | jq -c .place)"
[ "$(ctl resolve "$placed_a1" p1)" = "$before" ] || fail "the ARN changed"
tenant_json "$placed_a1" | jq -e '(.moving_from // []) == []' >/dev/null ||
	fail "a move: $(tenant_json "$placed_a1" | jq -c .moving_from)"
[ "$(calls bedrock:CreateInferenceProfile)" = "$made" ] || fail "a profile was made after the rename"
ctl status >/dev/null || fail "status exits $?"
one_profile_each 4
stop_daemon
echo PASS
