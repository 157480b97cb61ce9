#!/usr/bin/env bash
# The alias of the daemon's own account (the account its default credentials reach)
# taken out of the configuration and out of the manifest that named it, then a
# restart: the tenant is now in the default account, the same account and Region as
# its recorded place. One place in AWS under another name: nothing moves, and the
# tenant is not left waiting for an alias that is configured no more.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role app
write_acme_moving us-east-1 prod
start_daemon
wait_until 60 "acme Ready" all_ready
before=$(ctl resolve acme p1)
made=$(calls bedrock:CreateInferenceProfile)
stop_daemon
sed -i '/^accounts:$/,/^    id: "111122223333"$/d' "$WORK/config.yaml"
grep -q 'prod' "$WORK/config.yaml" && fail "the alias was not removed: $(cat "$WORK/config.yaml")"
write_acme_moving us-east-1
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
tenant_json acme | jq -e '.history | any(.event | test("is named -/us-east-1 now"))' >/dev/null ||
	fail "the history does not tell the rename: $(tenant_json acme | jq -c '[.history[].event]')"
[ "$(calls bedrock:CreateInferenceProfile)" = "$made" ] || fail "a profile was made after the rename"
stop_daemon
echo PASS
