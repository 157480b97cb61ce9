#!/usr/bin/env bash
# bedrock-tenantd plan: what would change, human and --json; exit 0 nothing to do,
# 2 changes pending, 1 an error; it never mutates anything.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
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
[ $rc = 2 ] && echo "$out" | grep -q "tag-profile" || fail "plan does not show the pending tag change ($rc): $out"
ctl resume >/dev/null
stop_daemon

echo "manifests: /nonexistent/dir" >>"$WORK/config.yaml"
rc=0
plan --config /nonexistent.yaml >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "plan with a missing configuration exited $rc, not 1"
echo PASS
