#!/usr/bin/env bash
# An alias given another account id in the configuration (a typo, a copied block):
# its tenants' resources are in the first account, and making them again in the
# other would change every ARN unseen. The tenants placed under the alias wait,
# Pending with the reason naming both ids; nothing is made, changed or deleted in
# either account, and the daemon is ready for the rest. A new tenant naming the alias
# is made in the account it names now. The id put back: the first tenants are Ready
# on their ARNs with nothing written, and the new one waits in its turn.
# `bedrock-tenantd plan` plans the same: the tenants waiting, nothing to create.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_role_accounts 2
in_a1() { write_tenant "$1"; sed -i 's/^spec:$/spec:\n  account: a1/' "$WORK/tenants/$1.yaml"; }
for i in 0 1 2; do in_a1 "t$i"; done
write_tenant plain
start_daemon
wait_until 60 "every tenant Ready" all_ready
arns() { for i in 0 1 2; do ctl resolve "t$i" p1; done; }
arns >"$WORK/arns.before"
grep -c ":111100000001:" "$WORK/arns.before" | grep -qx 3 || fail "the tenants are not in a1: $(cat "$WORK/arns.before")"
mutating() { awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .key != "sts:AssumeRole") | .value.ok] | add // 0'; }
in_account() { awsim_get state | jq --arg id "$1" '[.accounts[] | select(.id == $id) | .regions[] | (.profiles // [])[]] | length'; }

stop_daemon
sed -i 's/111100000001/111100000009/g' "$WORK/config.yaml"
grep -q 111100000009 "$WORK/config.yaml" || fail "the id not changed"
awsim_put calls/reset
why="account a1 is 111100000009 in the configuration, but this tenant's resources were made in 111100000001"
plan_waits 3 "$why"
start_daemon
waits() { tenant_json "$1" | jq -r '.waiting // ""' | grep -qF "$why"; }
for i in 0 1 2; do wait_until 30 "t$i waits with the reason" waits "t$i"; done
for i in 0 1 2; do state_is "t$i" Pending || fail "t$i is $(tenant_state "t$i"), want Pending"; done
wait_until 30 "the daemon ready without them" sh -c "$CTL_BIN --socket $WORK/control.sock --json status | jq -e .ready >/dev/null"
state_is plain Ready || fail "plain is $(tenant_state plain)"
sleep 2 # a listing's worth of time for anything wrongly planned to go out
[ "$(mutating)" = 0 ] || fail "mutating calls while the alias names another account: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true and .value.ok > 0))')"
[ "$(in_account 111100000009)" = 0 ] || fail "profiles made in the other account"
[ "$(in_account 111100000001)" = 3 ] || fail "the first account's profiles changed"

# a new tenant naming the alias: made in the account it names now
in_a1 t9
wait_until 60 "t9 Ready" state_is t9 Ready
ctl resolve t9 p1 | grep -q ":111100000009:" || fail "t9 not made in the account a1 names: $(ctl resolve t9 p1)"

# the id put back: the first tenants as they were, the new one waits
stop_daemon
sed -i 's/111100000009/111100000001/g' "$WORK/config.yaml"
awsim_put calls/reset
start_daemon
for i in 0 1 2; do wait_until 60 "t$i Ready again" state_is "t$i" Ready; done
arns | diff "$WORK/arns.before" - || fail "resolve names other ARNs"
wait_until 30 "t9 waits in its turn" sh -c "$CTL_BIN --socket $WORK/control.sock --json tenant t9 | jq -r '.waiting // \"\"' | grep -q 'made in 111100000009'"
sleep 2
[ "$(mutating)" = 0 ] || fail "mutating calls once the id was put back: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true and .value.ok > 0))')"
