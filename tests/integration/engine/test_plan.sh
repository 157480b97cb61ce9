#!/usr/bin/env bash
# bedrock-tenantd plan: what would change, human and --json; exit 0 nothing to do,
# 2 changes pending, 1 an error; it never mutates anything. It shows the whole change
# set (every resource of a new tenant, attribute-level diffs), each tenant once, and
# a grace or drain timer that is already running is not a change.
. "$(dirname "$0")/lib.sh"
start_awsim
GRACE=600s DRAIN=600s write_config
for t in alpha beta; do write_tenant "$t" "" eng 1; done
plan() { "$DAEMON" plan --config "$WORK/config.yaml" "$@"; }

rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan on an empty account exited $rc, not 2"
echo "$out" | grep -q "create-profile alpha-p1-" || fail "plan does not show the creates: $out"
rc=0
json=$(plan --json) || rc=$?
[ $rc = 2 ] || fail "plan --json exited $rc"
echo "$json" | jq -e '.tenants_with_changes == 2 and ([.tenants[].actions[] | select(.kind == "create-profile")] | length == 2)' >/dev/null ||
	fail "plan --json: $json"
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "plan made a mutating call: $(awsim_get calls | jq -c .)"

start_daemon
wait_until 60 "Ready" all_ready
rc=0
plan >/dev/null || rc=$?
[ $rc = 0 ] || fail "plan after convergence exited $rc, not 0"
write_tenant alpha "" finance 1 # a tag change is pending until the daemon applies it
ctl pause >/dev/null
wait_until 10 "alpha Drifted" state_is alpha Drifted
rc=0
out=$(plan) || rc=$?
# the pause is kept in the state store: the daemon's next start writes nothing either
[ $rc = 3 ] && echo "$out" | grep -q "tag-profile" && echo "$out" | grep -q "the daemon makes none of them: paused$" ||
	fail "plan does not show the pending tag change, held by the pause ($rc): $out"
ctl resume >/dev/null
wait_until 30 "Ready" all_ready
stop_daemon

# a new tenant: every resource it will have, not only the first step of each; gamma
# lives in the account alias "prod", the same account as the default one here, so
# that place lists every tenant's resources a second time
create_role claims-app
write_budget_tenant acme 1000 "80:actual:admin@example.com" "[claims-app]"
printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: gamma\nspec:\n  account: prod\n  profiles:\n    - name: p1\n      model: amazon.nova-lite-v1:0\n' >"$WORK/tenants/gamma.yaml"
curl -sf -X DELETE "http://127.0.0.1:$PORT/_awsim/calls" >/dev/null
rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan with a new tenant exited $rc, not 2: $out"
for want in "+ create-profile acme-p1-" "+ create-budget bedrock-tenant-acme" \
	'+ alert: "ACTUAL > 80% (EMAIL:admin@example.com)"' "+ create-parameter /bedrock-tenants/acme/p1/profile-arn" \
	"+ value: (known after create)" "~ put-role-policy claims-app/" "+ statement InvokeTenantProfiles: (known after create)"; do
	echo "$out" | grep -qF -- "$want" || fail "plan of a new tenant lacks '$want': $out"
done
[ "$(echo "$out" | grep -c '^acme ')" = 1 ] || fail "acme is shown more than once: $out"
json=$(plan --json) || true
echo "$json" | jq -e '[.tenants[] | select(.id == "acme") | .actions[] | select(.aws_call) | .kind] |
	index("create-profile") and index("create-budget") and index("create-parameter") and index("put-role-policy")' >/dev/null ||
	fail "plan --json of a new tenant: $json"
echo "$json" | jq -e '[.tenants[].actions[] | select(.kind | test("budget")) | .resource, .subject] | length > 0 and all(. != "")' >/dev/null ||
	fail "a budget action without its name: $json"
[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0)] | length')" = 0 ] ||
	fail "plan made a mutating call: $(awsim_get calls | jq -c .)"
start_daemon
wait_until 60 "Ready with acme" all_ready
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan after convergence with a budget and a role policy exited $rc, not 0: $out"

