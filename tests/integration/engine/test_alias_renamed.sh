#!/usr/bin/env bash
# An account alias renamed in the configuration (the same id and role) and in the
# manifest that names it, then a restart: one place in AWS under a new name, so
# nothing moves. The old alias is configured no more: a move from it would never be
# listed nor end (the tenant "moving from" it for good, status exiting 1).
. "$(dirname "$0")/lib.sh"
start_awsim_two_accounts
write_config
add_other_account
create_role app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app
write_acme_moving us-east-1 other
start_daemon
wait_until 60 "acme Ready" all_ready
before=$(ctl resolve acme p1)
made=$(calls bedrock:CreateInferenceProfile)
stop_daemon
sed -i 's/^  other:$/  bee:/' "$WORK/config.yaml"
grep -q '^  bee:$' "$WORK/config.yaml" || fail "the alias was not renamed: $(cat "$WORK/config.yaml")"
write_acme_moving us-east-1 bee
# plan, before the restart, sees the same place: nothing to do, no tenant waiting
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
[ $rc = 0 ] || fail "plan exits $rc, want 0 (nothing to do): $(cat "$WORK/plan.out")"
start_daemon
wait_until 60 "acme Ready again" all_ready
ctl resync >/dev/null
sleep 2
[ "$(ctl resolve acme p1)" = "$before" ] || fail "the ARN changed: $before -> $(ctl resolve acme p1)"
tenant_json acme | jq -e '(.moving_from // []) == []' >/dev/null ||
	fail "a move from the old name: $(tenant_json acme | jq -c .moving_from)"
ctl status >/dev/null || fail "status exits $?: $(ctl status 2>&1 | tail -n 5)"
tenant_json acme | jq -e '.history | any(.event | test("is named bee/us-east-1 now"))' >/dev/null ||
	fail "the history does not tell the rename: $(tenant_json acme | jq -c '[.history[].event]')"
[ "$(calls bedrock:CreateInferenceProfile)" = "$made" ] || fail "a profile was made after the rename"
stop_daemon
echo PASS