# timers running in a converged world are not changes: beta's old profile drains, the
# removed alpha waits for its grace period; both show as deferred deletions
old_beta=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "beta")) | .[0].name')
write_tenant beta amazon.nova-lite-v1:0 eng 1
rm "$WORK/tenants/alpha.yaml"
timer_set() { [ "$(tenant_json "$1" | jq -r .next_timer)" != null ]; }
wait_until 60 "beta drains" timer_set beta
wait_until 60 "alpha's grace" timer_set alpha
rc=0
out=$(plan) || rc=$?
[ $rc = 0 ] || fail "plan with only grace and drain timers running exited $rc, not 0: $out"
echo "$out" | grep -q "^  - delete-profile $old_beta (after " || fail "the drained profile's deletion is not shown: $out"
echo "$out" | grep -q "^  - delete-profile alpha-p1-.* (after " || fail "alpha's deletion after its grace is not shown: $out"
[ "$(echo "$out" | grep -c '^alpha ')" = 1 ] || fail "alpha is shown more than once: $out"
stop_daemon

# a tag edited by hand and a budget change: attribute-level diffs, the budget named
arn=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].arn')
sign_call bedrock POST /tagResource "{\"resourceARN\":\"$arn\",\"tags\":[{\"key\":\"CostCenter\",\"value\":\"hacked\"}]}" >/dev/null
write_budget_tenant acme 2000 "80:actual:admin@example.com" "[claims-app]"
rc=0
out=$(plan) || rc=$?
[ $rc = 2 ] || fail "plan with a hand-edited tag exited $rc, not 2: $out"
echo "$out" | grep -qF '~ CostCenter: "hacked" -> "eng"' || fail "the tag edit is not shown as a diff: $out"
echo "$out" | grep -qF '~ update-budget bedrock-tenant-acme' || fail "the budget update is not named: $out"
echo "$out" | grep -qF '~ limit: "1000 USD" -> "2000 USD"' || fail "the budget limit diff is missing: $out"

# a replacement, planned before the daemon saw it: create the new profile, point the
# parameter at it, then delete the old one after the drain
write_tenant beta amazon.nova-micro-v1:0 eng 1
out=$(plan) || true
echo "$out" | grep -q "^  + create-profile beta-p1-" || fail "the replacement's create is missing: $out"
echo "$out" | grep -q "^  ~ update-parameter /bedrock-tenants/beta/p1/profile-arn" || fail "the parameter switch is missing: $out"

# errors exit 1, never 2 (which would read as "changes pending")
rc=0
plan --bogus >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan with an unknown option exited $rc, not 1"
rc=0
plan "$WORK/tenants" extra >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan with two directories exited $rc, not 1"
rc=0
plan "$WORK/no-such-dir" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan on a missing manifest directory exited $rc, not 1"
# a state store that exists but is not a database (opening it reads nothing): an
# error, said, never a plan that assumes the daemon remembers nothing
cp "$WORK/state/state.db" "$WORK/state.db.good"
head -c 100 /dev/urandom >"$WORK/state/state.db"
rc=0
plan >/dev/null 2>"$WORK/plan.err" || rc=$?
[ $rc = 1 ] || fail "plan with a state store that is not a database exited $rc, not 1: $(cat "$WORK/plan.err")"
grep -q "the state store .* cannot be read" "$WORK/plan.err" || fail "plan does not say the store cannot be read: $(cat "$WORK/plan.err")"
cp "$WORK/state.db.good" "$WORK/state/state.db"
sed "s|http://127.0.0.1:$PORT|http://127.0.0.1:1|" "$WORK/config.yaml" >"$WORK/unreachable.yaml"
rc=0
timeout 60 "$DAEMON" plan --config "$WORK/unreachable.yaml" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan against an unreachable endpoint exited $rc, not 1"

echo "manifests: /nonexistent/dir" >>"$WORK/config.yaml"
rc=0
plan --config /nonexistent.yaml >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan with a missing configuration exited $rc, not 1"
echo PASS
